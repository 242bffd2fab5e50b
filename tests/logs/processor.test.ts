import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { Severity } from "../../src/logs/data.ts";
import type { LogRecordData } from "../../src/logs/data.ts";
import type { LogExporter } from "../../src/logs/exporter.ts";
import { createLoggerProvider } from "../../src/logs/logger.ts";
import { batchLogProcessor, immediateLogProcessor } from "../../src/logs/processor.ts";
import type { LogProcessor } from "../../src/logs/processor.ts";
import type { ExportResult } from "../../src/export/exporter.ts";
import { attach, detach } from "../../src/telemetry/bus.ts";
import { useContextManager } from "../support/otlp-context.ts";

const SCOPE = Object.freeze({ name: "test" });
const rec = (i: number): LogRecordData => ({
  timeUnixNano: 1n,
  observedTimeUnixNano: 1n,
  severityNumber: Severity.INFO,
  body: `r${i}`,
  attributes: {},
  droppedAttributesCount: 0,
  scope: SCOPE,
});

/** An exporter that records batch sizes, answers with `answer`, and can be held (its promises wait for release()). */
function recorder(answer: (batch: readonly LogRecordData[]) => ExportResult = () => ({ ok: true, rejected: 0 })) {
  const batches: number[] = [];
  const bodies: string[] = [];
  let held: Promise<void> | undefined;
  let release = (): void => {};
  let shutdowns = 0;
  let during: (() => void) | undefined;
  const exporter: LogExporter = {
    kind: "recorder",
    async export(records) {
      batches.push(records.length);
      for (const r of records) bodies.push(String(r.body));
      during?.();
      if (held !== undefined) await held;
      return answer(records);
    },
    shutdown() {
      shutdowns++;
      return Promise.resolve();
    },
  };
  return {
    exporter,
    batches,
    bodies,
    get shutdowns() {
      return shutdowns;
    },
    hold(): void {
      held = new Promise((r) => (release = r));
    },
    release(): void {
      held = undefined;
      release();
    },
    onExport(fn: () => void): void {
      during = fn;
    },
  };
}

function check(p: LogProcessor): void {
  const s = p.stats();
  assert.equal(s.exported + s.dropped + s.queued, s.produced, `accounting broke: ${JSON.stringify(s)}`);
}

