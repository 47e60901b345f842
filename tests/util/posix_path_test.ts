import assert from "node:assert/strict";
import * as node from "node:path";
import { dirname, isAbsolute, join, resolve } from "../../src/util/posix_path.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "a/",
  "/a",
  "/a/",
  "/a//b",
  "a/./b",
  "a/../b",
  "../a",
  "../../a/b/..",
  "/../a",
  "/a/b/../../..",
  "a/b/c/",
  "/etc/kubernetes/manifests",
  "./kubelet.yaml",
  "dir with space/x",
];

Deno.test("isAbsolute, join, resolve and dirname answer as node:path does", () => {
  for (const p of PATHS) {
    assert.equal(isAbsolute(p), node.isAbsolute(p), `isAbsolute(${JSON.stringify(p)})`);
    assert.equal(dirname(p), node.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(resolve(p), node.resolve(p), `resolve(${JSON.stringify(p)})`);
    for (const q of PATHS) {
      const args = JSON.stringify([p, q]);
      assert.equal(join(p, q), node.join(p, q), `join${args}`);
      assert.equal(resolve(p, q), node.resolve(p, q), `resolve${args}`);
      assert.equal(join("/base", p, q), node.join("/base", p, q), `join("/base", ...${args})`);
    }
  }
  assert.equal(join(), node.join());
  assert.equal(resolve("/a", "b", "/c", "d"), "/c/d");
});

Deno.test("resolve asks for the working directory only when no part is absolute", () => {
  const cwd = Deno.cwd;
  let asked = 0;
  Deno.cwd = () => (asked++, "/work");
  try {
    assert.equal(resolve("/etc", "kubelet.yaml"), "/etc/kubelet.yaml");
    assert.equal(asked, 0);
    assert.equal(resolve("conf", "kubelet.yaml"), "/work/conf/kubelet.yaml");
    assert.equal(asked, 1);
  } finally {
    Deno.cwd = cwd;
  }
});
