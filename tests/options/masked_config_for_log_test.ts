import assert from "node:assert/strict";
import { type KubeletOptions, loadKubeletOptions } from "../../src/options/kubelet_options.ts";
import { MASKED, maskedConfigForLog } from "../../src/options/masked_config_for_log.ts";

Deno.test("maskedConfigForLog() masks every header value and leaves the config intact", async () => {
  const r = await loadKubeletOptions([
    "--hostname-override=n",
    "--manifest-url=http://127.0.0.1/pods",
    "--manifest-url-header=Authorization:Bearer secret,X-A:1",
    "--manifest-url-header=X-A:2",
  ]);
  const options = (r as { options: KubeletOptions }).options;
  const masked = maskedConfigForLog(options);
  assert.equal(MASKED, "<masked>");
  assert.deepEqual(masked.staticPodURLHeader, {
    Authorization: ["<masked>"],
    "X-A": ["<masked>", "<masked>"],
  });
  assert.ok(!JSON.stringify(masked).includes("secret"));
  assert.deepEqual(options.staticPodURLHeader.Authorization, ["Bearer secret"]);
  assert.deepEqual({ ...masked, staticPodURLHeader: {} }, { ...options, staticPodURLHeader: {} });
});
