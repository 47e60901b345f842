import assert from "node:assert/strict";
import { createConfigzHandler } from "../../src/kubeletserver/configz.ts";
import { HEAD, load } from "../options/_helpers.ts";

Deno.test("/configz answers {kubeletconfig: ...} with the effective v1beta1 fields, no kind/apiVersion", async () => {
  const o = await load(["--config=/etc/k.yaml", "--max-pods=40"], {
    "/etc/k.yaml": HEAD +
      "readOnlyPort: 10255\nsyncFrequency: 90s\nstaticPodURL: https://u:p@h/m?token=s\n" +
      "staticPodURLHeader: {Authorization: ['Bearer secret']}\n" +
      "authentication:\n  webhook: {cacheTTL: 1m}\n",
  });
  const handler = createConfigzHandler(o.kubeletConfiguration);
  const r = await handler(new Request("http://127.0.0.1/configz"));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.equal(r.headers.get("x-content-type-options"), "nosniff");
  const text = await r.text();
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["kubeletconfig"]);
  const c = body.kubeletconfig;
  assert.equal(c.kind, undefined, "the kubelet's /configz has no kind");
  assert.equal(c.apiVersion, undefined);
  assert.equal(c.maxPods, 40, "flags win, as in the running config");
  assert.equal(c.readOnlyPort, 10255);
  assert.equal(c.syncFrequency, "1m30s", "durations as Go text");
  assert.equal(c.fileCheckFrequency, "20s", "defaults included");
  assert.equal(c.authentication.webhook.cacheTTL, "1m0s");
  assert.equal(c.authentication.webhook.enabled, true);
  assert.equal(c.authorization.mode, "Webhook");
  assert.equal(c.enableDebuggingHandlers, true);
  assert.equal(c.enableSystemLogHandler, false);
  assert.equal(c.localDebuggingHandlers, false);
  assert.deepEqual(c.logging, { verbosity: 0, format: "text" });
  assert.equal(c.tlsCertFile, undefined, "unset optional fields are left out");
  assert.equal(c.maxParallelImagePulls, undefined, "a nil pointer is left out");
  assert.deepEqual(c.staticPodURLHeader, { Authorization: ["<masked>"] });
  assert.ok(!text.includes("secret") && !text.includes("u:p@"), text);
  assert.ok(!text.includes("token=s"), text);
});

Deno.test("/configz: any other path is 404", async () => {
  const handler = createConfigzHandler({});
  assert.equal((await handler(new Request("http://127.0.0.1/configz/x"))).status, 404);
  const any = await handler(new Request("http://127.0.0.1/configz", { method: "POST" }));
  assert.equal(await any.text(), '{"kubeletconfig":{}}', "any method, as the kubelet's");
});
