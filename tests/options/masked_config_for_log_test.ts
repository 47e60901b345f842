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

Deno.test("maskedConfigForLog() masks the manifest URL's userinfo and query values", async () => {
  const loaded = await loadKubeletOptions(
    ["--manifest-url=http://admin:hunter2@127.0.0.1:8080/pods?token=abc", "--hostname-override=n1"],
    { hostname: () => "n1" },
  );
  assert.equal(loaded.kind, "run");
  if (loaded.kind !== "run") return;
  const masked = maskedConfigForLog(loaded.options).staticPodURL;
  assert.ok(!masked.includes("hunter2") && !masked.includes("abc"), masked);
  assert.match(masked, /127\.0\.0\.1:8080\/pods/);
});
