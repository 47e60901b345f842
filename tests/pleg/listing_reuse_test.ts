import assert from "node:assert/strict";
import type { Runtime, RuntimePod } from "../../src/container/runtime.ts";
import { PodStatusCache } from "../../src/container/cache.ts";
import { GenericPLEG } from "../../src/pleg/generic.ts";
import { reuseRelistListing } from "../../src/pleg/listing_reuse.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { FakePlegRuntime } from "./_fake_runtime.ts";

/** A Runtime whose getPods and changes are counted (only what the wrapper touches). */
function countingRuntime(plegRuntime: FakePlegRuntime) {
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const sync = { steps: [] as unknown[] };
  const runtime = {
    getPods: (all: boolean) => {
      calls.push(`getPods(${all})`);
      return plegRuntime.getPods(all);
    },
    killPod: () => {
      calls.push("killPod");
      return new Promise<void>((r) => release = r);
    },
    syncPod: () => {
      calls.push("syncPod");
      return Promise.resolve({ results: sync.steps });
    },
    removeContainer: () => Promise.resolve(),
    removePodSandbox: () => Promise.resolve(),
  } as unknown as Runtime;
  return { runtime, calls, sync, finishKill: () => release?.() };
}

function setup() {
  const clock = new FakeClock(1_000_000);
  const fake = new FakePlegRuntime();
  fake.setPod("u1", [{ id: "s1", state: "ready" }], [{ id: "c1", state: "running" }]);
  const pleg = new GenericPLEG(fake, { clock, cache: new PodStatusCache() });
  const counted = countingRuntime(fake);
  const reuses: number[] = [];
  const runtime = reuseRelistListing(counted.runtime, pleg, {
    clock,
    onReuse: (age) => reuses.push(age),
  });
  const { calls, sync, finishKill } = counted;
  return { clock, fake, pleg, runtime, reuses, calls, sync, finishKill };
}

const uids = (pods: RuntimePod[]) => pods.map((p) => p.uid);

Deno.test("reuseRelistListing() answers getPods(true) from a relist up to 2 s old, then lists", async () => {
  const { clock, pleg, runtime, calls, reuses } = setup();
  await pleg.relist();
  clock.step(1500);
  assert.deepEqual(uids(await runtime.getPods(true)), ["u1"]);
  assert.deepEqual(calls, [], "the relist's listing was reused");
  assert.deepEqual(reuses, [1500]);
  clock.step(501);
  await runtime.getPods(true);
  assert.deepEqual(calls, ["getPods(true)"], "a listing older than 2 s is not");
  await runtime.getPods(false);
  assert.deepEqual(calls, ["getPods(true)", "getPods(false)"], "running-only listings always list");
});

Deno.test("reuseRelistListing() never reuses a listing from before a runtime change made through it", async () => {
  const { clock, pleg, runtime, calls, finishKill } = setup();
  await pleg.relist();
  clock.step(10);
  const kill = runtime.killPod(
    {} as Parameters<Runtime["killPod"]>[0],
    undefined as unknown as Parameters<Runtime["killPod"]>[1],
  );
  await runtime.getPods(true);
  assert.deepEqual(calls, ["killPod", "getPods(true)"], "not while the kill runs");
  clock.step(10);
  finishKill();
  await kill;
  await runtime.getPods(true);
  assert.equal(calls.at(-1), "getPods(true)", "nor after it, until a relist started later");
  assert.equal(calls.length, 3);
  clock.step(10);
  await pleg.relist();
  await runtime.getPods(true);
  assert.equal(calls.length, 3, "a relist after the kill is reused");
});

Deno.test("reuseRelistListing() does not reuse a listing after the PLEG re-inspected a pod for a sync", async () => {
  const { clock, pleg, runtime, calls } = setup();
  await pleg.relist();
  clock.step(10);
  await pleg.updateCache("u1");
  await runtime.getPods(true);
  assert.deepEqual(calls, ["getPods(true)"]);
});

Deno.test("reuseRelistListing() keeps the listing across a syncPod that did nothing, not one that acted", async () => {
  const { clock, pleg, runtime, calls, sync } = setup();
  const syncPod = () => runtime.syncPod(...([] as unknown as Parameters<Runtime["syncPod"]>));
  await pleg.relist();
  clock.step(10);
  await syncPod();
  await runtime.getPods(true);
  assert.deepEqual(calls, ["syncPod"], "a resync with no step changed nothing");
  sync.steps = [{ action: "StartContainer" }];
  clock.step(10);
  await syncPod();
  await runtime.getPods(true);
  assert.deepEqual(calls, ["syncPod", "syncPod", "getPods(true)"], "a sync that acted did");
});

Deno.test("reuseRelistListing() wraps a class instance: its other methods still reach their own fields", async () => {
  class ClassRuntime {
    readonly #name = "class-runtime";
    type(): string {
      return this.#name;
    }
    getPods(): Promise<RuntimePod[]> {
      return Promise.resolve([]);
    }
    syncPod(): Promise<{ results: unknown[] }> {
      return Promise.resolve({ results: [] });
    }
  }
  const clock = new FakeClock(1_000_000);
  const pleg = new GenericPLEG(new FakePlegRuntime(), { clock, cache: new PodStatusCache() });
  const runtime = reuseRelistListing(new ClassRuntime() as unknown as Runtime, pleg, { clock });
  assert.equal(runtime.type(), "class-runtime", "a prototype method, called on the instance");
  assert.deepEqual(
    await runtime.syncPod(undefined as never, undefined as never, undefined as never),
    { results: [] },
  );
});

Deno.test("reuseRelistListing() asks a maxAgeMs function at each call, so the age it reuses can follow the relist's period", async () => {
  const clock = new FakeClock(1_000_000);
  const fake = new FakePlegRuntime();
  fake.setPod("u1", [{ id: "s1", state: "ready" }], [{ id: "c1", state: "running" }]);
  const pleg = new GenericPLEG(fake, { clock, cache: new PodStatusCache() });
  const counted = countingRuntime(fake);
  let slowed = true;
  const runtime = reuseRelistListing(counted.runtime, pleg, {
    clock,
    maxAgeMs: () => slowed ? 12_000 : 2_000,
  });
  await pleg.relist();
  clock.step(9_000);
  await runtime.getPods(true);
  assert.deepEqual(counted.calls, [], "9 s old, reused while slowed");
  slowed = false;
  await runtime.getPods(true);
  assert.deepEqual(
    counted.calls,
    ["getPods(true)"],
    "the same listing, not once the relist is back",
  );
});
