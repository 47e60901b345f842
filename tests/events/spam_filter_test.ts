import assert from "node:assert/strict";
import type { RecordedEvent } from "../../src/container/events.ts";
import { EventSpamFilter, spamKey } from "../../src/events/spam_filter.ts";

type About = Pick<RecordedEvent, "source" | "involvedObject">;

function about(name: string, over: Partial<About["involvedObject"]> = {}): About {
  return {
    source: { component: "kubelet", host: "node1" },
    involvedObject: {
      kind: "Pod",
      apiVersion: "v1",
      namespace: "ns1",
      name,
      uid: `uid-${name}`,
      ...over,
    },
  };
}

function admitted(f: EventSpamFilter, ev: About, n: number, now: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (f.admit(ev, now)) ok++;
  return ok;
}

Deno.test("EventSpamFilter lets 25 events about one pod through, then one per 5 minutes", () => {
  const f = new EventSpamFilter();
  const t0 = 1_700_000_000_000;
  assert.equal(admitted(f, about("web"), 30, t0), 25);
  assert.equal(admitted(f, about("web"), 5, t0 + 299_000), 0);
  assert.equal(admitted(f, about("web"), 5, t0 + 300_000), 1);
  // A crash loop over the next hour: 12 more, not one per restart.
  let ok = 0;
  for (let t = t0 + 300_000; t <= t0 + 3_900_000; t += 10_000) if (f.admit(about("web"), t)) ok++;
  assert.equal(ok, 12);
});

Deno.test("EventSpamFilter keys on source and object, not on reason, message or container", () => {
  const base = about("web", { fieldPath: "spec.containers{a}" });
  assert.equal(spamKey(base), spamKey(about("web", { fieldPath: "spec.containers{b}" })));
  for (
    const other of [
      about("db"),
      about("web", { uid: "another-uid" }),
      about("web", { namespace: "ns2" }),
      about("web", { kind: "Node" }),
      about("web", { apiVersion: "v2" }),
      { ...about("web"), source: { component: "kubelet", host: "node2" } },
    ]
  ) {
    assert.notEqual(spamKey(base), spamKey(other), JSON.stringify(other));
  }
  const f = new EventSpamFilter({ burst: 2 });
  assert.equal(admitted(f, about("web"), 3, 0), 2);
  assert.equal(admitted(f, about("db"), 3, 0), 2, "another pod has its own bucket");
});

Deno.test("EventSpamFilter keeps at most maxObjects buckets, forgetting the least recently used", () => {
  const f = new EventSpamFilter({ burst: 1 });
  for (let i = 0; i < 5000; i++) f.admit(about(`p${i}`), 0);
  assert.equal(f.size, 4096);
  assert.equal(f.admit(about("p4999"), 0), false, "a kept bucket is still empty");
  assert.equal(f.admit(about("p0"), 0), true, "a forgotten object starts with a full bucket");
});

Deno.test("EventSpamFilter rejects a bad burst, refill or size", () => {
  assert.throws(() => new EventSpamFilter({ burst: 0 }), RangeError);
  assert.throws(() => new EventSpamFilter({ refillEveryMs: 0 }), RangeError);
  assert.throws(() => new EventSpamFilter({ maxObjects: 0 }), RangeError);
});
