import assert from "node:assert/strict";
import {
  integerFile,
  loadavgTasks,
  osReleasePrettyName,
} from "../../src/nodestatus/_proc_parse.ts";

Deno.test("osReleasePrettyName() unquotes as the shell does", () => {
  assert.equal(osReleasePrettyName('PRETTY_NAME="Ubuntu 22.04.3 LTS"\n'), "Ubuntu 22.04.3 LTS");
  assert.equal(osReleasePrettyName("PRETTY_NAME='Alpine Linux v3.19'"), "Alpine Linux v3.19");
  assert.equal(osReleasePrettyName("PRETTY_NAME=Plain"), "Plain");
  assert.equal(osReleasePrettyName('PRETTY_NAME="A \\"quoted\\" name"'), 'A "quoted" name');
  assert.equal(osReleasePrettyName('NAME="x"\n'), undefined);
});

Deno.test("loadavgTasks() and integerFile() read the task count and limits", () => {
  assert.equal(loadavgTasks("1.36 3.49 4.53 2/3518 3715089\n"), 3518);
  assert.equal(loadavgTasks("1.36 3.49"), undefined);
  assert.equal(loadavgTasks("1 2 3 4 5"), undefined);
  assert.equal(integerFile("4194304\n"), 4194304);
  assert.equal(integerFile("max\n"), undefined);
});