const quiet = { warn: () => {} };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("batchLogProcessor", () => {
  it("exports full batches as they fill and the rest on flush (default batch 512)", async () => {
    const x = recorder();
    const p = batchLogProcessor(x.exporter, { scheduledDelayMillis: 60_000 }, quiet);
    for (let i = 0; i < 1100; i++) {
      p.onEmit(rec(i));
      check(p);
    }
    // Full batches go without waiting for the schedule, one request at a time.
    assert.deepEqual(x.batches, [512]);
    await sleep(1);
    assert.deepEqual(x.batches, [512, 512]);
    await p.forceFlush();
    assert.deepEqual(x.batches, [512, 512, 76]);
    assert.equal(x.bodies[1099], "r1099");
    assert.deepEqual({ ...p.stats(), droppedByReason: undefined }, {
      produced: 1100, exported: 1100, dropped: 0, droppedByReason: undefined, queued: 0, inFlight: 0, failedExports: 0,
    });
    await p.shutdown();
  });

  it("holds at most maxQueueSize waiting (default 2048) behind the batch in flight and drops the rest as queue_full", async () => {
    const x = recorder();
    x.hold();
    const p = batchLogProcessor(x.exporter, { scheduledDelayMillis: 60_000 }, quiet);
    for (let i = 0; i < 3000; i++) {
      p.onEmit(rec(i));
      check(p);
    }
    const s = p.stats();
    assert.equal(s.inFlight, 512);
    assert.equal(s.queued, 512 + 2048);
    assert.deepEqual(s.droppedByReason, { queue_full: 3000 - 512 - 2048 });
    x.release();
    await p.forceFlush();
    check(p);
    assert.equal(p.stats().exported, 2560);
    assert.equal(p.stats().queued, 0);
    await p.shutdown();
  });

  it("keeps exported + dropped + queued === produced during exports, failures and drops", async () => {
    let n = 0;
    const x = recorder(() => (n++ % 3 === 1 ? { ok: false, rejected: 20, reason: "http_500", error: "HTTP 500" } : n % 4 === 0 ? { ok: true, rejected: 5, reason: "partial_success" } : { ok: true, rejected: 0 }));
    const p = batchLogProcessor(x.exporter, { maxQueueSize: 50, maxExportBatchSize: 20, scheduledDelayMillis: 5 }, quiet);
    let inExport = 0;
    x.onExport(() => {
      check(p);
      assert.ok(p.stats().inFlight > 0);
      inExport++;
    });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 37; i++) {
        p.onEmit(rec(i));
        check(p);
      }
      await sleep(round % 4);
      check(p);
    }
    await p.forceFlush();
    check(p);
    const s = p.stats();
    assert.ok(inExport > 10);
    assert.equal(s.produced, 740);
    assert.equal(s.queued, 0);
    assert.ok(s.droppedByReason.http_500 > 0 && s.droppedByReason.partial_success > 0, JSON.stringify(s.droppedByReason));
    assert.equal(s.exported + s.dropped, 740);
    await p.shutdown();
  });

  it("exports on the schedule when no batch fills", async () => {
    const x = recorder();
    const p = batchLogProcessor(x.exporter, { scheduledDelayMillis: 40 }, quiet);
    p.onEmit(rec(1));
    p.onEmit(rec(2));
    await sleep(5);
    assert.deepEqual(x.batches, []);
    for (let i = 0; i < 100 && x.batches.length === 0; i++) await sleep(10);
    assert.deepEqual(x.batches, [2]);
    assert.equal(p.stats().exported, 2);
    await p.shutdown();
  });

  it("forceFlush exports everything one request at a time, also when called concurrently", async () => {
    const x = recorder();
    let concurrent = 0;
    let maxConcurrent = 0;
    const slow: LogExporter = {
      kind: "slow",
      async export(records) {
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await sleep(2);
        concurrent--;
        return x.exporter.export(records);
      },
    };
    const p = batchLogProcessor(slow, { maxExportBatchSize: 10, scheduledDelayMillis: 60_000 }, quiet);
    for (let i = 0; i < 55; i++) p.onEmit(rec(i));
    await Promise.all([p.forceFlush(), p.forceFlush(), p.forceFlush()]);
    assert.equal(maxConcurrent, 1);
    assert.equal(x.batches.reduce((a, b) => a + b, 0), 55);
    assert.equal(p.stats().exported, 55);
    await p.shutdown();
  });

  it("shutdown flushes, shuts the exporter down once and counts later records as dropped (shutdown)", async () => {
    const x = recorder();
    const p = batchLogProcessor(x.exporter, { scheduledDelayMillis: 60_000 }, quiet);
    for (let i = 0; i < 3; i++) p.onEmit(rec(i));
    await p.shutdown();
    p.onEmit(rec(4));
    p.onEmit(rec(5));
    check(p);
    const s = p.stats();
    assert.equal(s.exported, 3);
    assert.deepEqual(s.droppedByReason, { shutdown: 2 });
    assert.equal(x.shutdowns, 1);
  });

  it("a hung exporter is cut at exportTimeoutMillis and a throwing one becomes exporter_error", async () => {
    const hung: LogExporter = { kind: "hung", export: () => new Promise(() => {}) };
    const p = batchLogProcessor(hung, { exportTimeoutMillis: 50, scheduledDelayMillis: 60_000 }, quiet);
    p.onEmit(rec(1));
    await p.forceFlush();
    assert.deepEqual(p.stats().droppedByReason, { timeout: 1 });
    const throwing: LogExporter = {
      kind: "throwing",
      export: () => {
        throw new Error("boom");
      },
    };
    const q = batchLogProcessor(throwing, { scheduledDelayMillis: 60_000 }, quiet);
    q.onEmit(rec(1));
    await q.forceFlush();
    assert.deepEqual(q.stats().droppedByReason, { exporter_error: 1 });
    assert.equal(q.stats().failedExports, 1);
  });

  it("reports drops and failures as codex.exporter.* events naming the logs signal, and warns about log records", async () => {
    const seen: { name: string; md: Record<string, unknown> }[] = [];
    attach("log-processor-events", ["codex.exporter.failed", "codex.exporter.dropped"], (name, _m, md) => seen.push({ name, md: { ...md } }));
    const warnings: string[] = [];
    try {
      const x = recorder(() => ({ ok: false, rejected: 4, reason: "http_401", error: "collector answered HTTP 401" }));
      const p = batchLogProcessor(x.exporter, { scheduledDelayMillis: 60_000 }, { warn: (m) => warnings.push(m) });
      for (let i = 0; i < 4; i++) p.onEmit(rec(i));
      await p.forceFlush();
      assert.deepEqual(seen.map((s) => s.name), ["codex.exporter.failed", "codex.exporter.dropped"]);
      for (const s of seen) assert.equal(s.md.signal, "logs");
      assert.equal(seen[1].md.reason, "http_401");
      assert.match(warnings[0], /dropped 4 log record\(s\) \(http_401\)/);
    } finally {
      detach("log-processor-events");
    }
  });
});

describe("immediateLogProcessor", () => {
  it("exports each record at once, keeps the accounting and drops after shutdown", async () => {
    const x = recorder();
    const p = immediateLogProcessor(x.exporter, quiet);
    for (let i = 0; i < 5; i++) {
      p.onEmit(rec(i));
      check(p);
    }
    assert.equal(p.stats().queued, 5);
    await p.forceFlush();
    assert.deepEqual(x.batches, [1, 1, 1, 1, 1]);
    assert.equal(p.stats().exported, 5);
    await p.shutdown();
    p.onEmit(rec(6));
    check(p);
    assert.deepEqual(p.stats().droppedByReason, { shutdown: 1 });
    assert.equal(x.shutdowns, 1);
  });
});

