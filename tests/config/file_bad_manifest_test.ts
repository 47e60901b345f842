/**
 * The file source never stops on bad input (issue 8, item 1): manifests with fields
 * of the wrong type are rejected one by one, and an unexpected throw in one step is
 * reported once while the loop goes on.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Pod } from "../../src/api/types.ts";
import { type FileSourceSteps, runFileSource } from "../../src/config/_file_run.ts";
import { FileSource } from "../../src/config/file.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { fakeWatch, podYaml, startRun, waitFor, withTempDir } from "./_helpers.ts";

const names = (pods: Pod[] | undefined) => (pods ?? []).map((p) => p.metadata?.name).sort();

Deno.test("FileSource.run() starts with the good pods when others have wrong field types, and keeps following changes", async () => {
  await withTempDir(async (dir) => {
    const files: Record<string, string> = {
      "good.yaml": podYaml("good"),
      "mounts-number.yaml": podYaml("m1") + "    volumeMounts: 3.7\n",
      "mounts-null.yaml": podYaml("m2") + "    volumeMounts: [null]\n",
      "port-name-number.yaml": podYaml("p1") + "    ports: [{containerPort: 80, name: 80}]\n",
      "port-name-null.yaml": podYaml("p2") + "    ports: [{containerPort: 80, name: null}]\n",
      "host-network-string.yaml": podYaml("h1").replace("spec:\n", 'spec:\n  hostNetwork: "yes"\n'),
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    const clock = new FakeClock(1_700_000_000_000);
    const logger = createMemoryLogger();
    const watch = fakeWatch();
    const src = new FileSource(dir, { nodeName: "node-1", clock, logger, watchFs: watch.watchFs });
    const { sent, stop } = startRun(src);
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    // A null port name means unset, as in the API server.
    assert.deepEqual(names(sent[0]), ["good-node-1", "p2-node-1"]);
    const warnings = logger.records.filter((r) => r.severity === "warn");
    const expected: [string, RegExp][] = [
      ["host-network-string.yaml", /'spec\.hostNetwork' must be a boolean/],
      ["mounts-null.yaml", /'spec\.containers\[0\]\.volumeMounts\[0\]\.name' is required/],
      ["mounts-number.yaml", /'spec\.containers\[0\]\.volumeMounts' must be a list/],
      ["port-name-number.yaml", /'spec\.containers\[0\]\.ports\[0\]\.name' must be a string/],
    ];
    assert.equal(warnings.length, expected.length, warnings.map((w) => w.message).join("\n"));
    expected.forEach(([file, reason], i) => {
      assert.equal(warnings[i].fields.path, join(dir, file));
      assert.match(warnings[i].message, new RegExp(`'${join(dir, file)}'`));
      assert.match(warnings[i].message, reason);
      assert.ok(!warnings[i].message.includes("\n"));
    });
    // Later adds and removes are not lost.
    await Deno.writeTextFile(join(dir, "late.yaml"), podYaml("late"));
    watch.push("create", join(dir, "late.yaml"));
    await waitFor(() => names(sent.at(-1)).includes("late-node-1"), "the added pod");
    await Deno.remove(join(dir, "good.yaml"));
    watch.push("remove", join(dir, "good.yaml"));
    await waitFor(() => src.pendingRemovals().length === 1, "pending removal");
    await clock.advance(1_000);
    await waitFor(() => !names(sent.at(-1)).includes("good-node-1"), "the removed pod");
    assert.deepEqual(names(sent.at(-1)), ["late-node-1", "p2-node-1"]);
    await stop();
  });
});

/** A source for runFileSource(): no pods and no pending removals, unless the test's steps say so. */
function fakeSource(path: string, steps: Partial<FileSourceSteps> = {}) {
  return {
    path,
    singleFile: false,
    /** Bump it with each new pod set a step returns. */
    version: 0,
    nextRemovalAt: () => undefined,
    listOnce: () => Promise.resolve([]),
    handleEvents: () => Promise.resolve(undefined),
    removeExpired: () => Promise.resolve(undefined),
    ...steps,
  } satisfies FileSourceSteps;
}

/** Runs runFileSource() on `source` with a fake clock, a memory logger and a fake watch. */
function runFake(source: FileSourceSteps, periodMs: number) {
  const clock = new FakeClock(1_700_000_000_000);
  const logger = createMemoryLogger();
  const watch = fakeWatch();
  const { sent, stop } = startRun({
    name: "file",
    run: (send, signal) =>
      runFileSource(source, send, { periodMs, clock, logger, watchFs: watch.watchFs, signal }),
  });
  return { clock, logger, watch, sent, stop };
}

const pod = (name: string): Pod => ({ metadata: { name }, spec: { containers: [] } });

Deno.test("runFileSource() reports an unexpected throw once and goes on", async () => {
  let lists = 0;
  const source = fakeSource("/nonexistent-denolet-test-dir", {
    listOnce: () => {
      lists++;
      if (lists <= 2) return Promise.reject(new Error("mounts.forEach is not a function"));
      source.version++;
      return Promise.resolve([pod(`list-${lists}`)]);
    },
  });
  const { clock, logger, sent, stop } = runFake(source, 20_000);
  await waitFor(() => lists === 1, "the first relist");
  await clock.advance(20_000);
  await waitFor(() => lists === 2, "the second relist");
  await clock.advance(20_000);
  await waitFor(() => sent.length === 1, "the relist that works");
  assert.deepEqual(names(sent[0]), ["list-3"]);
  const failures = logger.records.filter((r) => r.message === "Static pod relist failed");
  assert.equal(failures.length, 1, "the same error twice is logged once");
  await stop();
});

Deno.test("runFileSource() goes on after an event whose handling throws, reporting it once", async () => {
  await withTempDir(async (dir) => {
    const source = fakeSource(dir, {
      handleEvents: (paths) => {
        if (paths.some((p) => p.endsWith("bad"))) return Promise.reject(new TypeError("boom"));
        source.version++;
        return Promise.resolve(paths.map(pod));
      },
    });
    const { logger, watch, sent, stop } = runFake(source, 1_000_000);
    await waitFor(() => watch.calls.length === 1 && sent.length === 1, "the watch");
    watch.push("modify", join(dir, "bad"));
    watch.push("modify", join(dir, "bad"));
    watch.push("modify", join(dir, "good"));
    await waitFor(() => sent.length === 2, "the event after the bad ones");
    assert.equal(watch.calls.length, 1, "the watch was not restarted");
    const failures = logger.records.filter((r) => r.message === "Static pod manifest event failed");
    assert.equal(failures.length, 1);
    await stop();
  });
});

Deno.test("FileSource runs a pod with unknown fields and names them once", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "typo.yaml");
    await Deno.writeTextFile(file, podYaml("typo") + "    imagePullPolicyy: Always\n");
    const logger = createMemoryLogger();
    const src = new FileSource(dir, {
      nodeName: "node-1",
      clock: new FakeClock(1_700_000_000_000),
      logger,
      watchFs: fakeWatch().watchFs,
    });
    assert.deepEqual(names(await src.listOnce()), ["typo-node-1"]);
    await src.handleEvent(file);
    await src.listOnce();
    const warnings = logger.records.filter((r) => r.severity === "warn");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].message, "Ignoring unknown fields in static pod manifest");
    assert.equal(warnings[0].fields.fields, "spec.containers[0].imagePullPolicyy");
  });
});
