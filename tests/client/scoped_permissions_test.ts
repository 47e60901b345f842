import assert from "node:assert/strict";
import { computePermissions, loadKubeletOptions, permissionFlags } from "../../src/options/mod.ts";
import { b64, testPki } from "./_certs.ts";
import { sendJson, startFakeApiServer } from "./_fake_api_server.ts";

const pki = await testPki();
const PROBE = new URL("./_scoped_probe.ts", import.meta.url).pathname;

/** Runs the probe under exactly `flags`; its JSON line. */
async function probeUnder(flags: string[], args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, PROBE, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `probe failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** The agent's permission flags for `args` (loaded with full permissions, as the launcher does). */
async function agentFlags(args: string[]): Promise<string[]> {
  const loaded = await loadKubeletOptions(args);
  assert.equal(loaded.kind, "run");
  if (loaded.kind !== "run") throw new Error("unreachable");
  return permissionFlags(computePermissions(loaded.options));
}

Deno.test("the computed permissions are enough for the client: kubeconfig, certificates, token, API server", async () => {
  await using server = await startFakeApiServer(pki, (req, res) =>
    sendJson(res, 200, {
      kind: "Node",
      metadata: { name: "n1" },
      seen: { cn: req.clientCN, auth: req.headers.authorization },
    }));
  const dir = await Deno.makeTempDir({ prefix: "denolet_scoped_client_" });
  try {
    await Deno.mkdir(`${dir}/pki`);
    await Deno.writeTextFile(`${dir}/pki/ca.crt`, pki.ca);
    await Deno.writeTextFile(`${dir}/pki/node.crt`, pki.clientCert);
    await Deno.writeTextFile(`${dir}/pki/node.key`, pki.clientKey);
    await Deno.writeTextFile(`${dir}/token`, "secret\n");
    await Deno.writeTextFile(
      `${dir}/kubeconfig`,
      "current-context: c\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n" +
        `clusters: [{name: c, cluster: {server: '${server.url}', certificate-authority: pki/ca.crt}}]\n` +
        "users: [{name: u, user: {client-certificate: pki/node.crt, client-key: pki/node.key, " +
        "tokenFile: token}}]\n",
    );
    const args = [
      `--kubeconfig=${dir}/kubeconfig`,
      "--hostname-override=n1",
      `--root-dir=${dir}/root`,
    ];
    const flags = await agentFlags(args);
    const out = await probeUnder(flags, [...args, "--", `https://127.0.0.2:${server.port}/`]);
    assert.equal(out.error, undefined, String(out.error));
    assert.deepEqual((out.node as { seen: unknown }).seen, {
      cn: "system:node:n1",
      auth: "Bearer secret",
    });
    assert.equal(out.other, "refused NotCapable", "only the API server's host:port is granted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("insecure-skip-tls-verify works through the computed --unsafely-ignore-certificate-errors, and says so without it", async () => {
  await using server = await startFakeApiServer(
    pki,
    (_req, res) => sendJson(res, 200, { kind: "Node", metadata: { name: "n1" } }),
  );
  const dir = await Deno.makeTempDir({ prefix: "denolet_scoped_insecure_" });
  try {
    await Deno.writeTextFile(
      `${dir}/kubeconfig`,
      "current-context: c\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n" +
        `clusters: [{name: c, cluster: {server: '${server.url}', insecure-skip-tls-verify: true}}]\n` +
        `users: [{name: u, user: {client-certificate-data: ${b64(pki.clientCert)}, ` +
        `client-key-data: ${b64(pki.clientKey)}}}]\n`,
    );
    const args = [
      `--kubeconfig=${dir}/kubeconfig`,
      "--hostname-override=n1",
      `--root-dir=${dir}/r`,
    ];
    const flags = await agentFlags(args);
    assert.ok(flags.includes("--unsafely-ignore-certificate-errors=127.0.0.1"), flags.join(" "));
    const ok = await probeUnder(flags, [...args, "--", "http://127.0.0.2:1/"]);
    assert.equal(ok.error, undefined, String(ok.error));
    const without = await probeUnder(
      flags.filter((f) => !f.startsWith("--unsafely-ignore-certificate-errors")),
      [...args, "--", "http://127.0.0.2:1/"],
    );
    assert.match(
      String(without.error),
      /^GET \/api\/v1\/nodes\/n1: .*certificate.*insecure-skip-tls-verify needs Deno's --unsafely-ignore-certificate-errors=127\.0\.0\.1/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
