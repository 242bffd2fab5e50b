import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { batchProcessor } from "../../src/export/batch-processor.ts";
import type { AccountingProcessor, BatchOptions } from "../../src/export/batch-processor.ts";
import { otlpHttpExporter, parseRetryAfter } from "../../src/export/otlp-http-exporter.ts";
import type { OtlpHttpExporterOptions } from "../../src/export/otlp-http-exporter.ts";
import { attach, detach } from "../../src/telemetry/bus.ts";
import { createTracer } from "../../src/tracing/tracer.ts";
import { startOtlpReceiver, useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";
import { makeSpan } from "../support/otlp-spans.ts";

const figures: string[] = [];

interface Harness {
  processor: AccountingProcessor;
  sleeps: number[];
  warnings: string[];
  produce(n: number): void;
  invariantChecks: number;
}

function harness(url: string, exp: Partial<OtlpHttpExporterOptions> = {}, batch: BatchOptions = {}): Harness {
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const exporter = otlpHttpExporter({
    url,
    timeoutMs: 2000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    encode: { resource: { "service.name": "export-test" } },
    ...exp,
  });
  const processor = batchProcessor(exporter, { scheduledDelayMillis: 60_000, ...batch }, { warn: (m) => warnings.push(m) });
  const tracer = createTracer({ processor });
  const h: Harness = {
    processor,
    sleeps,
    warnings,
    invariantChecks: 0,
    produce(n: number) {
      for (let i = 0; i < n; i++) {
        tracer.startSpan("export.test", { i, "k.s": "v", "k.b": true }).end();
        check(processor);
        h.invariantChecks++;
      }
    },
  };
  return h;
}

function check(p: AccountingProcessor): void {
  const s = p.stats();
  assert.equal(s.exported + s.dropped + s.queued, s.produced, `accounting broke: ${JSON.stringify(s)}`);
}

function record(name: string, p: AccountingProcessor): void {
  const s = p.stats();
  figures.push(`${name.padEnd(28)} produced=${s.produced} exported=${s.exported} dropped=${s.dropped} ${JSON.stringify(s.droppedByReason)}`);
}

describe("OTLP/HTTP exporter against a local receiver", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));
  after(() => {
    if (figures.length) console.log(`[export figures]\n${figures.join("\n")}`);
  });

  it("exports a batch as valid OTLP/JSON with content type and user agent", async () => {
    const before = rx.requests.length;
    const h = harness(rx.tracesUrl, { headers: { authorization: "Bearer secret-token" } });
    h.produce(10);
    await h.processor.forceFlush();
    check(h.processor);
    assert.deepEqual({ ...h.processor.stats(), droppedByReason: undefined }, {
      produced: 10, exported: 10, dropped: 0, droppedByReason: undefined, queued: 0, inFlight: 0, failedExports: 0,
    });
    const req = rx.requests[before];
    assert.equal(req.spans, 10);
    assert.equal(req.headers["content-type"], "application/json");
    assert.match(String(req.headers["user-agent"]), /codex-otel-sdk/);
    assert.equal(req.headers.authorization, "Bearer secret-token");
    record("ok", h.processor);
  });

  it("gzips the body when compression is gzip", async () => {
    const before = rx.requests.length;
    const h = harness(rx.tracesUrl, { compression: "gzip" });
    h.produce(50);
    await h.processor.forceFlush();
    assert.equal(rx.requests[before].gzip, true);
    assert.equal(rx.requests[before].spans, 50);
    assert.equal(h.processor.stats().exported, 50);
  });

  it("sends full batches as they fill and the rest on flush", async () => {
    const before = rx.requests.length;
    const h = harness(rx.tracesUrl, {}, { maxExportBatchSize: 100 });
    h.produce(250);
    await h.processor.forceFlush();
    assert.deepEqual(rx.requests.slice(before).map((r) => r.spans), [100, 100, 50]);
    assert.equal(h.processor.stats().exported, 250);
  });

  it("does not retry a 500 and counts the spans dropped", async () => {
    const before = rx.requests.length;
    rx.script({ status: 500 });
    const h = harness(rx.tracesUrl);
    h.produce(5);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.processor.stats().droppedByReason, { http_500: 5 });
    assert.equal(h.warnings.length, 1);
    record("500", h.processor);
  });

  it("does not retry a 400", async () => {
    const before = rx.requests.length;
    rx.script({ status: 400, body: '{"error":"bad"}' });
    const h = harness(rx.tracesUrl);
    h.produce(3);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.processor.stats().droppedByReason, { http_400: 3 });
    record("400", h.processor);
  });

  it("retries a 503 after its Retry-After seconds", async () => {
    const before = rx.requests.length;
    rx.script({ status: 503, headers: { "retry-after": "1" } });
    const h = harness(rx.tracesUrl, { timeoutMs: 5000 });
    h.produce(4);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 2);
    assert.deepEqual(h.sleeps, [1000]);
    assert.equal(h.processor.stats().exported, 4);
    record("503 + Retry-After", h.processor);
  });

  it("honours a Retry-After HTTP-date relative to its clock", async () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    rx.script({ status: 503, headers: { "retry-after": new Date(now + 3000).toUTCString() } });
    const h = harness(rx.tracesUrl, { timeoutMs: 60_000, now: () => now });
    h.produce(2);
    await h.processor.forceFlush();
    assert.deepEqual(h.sleeps, [3000]);
    assert.equal(h.processor.stats().exported, 2);
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("2015-10-21T07:27:00Z")), 60_000);
    assert.equal(parseRetryAfter("soon", 0), undefined);
  });

  it("does not wait past the export deadline for a long Retry-After", async () => {
    const before = rx.requests.length;
    rx.script({ status: 503, headers: { "retry-after": "120" } });
    const h = harness(rx.tracesUrl, { timeoutMs: 1000 });
    h.produce(2);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.sleeps, []);
    assert.deepEqual(h.processor.stats().droppedByReason, { http_503: 2 });
    record("503 + long Retry-After", h.processor);
  });

  it("retries 429, 502 and 504 with growing jittered backoff", async () => {
    const before = rx.requests.length;
    rx.script({ status: 429 }, { status: 502 }, { status: 504 });
    const h = harness(rx.tracesUrl, { timeoutMs: 10_000, initialBackoffMs: 100 });
    h.produce(6);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 4);
    assert.equal(h.sleeps.length, 3);
    h.sleeps.forEach((ms, i) => {
      const step = 100 * 2 ** i;
      assert.ok(ms >= step / 2 && ms <= step, `backoff ${i} = ${ms}`);
    });
    assert.equal(h.processor.stats().exported, 6);
    record("429/502/504 then ok", h.processor);
  });

  it("gives up on a collector that hangs past the deadline", async () => {
    const before = rx.requests.length;
    rx.script({ hang: true });
    const h = harness(rx.tracesUrl, { timeoutMs: 300 });
    h.produce(7);
    const t0 = Date.now();
    await h.processor.forceFlush();
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.processor.stats().droppedByReason, { timeout: 7 });
    record("hang past timeout", h.processor);
  });

  it("retries after a connection reset", async () => {
    const before = rx.requests.length;
    rx.script({ reset: true });
    const h = harness(rx.tracesUrl);
    h.produce(3);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 2);
    assert.equal(h.processor.stats().exported, 3);
    record("reset then ok", h.processor);
  });

  it("drops after retrying a refused connection until the deadline", async () => {
    const dead = await startOtlpReceiver();
    const url = dead.tracesUrl;
    await dead.close();
    const h = harness(url, { timeoutMs: 500, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), initialBackoffMs: 50 });
    h.produce(4);
    await h.processor.forceFlush();
    const s = h.processor.stats();
    assert.deepEqual(s.droppedByReason, { network: 4 });
    assert.match(s.lastError ?? "", /no time left|fetch failed|refused|connect/i);
    record("connection refused", h.processor);
  });

  it("names the last attempt's failure when a backoff ends past the deadline (late timers)", async () => {
    const dead = await startOtlpReceiver();
    const url = dead.tracesUrl;
    await dead.close();
    let clock = 1_000_000;
    const exporter = otlpHttpExporter({
      url,
      timeoutMs: 500,
      initialBackoffMs: 100,
      now: () => clock,
      // The backoff fits before the deadline, but the timer fires late: past it.
      sleep: (ms) => {
        clock += ms + 500;
        return Promise.resolve();
      },
    });
    const r = await exporter.export([makeSpan({ name: "late" })]);
    assert.equal(r.ok, false);
    assert.equal(r.reason, "network");
    assert.equal(r.attempts, 1);
    assert.match(r.error ?? "", /no time left to retry within 500 ms/);
  });

  it("counts partialSuccess rejected spans as dropped without retrying", async () => {
    const before = rx.requests.length;
    rx.script({ status: 200, body: '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"too old"}}' });
    const h = harness(rx.tracesUrl);
    h.produce(10);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    const s = h.processor.stats();
    assert.equal(s.exported, 7);
    assert.deepEqual(s.droppedByReason, { partial_success: 3 });
    record("partial success", h.processor);
  });

  it("treats {} and an empty partialSuccess as full success", async () => {
    rx.script({ status: 200, body: '{"partialSuccess":{}}' }, { status: 200, body: "" });
    const h = harness(rx.tracesUrl, {}, { maxExportBatchSize: 2 });
    h.produce(4);
    await h.processor.forceFlush();
    assert.equal(h.processor.stats().exported, 4);
  });

  it("reads at most 4 MiB of a response", async () => {
    rx.script({ status: 200, bodyBytes: 6 * 1024 * 1024 });
    const h = harness(rx.tracesUrl);
    h.produce(2);
    await h.processor.forceFlush();
    assert.equal(h.processor.stats().exported, 2);
  });

  it("splits a batch whose body exceeds the bound and drops a span that alone exceeds it", async () => {
    const before = rx.requests.length;
    const h = harness(rx.tracesUrl, { maxBodyBytes: 4000 });
    h.produce(40);
    await h.processor.forceFlush();
    const reqs = rx.requests.slice(before);
    assert.ok(reqs.length > 1, `split into ${reqs.length} requests`);
    assert.ok(reqs.every((r) => r.bytes <= 4000));
    assert.equal(reqs.reduce((a, r) => a + r.spans, 0), 40);
    assert.equal(h.processor.stats().exported, 40);

    const tiny = harness(rx.tracesUrl, { maxBodyBytes: 100 });
    tiny.produce(1);
    await tiny.processor.forceFlush();
    assert.deepEqual(tiny.processor.stats().droppedByReason, { too_large: 1 });
  });

  it("drops spans beyond the queue bound as queue_full and keeps the accounting exact", async () => {
    rx.script({ hang: true });
    const h = harness(rx.tracesUrl, { timeoutMs: 300 }, { maxQueueSize: 50, maxExportBatchSize: 20 });
    h.produce(200);
    check(h.processor);
    await h.processor.forceFlush();
    const s = h.processor.stats();
    check(h.processor);
    assert.ok((s.droppedByReason.queue_full ?? 0) > 0);
    assert.equal(s.queued, 0);
    assert.ok(h.invariantChecks === 200);
    record("queue bound 50, hang", h.processor);
  });

  it("reports trouble as codex.exporter.* events with no header values", async () => {
    const seen: { name: string; md: unknown }[] = [];
    attach("exporter-events-test", ["codex.exporter.failed", "codex.exporter.dropped"], (name, _m, md) => seen.push({ name, md }));
    try {
      rx.script({ status: 401 });
      const h = harness(rx.tracesUrl, { headers: { authorization: "Bearer do-not-leak" } });
      h.produce(2);
      await h.processor.forceFlush();
      assert.deepEqual(seen.map((s) => s.name), ["codex.exporter.failed", "codex.exporter.dropped"]);
      const text = JSON.stringify(seen) + h.warnings.join("\n") + JSON.stringify(h.processor.stats());
      assert.equal(text.includes("do-not-leak"), false);
    } finally {
      detach("exporter-events-test");
    }
  });

  it("shutdown flushes what is queued and drops later spans as shutdown", async () => {
    const h = harness(rx.tracesUrl);
    h.produce(3);
    await h.processor.shutdown();
    h.produce(2);
    const s = h.processor.stats();
    assert.equal(s.exported, 3);
    assert.deepEqual(s.droppedByReason, { shutdown: 2 });
  });
});
