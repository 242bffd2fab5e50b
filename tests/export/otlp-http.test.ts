import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { otlpHttpTransport, sendSplit } from "../../src/export/otlp-http.ts";
import type { OtlpSignal } from "../../src/export/otlp-http.ts";
import type { FetchLike } from "../../src/base/fetch.ts";

/** A fetch that answers every request with `body` and records what it was sent. */
function answering(body: string, status = 200): { fetch: FetchLike; urls: string[]; sizes: number[] } {
  const urls: string[] = [];
  const sizes: number[] = [];
  return {
    urls,
    sizes,
    fetch: (url, init) => {
      urls.push(url);
      sizes.push(init.body.byteLength);
      return Promise.resolve(new Response(body, { status }));
    },
  };
}

describe("OTLP/HTTP transport", () => {
  const cases: [OtlpSignal, string][] = [
    ["traces", "rejectedSpans"],
    ["metrics", "rejectedDataPoints"],
    ["logs", "rejectedLogRecords"],
  ];
  for (const [signal, field] of cases) {
    it(`counts partialSuccess.${field} as rejected for ${signal}, and no other signal's field`, async () => {
      const other = cases.find(([s]) => s !== signal)![1];
      const f = answering(`{"partialSuccess":{"${field}":"2","${other}":"5","errorMessage":"stale"}}`);
      const t = otlpHttpTransport({ url: `http://collector/v1/${signal}`, fetch: f.fetch }, signal);
      assert.equal(t.signal, signal);
      const r = await t.send(new TextEncoder().encode("{}"), 10);
      assert.deepEqual(r, { ok: true, rejected: 2, reason: "partial_success", error: "stale", attempts: 1 });
      assert.deepEqual(f.urls, [`http://collector/v1/${signal}`]);
    });
  }

  it("a transport that throws becomes a failed result, never a rejection", async () => {
    const t = otlpHttpTransport({
      url: "http://collector/v1/logs",
      timeoutMs: 200,
      fetch: () => {
        throw new TypeError("boom");
      },
      sleep: () => Promise.resolve(),
    }, "logs");
    const r = await t.send(new Uint8Array(2), 4);
    assert.equal(r.ok, false);
    assert.equal(r.rejected, 4);
  });

  it("sendSplit() halves a batch until each body fits and drops an item that alone is too large", async () => {
    const f = answering("{}");
    const t = otlpHttpTransport({ url: "http://collector/v1/logs", fetch: f.fetch }, "logs");
    const items = ["a", "b", "c", "d", "x".repeat(500)];
    const encode = (part: readonly string[]): Uint8Array => new TextEncoder().encode(JSON.stringify(part));
    const r = await sendSplit(t, items, encode, 100, "log record");
    assert.equal(r.ok, true);
    assert.equal(r.rejected, 1);
    assert.equal(r.reason, "too_large");
    assert.match(r.error!, /one log record encodes to \d+ bytes, above 100/);
    assert.ok(f.sizes.every((n) => n <= 100));
    assert.equal(f.sizes.length >= 2, true);
  });
});
