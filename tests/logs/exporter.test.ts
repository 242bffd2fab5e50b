// The logs exporter against the real local receiver, with the collector faults of the trace path:
// every payload validated as OTLP logs (useOtlpReceiver asserts 0 invalid), and after every
// scenario exported + dropped == produced, with what the receiver accepted == exported.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Severity } from "../../src/logs/data.ts";
import { otlpHttpLogExporter } from "../../src/logs/exporter.ts";
import type { OtlpHttpLogExporterOptions } from "../../src/logs/exporter.ts";
import { createLoggerProvider } from "../../src/logs/logger.ts";
import { batchLogProcessor } from "../../src/logs/processor.ts";
import type { BatchOptions, LogProcessor } from "../../src/logs/processor.ts";
import { attach, detach } from "../../src/telemetry/bus.ts";
import { startOtlpReceiver, useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

const figures: string[] = [];

interface Harness {
  processor: LogProcessor;
  sleeps: number[];
  warnings: string[];
  produce(n: number): void;
}

function harness(url: string, exp: Partial<OtlpHttpLogExporterOptions> = {}, batch: BatchOptions = {}): Harness {
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const exporter = otlpHttpLogExporter({
    url,
    timeoutMs: 2000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    encode: { resource: { "service.name": "logs-export-test" } },
    ...exp,
  });
  const processor = batchLogProcessor(exporter, { scheduledDelayMillis: 60_000, ...batch }, { warn: (m) => warnings.push(m) });
  const logger = createLoggerProvider({ processor }).logger("logs-export-test", "1.0.0");
  let seq = 0;
  return {
    processor,
    sleeps,
    warnings,
    produce(n: number) {
      for (let i = 0; i < n; i++, seq++) {
        logger.emit({
          severityNumber: seq % 3 === 0 ? Severity.ERROR : Severity.INFO,
          severityText: seq % 3 === 0 ? "ERROR" : "INFO",
          body: seq % 2 === 0 ? `line ${seq} ✓ “quoted”` : { message: `record ${seq}`, n: seq, nested: [1, { ok: true }] },
          attributes: { i: seq, "k.s": "v", "k.b": true, big: 2n ** 60n },
          eventName: "test.event",
          ...(seq % 4 === 0 ? { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", flags: 1 } : {}),
        });
        check(processor);
      }
    },
  };
}

function check(p: LogProcessor): void {
  const s = p.stats();
  assert.equal(s.exported + s.dropped + s.queued, s.produced, `accounting broke: ${JSON.stringify(s)}`);
}

/** After a flush: nothing queued, exported + dropped == produced, and the receiver accepted exactly what was counted exported. */
function settled(h: Harness, rx: OtlpReceiver, acceptedBefore: number, name: string): void {
  const s = h.processor.stats();
  assert.equal(s.queued, 0);
  assert.equal(s.exported + s.dropped, s.produced, `${name}: ${JSON.stringify(s)}`);
  assert.equal(rx.accepted("logs") - acceptedBefore, s.exported, `${name}: receiver accepted vs exported`);
  figures.push(`${name.padEnd(28)} produced=${s.produced} exported=${s.exported} dropped=${s.dropped} ${JSON.stringify(s.droppedByReason)}`);
}

describe("OTLP/HTTP logs exporter against a local receiver", () => {
  let rx: OtlpReceiver;
  let url: string;
  useOtlpReceiver((r) => {
    rx = r;
    url = `${r.url}/v1/logs`;
  });
  after(() => {
    if (figures.length) console.log(`[logs export figures]\n${figures.join("\n")}`);
  });

  it("exports a batch to /v1/logs as valid OTLP/JSON logs with content type, user agent and headers", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    const h = harness(url, { headers: { authorization: "Bearer secret-token" } });
    h.produce(10);
    await h.processor.forceFlush();
    const req = rx.requests[before];
    assert.equal(req.path, "/v1/logs");
    assert.equal(req.signal, "logs");
    assert.equal(req.items, 10);
    assert.deepEqual(req.errors, []);
    assert.equal(req.headers["content-type"], "application/json");
    assert.match(String(req.headers["user-agent"]), /codex-otel-sdk/);
    assert.equal(req.headers.authorization, "Bearer secret-token");
    const records = rx.logRecords().slice(-10);
    assert.equal(records[0].traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(records[1].traceId, undefined);
    assert.deepEqual(records[0].scope, { name: "logs-export-test", version: "1.0.0" });
    assert.equal(records[0].eventName, "test.event");
    assert.equal(records[0].severityNumber, 17);
    settled(h, rx, acc, "ok");
    assert.equal(h.processor.stats().exported, 10);
  });

  it("gzips the body when compression is gzip", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    const h = harness(url, { compression: "gzip" });
    h.produce(50);
    await h.processor.forceFlush();
    assert.equal(rx.requests[before].gzip, true);
    assert.equal(rx.requests[before].items, 50);
    settled(h, rx, acc, "gzip");
  });

  it("sends full batches as they fill and the rest on flush", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    const h = harness(url, {}, { maxExportBatchSize: 100 });
    h.produce(250);
    await h.processor.forceFlush();
    assert.deepEqual(rx.requests.slice(before).map((r) => r.items), [100, 100, 50]);
    settled(h, rx, acc, "batches");
    assert.equal(h.processor.stats().exported, 250);
  });

  it("does not retry a 500 and counts the records dropped", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ status: 500 });
    const h = harness(url);
    h.produce(5);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.processor.stats().droppedByReason, { http_500: 5 });
    assert.equal(h.warnings.length, 1);
    assert.match(h.warnings[0], /5 log record\(s\) \(http_500\)/);
    settled(h, rx, acc, "500");
  });

  it("retries a 503 after its Retry-After seconds", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ status: 503, headers: { "retry-after": "1" } });
    const h = harness(url, { timeoutMs: 5000 });
    h.produce(4);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 2);
    assert.deepEqual(h.sleeps, [1000]);
    assert.equal(h.processor.stats().exported, 4);
    settled(h, rx, acc, "503 + Retry-After");
  });

  it("does not wait past the export deadline for a long Retry-After", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ status: 503, headers: { "retry-after": "120" } });
    const h = harness(url, { timeoutMs: 1000 });
    h.produce(2);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.sleeps, []);
    assert.deepEqual(h.processor.stats().droppedByReason, { http_503: 2 });
    settled(h, rx, acc, "503 + long Retry-After");
  });

  it("retries 429, 502 and 504 with growing jittered backoff", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ status: 429 }, { status: 502 }, { status: 504 });
    const h = harness(url, { timeoutMs: 10_000, initialBackoffMs: 100 });
    h.produce(6);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 4);
    assert.equal(h.sleeps.length, 3);
    h.sleeps.forEach((ms, i) => {
      const step = 100 * 2 ** i;
      assert.ok(ms >= step / 2 && ms <= step, `backoff ${i} = ${ms}`);
    });
    assert.equal(h.processor.stats().exported, 6);
    settled(h, rx, acc, "429/502/504 then ok");
  });

  it("drops the records after a 429 that persists until the deadline", async () => {
    const acc = rx.accepted("logs");
    rx.setDefault({ status: 429 });
    try {
      const h = harness(url, { timeoutMs: 400, initialBackoffMs: 50, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
      h.produce(3);
      await h.processor.forceFlush();
      assert.deepEqual(h.processor.stats().droppedByReason, { http_429: 3 });
      settled(h, rx, acc, "429 until deadline");
    } finally {
      rx.setDefault({});
    }
  });

  it("gives up on a collector that hangs past the deadline", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ hang: true });
    const h = harness(url, { timeoutMs: 300 });
    h.produce(7);
    const t0 = Date.now();
    await h.processor.forceFlush();
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.processor.stats().droppedByReason, { timeout: 7 });
    settled(h, rx, acc, "hang past timeout");
  });

  it("retries after a connection reset", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ reset: true });
    const h = harness(url);
    h.produce(3);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 2);
    assert.equal(h.processor.stats().exported, 3);
    settled(h, rx, acc, "reset then ok");
  });

  it("drops after retrying a refused connection until the deadline", async () => {
    const dead = await startOtlpReceiver();
    const deadUrl = `${dead.url}/v1/logs`;
    await dead.close();
    const acc = rx.accepted("logs");
    const h = harness(deadUrl, { timeoutMs: 500, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), initialBackoffMs: 50 });
    h.produce(4);
    await h.processor.forceFlush();
    const s = h.processor.stats();
    assert.deepEqual(s.droppedByReason, { network: 4 });
    assert.match(s.lastError ?? "", /no time left|fetch failed|refused|connect/i);
    settled(h, rx, acc, "connection refused");
  });

  it("counts partialSuccess.rejectedLogRecords as dropped without retrying (and not another signal's field)", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    rx.script({ status: 200, body: '{"partialSuccess":{"rejectedLogRecords":"3","rejectedSpans":"9","errorMessage":"too old"}}' });
    const h = harness(url);
    h.produce(10);
    await h.processor.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    const s = h.processor.stats();
    assert.equal(s.exported, 7);
    assert.deepEqual(s.droppedByReason, { partial_success: 3 });
    assert.match(h.warnings[0], /too old/);
    settled(h, rx, acc, "partial success");
  });

  it("splits a batch whose body exceeds the bound and drops a record that alone exceeds it", async () => {
    const before = rx.requests.length;
    const acc = rx.accepted("logs");
    const h = harness(url, { maxBodyBytes: 4000 });
    h.produce(40);
    await h.processor.forceFlush();
    const reqs = rx.requests.slice(before);
    assert.ok(reqs.length > 1, `split into ${reqs.length} requests`);
    assert.ok(reqs.every((r) => r.bytes <= 4000));
    assert.equal(reqs.reduce((a, r) => a + r.items, 0), 40);
    settled(h, rx, acc, "split");
    assert.equal(h.processor.stats().exported, 40);

    const acc2 = rx.accepted("logs");
    const tiny = harness(url, { maxBodyBytes: 100 });
    tiny.produce(1);
    await tiny.processor.forceFlush();
    assert.deepEqual(tiny.processor.stats().droppedByReason, { too_large: 1 });
    settled(tiny, rx, acc2, "too large");
  });

  it("drops records beyond the queue bound as queue_full behind a hung collector, the accounting exact throughout", async () => {
    const acc = rx.accepted("logs");
    rx.script({ hang: true });
    const h = harness(url, { timeoutMs: 300 }, { maxQueueSize: 50, maxExportBatchSize: 20 });
    h.produce(200);
    await h.processor.forceFlush();
    const s = h.processor.stats();
    assert.ok((s.droppedByReason.queue_full ?? 0) > 0);
    assert.ok((s.droppedByReason.timeout ?? 0) > 0);
    settled(h, rx, acc, "queue bound 50, hang");
  });

  it("reports trouble as codex.exporter.* events with signal logs and no header values", async () => {
    const seen: { name: string; md: unknown }[] = [];
    attach("logs-exporter-events-test", ["codex.exporter.failed", "codex.exporter.dropped"], (name, _m, md) => seen.push({ name, md }));
    try {
      rx.script({ status: 401 });
      const h = harness(url, { headers: { authorization: "Bearer do-not-leak" } });
      h.produce(2);
      await h.processor.forceFlush();
      assert.deepEqual(seen.map((s) => s.name), ["codex.exporter.failed", "codex.exporter.dropped"]);
      for (const s of seen) assert.equal((s.md as { signal?: string }).signal, "logs");
      const text = JSON.stringify(seen) + h.warnings.join("\n") + JSON.stringify(h.processor.stats());
      assert.equal(text.includes("do-not-leak"), false);
    } finally {
      detach("logs-exporter-events-test");
    }
  });

  it("shutdown flushes what is queued and drops later records as shutdown", async () => {
    const acc = rx.accepted("logs");
    const h = harness(url);
    h.produce(3);
    await h.processor.shutdown();
    h.produce(2);
    const s = h.processor.stats();
    assert.equal(s.exported, 3);
    assert.deepEqual(s.droppedByReason, { shutdown: 2 });
    settled(h, rx, acc, "shutdown");
  });
});
