// One million spans against a dead collector: memory stays bounded (the queue is bounded and
// failed batches are dropped), and the accounting stays exact throughout.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { batchProcessor } from "../../src/export/batch-processor.ts";
import { otlpHttpExporter } from "../../src/export/otlp-http-exporter.ts";
import { attach, detach } from "../../src/telemetry/bus.ts";
import { createTracer } from "../../src/tracing/tracer.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";
const TOTAL = 1_000_000;
const CHUNK = 20_000;

describe("a dead collector", () => {
  it("1M spans keep memory bounded and every span accounted for", { timeout: 120_000 }, async () => {
    const dead = await startOtlpReceiver();
    const url = dead.tracesUrl;
    await dead.close();
    const warnings: string[] = [];
    const processor = batchProcessor(
      otlpHttpExporter({ url, timeoutMs: 200, initialBackoffMs: 20, maxBackoffMs: 50 }),
      { scheduledDelayMillis: 20 },
      { warn: (m) => warnings.push(m) },
    );
    const tracer = createTracer({ processor });
    let dropEvents = 0;
    let droppedReported = 0;
    attach("dead-collector-drops", "codex.exporter.dropped", (_n, m) => {
      dropEvents++;
      droppedReported += Number(m.count);
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const rss0 = process.memoryUsage().rss;
    let maxQueued = 0;
    const t0 = performance.now();
    for (let produced = 0; produced < TOTAL; produced += CHUNK) {
      for (let i = 0; i < CHUNK; i++) {
        const span = tracer.startSpan("dead.collector", { "a.one": "value", "a.two": i, "a.three": true, "a.four": 1.5, "a.five": "x" });
        span.end();
      }
      const s = processor.stats();
      assert.equal(s.exported + s.dropped + s.queued, s.produced);
      maxQueued = Math.max(maxQueued, s.queued);
      await new Promise((r) => setTimeout(r, 0));
    }
    const produceMs = performance.now() - t0;
    await processor.forceFlush();
    gc?.();
    const rss1 = process.memoryUsage().rss;
    const s = processor.stats();
    assert.equal(s.produced, TOTAL);
    assert.equal(s.exported, 0);
    assert.equal(s.dropped, TOTAL);
    assert.equal(s.queued, 0);
    assert.ok(maxQueued <= 2048 + 512, `queue (2048) plus the batch in flight (512) stayed bounded (${maxQueued})`);
    assert.ok(warnings.length <= 4, `warnings are rate-limited (${warnings.length})`);
    detach("dead-collector-drops");
    assert.equal(droppedReported, TOTAL, "drop events add up to every dropped span");
    assert.ok(dropEvents < 1000, `drop events are coalesced (${dropEvents})`);
    const growthMb = (rss1 - rss0) / 1024 / 1024;
    console.log(
      `[dead collector ${runtime}] produced=${s.produced} exported=${s.exported} dropped=${s.dropped} ${JSON.stringify(s.droppedByReason)} ` +
        `maxQueued=${maxQueued} dropEvents=${dropEvents} rss ${(rss0 / 1048576).toFixed(0)}→${(rss1 / 1048576).toFixed(0)} MiB (growth ${growthMb.toFixed(1)} MiB) in ${(produceMs / 1000).toFixed(1)} s`,
    );
    assert.ok(growthMb < 150, `RSS grew ${growthMb.toFixed(1)} MiB`);
  });
});