describe("createLoggerProvider", () => {
  const collect = () => {
    const records: LogRecordData[] = [];
    const processor = immediateLogProcessor({
      kind: "array",
      export(batch) {
        records.push(...batch);
        return Promise.resolve({ ok: true, rejected: 0 });
      },
    }, quiet);
    return { records, processor };
  };

  it("fills the observed time, the time (as the observed one) and the scope, one scope object per logger", async () => {
    const { records, processor } = collect();
    const provider = createLoggerProvider({ processor });
    const a = provider.logger("lib", "1.2.3");
    assert.equal(provider.logger("lib", "1.2.3"), a);
    assert.notEqual(provider.logger("lib"), a);
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    a.emit({ body: "one", severityNumber: Severity.WARN, severityText: "WARN", eventName: "my.event" });
    a.emit({ body: "two", timeUnixNano: 5n });
    await provider.forceFlush();
    const [one, two] = records;
    assert.ok(one.observedTimeUnixNano > before);
    assert.equal(one.timeUnixNano, one.observedTimeUnixNano);
    assert.equal(two.timeUnixNano, 5n);
    assert.equal(one.scope, a.scope);
    assert.equal(two.scope, a.scope);
    assert.deepEqual(a.scope, { name: "lib", version: "1.2.3" });
    assert.equal(one.severityNumber, 13);
    assert.equal(one.severityText, "WARN");
    assert.equal(one.eventName, "my.event");
    assert.equal(two.severityNumber, 0);
    assert.equal("traceId" in one, false);
    await provider.shutdown();
  });

  it("applies the attribute count limit (counting the dropped) and the value length limit (strings in arrays and maps too)", async () => {
    const { records, processor } = collect();
    const provider = createLoggerProvider({ processor, limits: { attributeCountLimit: 3, attributeValueLengthLimit: 4 } });
    const attrs = { a: "abcdefgh", skip: undefined, b: ["long string", 12345678, true], c: { nested: "nested value", n: 1 }, d: 1, e: 2 };
    provider.logger("x").emit({ attributes: attrs as never, body: "the body is not limited" });
    await provider.forceFlush();
    const [r] = records;
    assert.deepEqual(r.attributes, { a: "abcd", b: ["long", 12345678, true], c: { nested: "nest", n: 1 } });
    assert.equal(r.droppedAttributesCount, 2);
    assert.equal(r.body, "the body is not limited");
    assert.equal(attrs.a, "abcdefgh", "the caller's object is not changed");
    // Default: 128 attributes, no length limit.
    const many = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, "v".repeat(1000)]));
    const d = collect();
    const p2 = createLoggerProvider({ processor: d.processor });
    p2.logger("x").emit({ attributes: many });
    await p2.forceFlush();
    assert.equal(Object.keys(d.records[0].attributes).length, 128);
    assert.equal(d.records[0].droppedAttributesCount, 2);
    assert.equal((d.records[0].attributes.k0 as string).length, 1000);
  });

  it("keeps a valid trace context (lowercased, flags masked) and drops an invalid or half one; a severity out of range is unspecified", async () => {
    const { records, processor } = collect();
    const provider = createLoggerProvider({ processor });
    const log = provider.logger("x");
    log.emit({ traceId: "0AF7651916CD43DD8448EB211C80319C", spanId: "B7AD6B7169203331", flags: 0x101 });
    log.emit({ traceId: "0".repeat(32), spanId: "b7ad6b7169203331", flags: 1 });
    log.emit({ traceId: "0af7651916cd43dd8448eb211c80319c" });
    log.emit({ severityNumber: 99 });
    log.emit({ severityNumber: 2.5 });
    await provider.forceFlush();
    assert.deepEqual([records[0].traceId, records[0].spanId, records[0].flags], ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 1]);
    for (const r of records.slice(1, 3)) assert.equal("traceId" in r || "spanId" in r || "flags" in r, false);
    assert.equal(records[3].severityNumber, 0);
    assert.equal(records[4].severityNumber, 0);
  });

  it("emit never throws, even when the processor does", async () => {
    const provider = createLoggerProvider({
      processor: {
        onEmit() {
          throw new Error("broken");
        },
        forceFlush: () => Promise.reject(new Error("x")),
        shutdown: () => Promise.reject(new Error("x")),
        stats: () => ({ produced: 0, exported: 0, dropped: 0, droppedByReason: {}, queued: 0, inFlight: 0, failedExports: 0 }),
      },
    });
    provider.logger("x").emit({ body: "ok" });
    await provider.forceFlush();
    await provider.shutdown();
  });

  describe("with a host context manager", () => {
    useContextManager();

    it("takes the host's active span when the record names none", async () => {
      const { records, processor } = collect();
      const provider = createLoggerProvider({ processor });
      const host = trace.setSpanContext(ROOT_CONTEXT, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 });
      context.with(host, () => {
        provider.logger("x").emit({ body: "inside" });
        provider.logger("x").emit({ body: "own", traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", flags: 0 });
      });
      provider.logger("x").emit({ body: "outside" });
      await provider.forceFlush();
      assert.deepEqual([records[0].traceId, records[0].spanId, records[0].flags], ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1]);
      assert.deepEqual([records[1].traceId, records[1].spanId, records[1].flags], ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 0]);
      assert.equal(records[2].traceId, undefined);
    });
  });
});
