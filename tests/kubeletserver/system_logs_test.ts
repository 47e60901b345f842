import assert from "node:assert/strict";
import { createSystemLogsHandler, directoryListing } from "../../src/kubeletserver/system_logs.ts";

async function logDir() {
  const root = await Deno.makeTempDir({ prefix: "denolet-syslogs-" });
  const dir = `${root}/log`;
  await Deno.mkdir(`${dir}/pods/ns_p_u`, { recursive: true });
  await Deno.writeTextFile(`${dir}/syslog`, "line 1\nline 2\n");
  await Deno.writeFile(`${dir}/wtmp`, new Uint8Array([1, 0, 2, 3]));
  await Deno.writeTextFile(`${root}/secret`, "SECRET-CONTENT\n");
  await Deno.symlink(`${root}/secret`, `${dir}/escape`);
  await Deno.symlink(root, `${dir}/up`);
  await Deno.symlink(`${dir}/syslog`, `${dir}/inside`);
  const handler = createSystemLogsHandler({ logDir: dir });
  const get = (path: string, method = "GET") =>
    handler(new Request(`http://127.0.0.1${path}`, { method }));
  return { root, get, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

Deno.test("/logs/ lists the log dir as Go's file server and downloads a file", async () => {
  await using d = await logDir();
  const list = await d.get("/logs/");
  assert.equal(list.status, 200);
  assert.equal(list.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await list.text();
  assert.match(html, /<pre>\n<a href="escape">escape<\/a>\n<a href="inside">inside<\/a>\n/);
  assert.match(html, /<a href="pods\/">pods\/<\/a>\n<a href="syslog">syslog<\/a>\n/);
  const file = await d.get("/logs/syslog");
  assert.equal(file.status, 200);
  assert.equal(file.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(file.headers.get("content-length"), "14");
  assert.equal(await file.text(), "line 1\nline 2\n");
  const binary = await d.get("/logs/wtmp");
  assert.equal(binary.headers.get("content-type"), "application/octet-stream");
  await binary.body?.cancel();
  const sub = await d.get("/logs/pods");
  assert.equal(sub.status, 301, "a directory without its slash is redirected");
  assert.equal(sub.headers.get("location"), "pods/");
  assert.equal((await d.get("/logs/pods/")).status, 200);
  const linked = await d.get("/logs/inside");
  assert.equal(await linked.text(), "line 1\nline 2\n", "a symlink inside the dir is served");
});

Deno.test("/logs/ never serves what is outside the log dir", async (t) => {
  await using d = await logDir();
  for (
    const [name, path, status] of [
      ["a symlink to a file outside", "/logs/escape", 403],
      ["a symlink to a directory outside", "/logs/up/", 403],
      ["through a symlinked directory", "/logs/up/secret", 403],
      ["an encoded ..", "/logs/pods/..%2F..%2Fsecret", 400],
      ["an encoded .. segment", "/logs/%2e%2e/secret", 404], // the URL parser resolves %2e%2e itself
      ["a NUL", "/logs/sys%00log", 400],
      ["a missing file", "/logs/nope", 404],
    ] as const
  ) {
    await t.step(name, async () => {
      const r = await d.get(path);
      const body = await r.text();
      assert.equal(r.status, status, `${path}: ${body}`);
      assert.ok(!body.includes("SECRET-CONTENT"), body);
    });
  }
  await t.step("only GET and HEAD", async () => {
    const r = await d.get("/logs/syslog", "POST");
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "GET");
  });
});

Deno.test("directoryListing() escapes names and marks directories", () => {
  assert.equal(
    directoryListing([{ name: "a<b>", isDirectory: false }, { name: "d", isDirectory: true }]),
    '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n' +
      '<a href="a%3Cb%3E">a&#60;b&#62;</a>\n<a href="d/">d/</a>\n</pre>\n',
  );
});
