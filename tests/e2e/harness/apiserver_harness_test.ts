import assert from "node:assert/strict";
import {
  apiServerUnavailableReason,
  findKubeApiServer,
  startApiServer,
} from "./apiserver_harness.ts";
import { makeApiServerPki, tokenAuthCsv, tokenKubeconfig } from "./_apiserver_files.ts";
import { loadKubeconfig } from "../../../src/client/mod.ts";

/** Runs `fn` with the env vars set (undefined: unset), restoring them after. */
async function withEnv(vars: Record<string, string | undefined>, fn: () => Promise<void>) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const set = (k: string, v: string | undefined) =>
    v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  try {
    for (const [k, v] of Object.entries(vars)) set(k, v);
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}

Deno.test("findKubeApiServer() picks the most recently built cached binary, ignoring versions without one", async () => {
  const root = await Deno.makeTempDir({ prefix: "denolet-cache-" });
  try {
    for (const v of ["1.20.5+really1.20.2-1.1", "1.20.5+really1.20.2-1.1+deb12u1", "9.9-unbuilt"]) {
      await Deno.mkdir(`${root}/kube-apiserver-${v}`);
    }
    const older = `${root}/kube-apiserver-1.20.5+really1.20.2-1.1+deb12u1/kube-apiserver`;
    const newer = `${root}/kube-apiserver-1.20.5+really1.20.2-1.1/kube-apiserver`;
    await Deno.writeTextFile(older, "");
    await Deno.writeTextFile(newer, "");
    await Deno.utime(older, 1_000, 1_000);
    await Deno.utime(newer, 2_000, 2_000);
    await withEnv({ DENOLET_CACHE_DIR: root, DENOLET_KUBE_APISERVER: undefined }, async () => {
      assert.equal(await findKubeApiServer(), newer);
    });
    await withEnv(
      { DENOLET_CACHE_DIR: `${root}/none`, DENOLET_KUBE_APISERVER: undefined },
      async () => {
        assert.equal(await findKubeApiServer(), undefined);
      },
    );
    await withEnv({ DENOLET_KUBE_APISERVER: "/opt/k/kube-apiserver" }, async () => {
      assert.equal(await findKubeApiServer(), "/opt/k/kube-apiserver");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test('tokenAuthCsv() writes token,user,uid,"groups" lines as --token-auth-file reads them', () => {
  assert.equal(
    tokenAuthCsv([
      { user: "admin", groups: ["system:masters"], token: "t0" },
      { user: "system:node:n1", groups: ["system:nodes", "extra"], token: "t1" },
    ]),
    't0,admin,uid-0,"system:masters"\nt1,system:node:n1,uid-1,"system:nodes,extra"\n',
  );
});

Deno.test("tokenKubeconfig() with makeApiServerPki()'s CA is read by denolet's loader", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-kc-" });
  try {
    const pki = await makeApiServerPki(dir);
    await Deno.writeTextFile(
      `${dir}/kc`,
      tokenKubeconfig("https://127.0.0.1:6443", pki.caCert, "system:node:n1", "tok"),
    );
    const kc = await loadKubeconfig(`${dir}/kc`);
    assert.equal(kc.server, "https://127.0.0.1:6443");
    assert.equal(kc.user, "system:node:n1");
    assert.equal(kc.token, "tok");
    assert.equal(kc.certificateAuthority, await Deno.readTextFile(pki.caCert));
    assert.deepEqual(kc.files, [`${dir}/kc`, pki.caCert]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const unavailable = await apiServerUnavailableReason();
if (typeof unavailable === "string") {
  console.error(`\n!!! E2E SKIPPED: kube-apiserver unavailable: ${unavailable}\n`);
}

async function harnessDirs(): Promise<Set<string>> {
  const dirs = new Set<string>();
  for await (const e of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) {
    if (e.name.startsWith("denolet-apiserver-")) dirs.add(e.name);
  }
  return dirs;
}

Deno.test({
  name: "startApiServer() returns the reason and leaves nothing behind when etcd is not up in time",
  ignore: typeof unavailable === "string",
  async fn() {
    const before = await harnessDirs();
    const result = await startApiServer({ readyTimeoutMs: 1 });
    assert.equal(typeof result, "string");
    assert.match(
      result as string,
      /^cannot start kube-apiserver \+ etcd: Timed out .* etcd \/health/,
    );
    const after = await harnessDirs();
    assert.deepEqual([...after].filter((d) => !before.has(d)), []);
  },
});
