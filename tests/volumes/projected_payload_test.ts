import assert from "node:assert/strict";
import type { Pod, ServiceAccountTokenProjection } from "kubernetes-types/core/v1.d.ts";
import { projectedPayload, projectsSecrets } from "../../src/volumes/projected_payload.ts";
import { b64, fakeLookup, show } from "./_lookup.ts";

const pod: Pod = {
  metadata: { name: "web", namespace: "default", uid: "u1", labels: { a: "1" } },
  spec: { containers: [{ name: "app" }], serviceAccountName: "builder" },
};
const objects = fakeLookup({
  configMaps: { "default/cfg": { data: { "app.conf": "x" } } },
  secrets: { "default/creds": { data: { pass: b64("pw") } } },
});

Deno.test("projectedPayload() merges configMap, secret, downwardAPI and token sources with defaultMode", async () => {
  const asked: [string | undefined, ServiceAccountTokenProjection][] = [];
  const tokens = (p: Pod, s: ServiceAccountTokenProjection) => {
    asked.push([p.metadata?.name, s]);
    return Promise.resolve("tok-1");
  };
  const payload = await projectedPayload(pod, {
    defaultMode: 0o440,
    sources: [
      { configMap: { name: "cfg" } },
      { secret: { name: "creds", items: [{ key: "pass", path: "db/pass", mode: 0o400 }] } },
      { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
      { serviceAccountToken: { path: "token", audience: "vault", expirationSeconds: 600 } },
    ],
  }, { objects, tokens });
  assert.deepEqual(show(payload), {
    "app.conf": ["x", 0o440],
    "db/pass": ["pw", 0o400],
    "labels": ['a="1"', 0o440],
    "token": ["tok-1", 0o440],
  });
  assert.deepEqual(asked, [["web", { path: "token", audience: "vault", expirationSeconds: 600 }]]);
});

Deno.test("projectedPayload() defaults to 0644 and skips optional missing sources", async () => {
  const payload = await projectedPayload(pod, {
    sources: [{ configMap: { name: "cfg" } }, { secret: { name: "gone", optional: true } }],
  }, { objects });
  assert.deepEqual(show(payload), { "app.conf": ["x", 0o644] });
});

Deno.test("projectedPayload() refuses a path two sources write", async () => {
  await assert.rejects(
    projectedPayload(pod, {
      sources: [
        { configMap: { name: "cfg" } },
        {
          downwardAPI: {
            items: [{ path: "./app.conf", fieldRef: { fieldPath: "metadata.name" } }],
          },
        },
      ],
    }, { objects }),
    {
      message: 'projected sources #0 (configMap "cfg") and #1 (downwardAPI) both write "app.conf"',
    },
  );
});

Deno.test("projectedPayload() fails a token source standalone with one line", async () => {
  await assert.rejects(
    projectedPayload(pod, { sources: [{ serviceAccountToken: { path: "token" } }] }, { objects }),
    {
      message:
        'projected serviceAccountToken source "token" needs the API server (denolet runs standalone)',
    },
  );
});

Deno.test("projectedPayload() names a missing object and an unsupported source", async () => {
  await assert.rejects(
    projectedPayload(pod, {
      sources: [{ secret: { name: "creds", items: [{ key: "nope", path: "n" }] } }],
    }, { objects }),
    { message: 'secret "creds" references non-existent secret key: nope' },
  );
  await assert.rejects(
    projectedPayload(pod, { sources: [{ clusterTrustBundle: { path: "ca" } } as never] }, {
      objects,
    }),
    /projected source #0 \(clusterTrustBundle\) is not supported/,
  );
});

Deno.test("projectsSecrets() is true for a secret or token source only", () => {
  assert.equal(projectsSecrets({ sources: [{ configMap: { name: "c" } }] }), false);
  assert.equal(projectsSecrets({ sources: [{ secret: { name: "s" } }] }), true);
  assert.equal(projectsSecrets({ sources: [{ serviceAccountToken: { path: "t" } }] }), true);
});
