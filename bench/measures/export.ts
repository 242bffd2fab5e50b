// Measure 6: the exporter under load: 1,000,000 spans to a local receiver (throughput), ours vs
// @opentelemetry/sdk-trace + exporter-trace-otlp-http; and 1,000,000 spans to a dead collector
// (RSS growth, every span exported or counted as dropped).
import { createServer } from "node:net";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { batchProcessor, createTracer, otlpHttpExporter } from "../../export.ts";
import type { Row } from "../harness.ts";
import { startReceiver } from "../receiver-client.ts";

const TOTAL = 1_000_000;
const CHUNK = 500;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function attrs(i: number): Record<string, string | number | boolean> {
  return {
    "gen_ai.tool.name": "exec_command",
    "gen_ai.tool.call.id": "item_" + (i % 64),
    "codex.exit_code": i % 3,
    "codex.duration_ms": 12.5,
    "codex.ok": true,
  };
}

async function ours(url: string, timeoutMs: number): Promise<{ ms: number; stats: ReturnType<ReturnType<typeof batchProcessor>["stats"]>; rssGrowthMb: number }> {
  const exporter = otlpHttpExporter({ url, timeoutMs, encode: { resource: { "service.name": "bench" } } });
  const processor = batchProcessor(exporter, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 200 }, {
    warn: () => {},
  });
  const tracer = createTracer({ processor });
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage.rss();
  let maxRss = rss0;
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i++) {
    const span = tracer.startSpan("execute_tool exec_command", attrs(i));
    span.end();
    if (i % CHUNK === CHUNK - 1) {
      await tick();
      if (i % (CHUNK * 100) === 0) maxRss = Math.max(maxRss, process.memoryUsage.rss());
      const s = processor.stats();
      if (s.exported + s.dropped + s.queued !== s.produced) throw new Error("accounting broken");
    }
  }
  await processor.forceFlush();
  const ms = performance.now() - t0;
  maxRss = Math.max(maxRss, process.memoryUsage.rss());
  const stats = processor.stats();
  await processor.shutdown();
  return { ms, stats, rssGrowthMb: (maxRss - rss0) / 1024 / 1024 };
}

async function theirs(url: string): Promise<number> {
  const processor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({ url }),
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 200,
  });
  const provider = new TracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer("bench");
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i++) {
    const span = tracer.startSpan("execute_tool exec_command", { attributes: attrs(i) });
    span.end();
    if (i % CHUNK === CHUNK - 1) await tick();
  }
  await provider.forceFlush();
  const ms = performance.now() - t0;
  await provider.shutdown();
  return ms;
}

export async function benchExport(): Promise<Row[]> {
  const receiver = await startReceiver();
  const url = `http://127.0.0.1:${receiver.port}/v1/traces`;
  try {
    const o = await ours(url, 10_000);
    const c1 = await receiver.counts();
    const oursReceived = c1.spans;
    const tMs = await theirs(url);
    const c2 = await receiver.counts();
    const theirsReceived = c2.spans - oursReceived;
    const dead = await ours(`http://127.0.0.1:${await deadPort()}/v1/traces`, 1_000);
    const oursRate = oursReceived / (o.ms / 1000);
    const theirRate = theirsReceived / (tMs / 1000);
    const ds = dead.stats;
    return [
      {
        measure: "export 1M spans to a local receiver",
        ours: `${Math.round(oursRate).toLocaleString("en")} spans/s (${oursReceived} received, ${o.stats.dropped} dropped)`,
        versus: `sdk-trace + exporter-otlp-http ${Math.round(theirRate).toLocaleString("en")} spans/s (${theirsReceived} received)`,
        ratio: `${(oursRate / theirRate).toFixed(2)}× throughput`,
        target: "report",
        met: null,
        value: oursRate / theirRate,
        better: "higher",
      },
      {
        measure: "export 1M spans to a dead collector",
        ours: `RSS +${dead.rssGrowthMb.toFixed(1)} MB; exported ${ds.exported} + dropped ${ds.dropped} = ${ds.exported + ds.dropped} of ${ds.produced}`,
        versus: "–",
        ratio: "–",
        target: "≤ 30 MB, all accounted",
        met: dead.rssGrowthMb <= 30 && ds.exported + ds.dropped === ds.produced,
        value: ds.exported + ds.dropped === ds.produced ? dead.rssGrowthMb : Infinity,
        better: "lower",
        goal: 30,
      },
    ];
  } finally {
    receiver.stop();
  }
}
