import assert from "node:assert/strict";
import { isResourceExpired } from "../../src/client/api_error.ts";
import { decodeWatchStream, type WatchEvent } from "../../src/client/watch_stream.ts";
import { ApiClient, type ApiTransport, UNLIMITED } from "../../src/client/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { rejection } from "./_rejection.ts";

/** A body that delivers `chunks` as they are, then ends. */
function body(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

async function all<T>(stream: AsyncIterable<WatchEvent<T>>): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

const POD = (name: string, rv: string) => ({
  kind: "Pod",
  metadata: { name, resourceVersion: rv },
});
const line = (type: string, object: unknown) => JSON.stringify({ type, object }) + "\n";

Deno.test("decodeWatchStream() joins events split across chunks and skips blank lines", async () => {
  const text = line("ADDED", POD("a", "1")) + "\n" + line("MODIFIED", POD("a", "2")) +
    line("DELETED", POD("a", "3"));
  // Split everywhere, including inside a multi-byte character and at the newlines.
  const withUnicode = text.replace('"a"', '"ä"');
  const bytes = new TextEncoder().encode(withUnicode);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 7) c.enqueue(bytes.slice(i, i + 7));
      c.close();
    },
  });
  const events = await all(decodeWatchStream<{ metadata: { name: string } }>(stream, "GET /w"));
  assert.deepEqual(events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
  assert.equal((events[0].object as { metadata: { name: string } }).metadata.name, "ä");
});

Deno.test("decodeWatchStream() passes BOOKMARK events and a last line without a newline", async () => {
  const bookmark = { kind: "Pod", metadata: { resourceVersion: "42" } };
  const events = await all(
    decodeWatchStream(
      body([line("ADDED", POD("a", "1")), JSON.stringify({ type: "BOOKMARK", object: bookmark })]),
      "GET /w",
    ),
  );
  assert.deepEqual(events.at(-1), { type: "BOOKMARK", object: bookmark });
});

Deno.test("decodeWatchStream() turns an ERROR event's Status into an error callers branch on", async () => {
  const status = {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: "too old resource version: 1 (2050)",
    reason: "Expired",
    code: 410,
  };
  const [ev] = await all(
    decodeWatchStream(body([line("ERROR", status)]), "GET /api/v1/pods?watch=true"),
  );
  assert.equal(ev.type, "ERROR");
  if (ev.type !== "ERROR") return;
  assert.deepEqual(ev.object, status);
  assert.ok(isResourceExpired(ev.error));
  assert.equal(ev.error.code, 410);
  assert.equal(
    ev.error.message,
    "GET /api/v1/pods?watch=true: 410 Expired: too old resource version: 1 (2050)",
  );
});

Deno.test("decodeWatchStream() rejects a line that is not a watch event, naming the request", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{nope\n", /^GET \/w: watch event is not JSON/],
    ["unknown type", line("RENAMED", {}), /^GET \/w: not a watch event: /],
    [
      "no object",
      JSON.stringify({ type: "ADDED" }) + "\n",
      /^GET \/w: ADDED watch event has no object$/,
    ],
    ["truncated last line", '{"type":"ADDED","obj', /^GET \/w: watch event is not JSON/],
  ];
  for (const [name, text, want] of cases) {
    await t.step(name, async () => {
      const e = await rejection(
        all(decodeWatchStream(body([line("ADDED", POD("a", "1")), text]), "GET /w")),
      );
      assert.ok(e instanceof TypeError);
      assert.match(e.message, want);
    });
  }
});

Deno.test("decodeWatchStream() cancels the body when the caller stops reading", async () => {
  let cancelled = false;
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(enc.encode(line("ADDED", POD("a", "1"))));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const ev of decodeWatchStream(stream, "GET /w")) {
    assert.equal(ev.type, "ADDED");
    break;
  }
  assert.ok(cancelled);
});

Deno.test("a watch ends on abort even when the response body ignores the fetch signal", async () => {
  let cancelled: unknown;
  const stubborn: ApiTransport = {
    server: "https://stubborn.test",
    // A body that never ends and does not follow the request's signal (as Deno's
    // fetch may behave once its internal signal was collected).
    fetch: () =>
      Promise.resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(new TextEncoder().encode('{"type":"BOOKMARK","object":{}}\n'));
            },
            cancel(reason) {
              cancelled = reason;
            },
          }),
          { status: 200 },
        ),
      ),
  };
  const client = new ApiClient(stubborn, { clock: new FakeClock(), rateLimiter: UNLIMITED });
  const ac = new AbortController();
  const events = await client.watch({ resource: "pods" }, { signal: ac.signal });
  assert.equal((await events.next()).value?.type, "BOOKMARK");
  const pending = events.next();
  const reason = new Error("agent stopping");
  ac.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  assert.equal(cancelled, reason, "the body was cancelled, closing the connection");
});
