// Measure 2: span lifecycle (start, 5 attributes, end, into a batch processor whose exporter
// discards) — ours vs @opentelemetry/sdk-trace (TracerProvider + BatchSpanProcessor), and vs
// allocating an equivalent plain record (the floor). Each sample creates 10,000 spans and then
// flushes, so batching and the export hand-off are inside the timing for both SDKs.
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { ReadableSpan, SpanExporter as OtelExporter } from "@opentelemetry/sdk-trace";
import { batchProcessor, createTracer, newSpanId, newTraceId } from "../../export.ts";
import type { SpanExporter } from "../../mod.ts";
import { compareAsync, consume, roundRatios, type Row } from "../harness.ts";

const N = 10_000;

export async function benchSpan(): Promise<Row[]> {
  let oursExported = 0;
  const discard: SpanExporter = {
    kind: "discard",
    export(spans) {
      oursExported += spans.length;
      return Promise.resolve({ ok: true, rejected: 0 });
    },
  };
  const processor = batchProcessor(discard, { maxQueueSize: N * 2, maxExportBatchSize: 512, scheduledDelayMillis: 60_000 });
  const tracer = createTracer({ processor });

  let theirsExported = 0;
  const otelDiscard: OtelExporter = {
    export(spans: ReadableSpan[], done: (r: { code: number }) => void) {
      theirsExported += spans.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  };
  const otelProcessor = new BatchSpanProcessor({
    exporter: otelDiscard,
    maxQueueSize: N * 2,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 60_000,
  });
  const provider = new TracerProvider({ spanProcessors: [otelProcessor] });
  const otelTracer = provider.getTracer("bench");

  const records: unknown[] = new Array(N);
  const t = await compareAsync([
    {
      name: "ours",
      run: async () => {
        for (let i = 0; i < N; i++) {
          const span = tracer.startSpan("execute_tool exec_command");
          span.setAttribute("gen_ai.tool.name", "exec_command");
          span.setAttribute("gen_ai.tool.call.id", "item_1");
          span.setAttribute("codex.exit_code", 0);
          span.setAttribute("codex.duration_ms", 12.5);
          span.setAttribute("codex.ok", true);
          span.end();
        }
        await processor.forceFlush();
      },
    },
    {
      name: "sdk-trace",
      run: async () => {
        for (let i = 0; i < N; i++) {
          const span = otelTracer.startSpan("execute_tool exec_command");
          span.setAttribute("gen_ai.tool.name", "exec_command");
          span.setAttribute("gen_ai.tool.call.id", "item_1");
          span.setAttribute("codex.exit_code", 0);
          span.setAttribute("codex.duration_ms", 12.5);
          span.setAttribute("codex.ok", true);
          span.end();
        }
        await otelProcessor.forceFlush();
      },
    },
    {
      name: "plain record",
      run: async () => {
        for (let i = 0; i < N; i++) {
          // The same information a span carries: ids, name, times, five attributes, status.
          const record = {
            traceId: newTraceId(),
            spanId: newSpanId(),
            name: "execute_tool exec_command",
            // times captured as monotonic readings, as the span does (converted when exported)
            start: performance.now(),
            end: 0,
            attributes: {
              "gen_ai.tool.name": "exec_command",
              "gen_ai.tool.call.id": "item_1",
              "codex.exit_code": 0,
              "codex.duration_ms": 12.5,
              "codex.ok": true,
            } as Record<string, unknown>,
            status: { code: 0 },
          };
          record.end = performance.now();
          records[i] = record;
        }
        consume(records);
        await Promise.resolve();
      },
    },
  ], 31, 8);
  await processor.shutdown();
  await provider.shutdown();
  consume(oursExported + theirsExported);
  const ours = t["ours"] * 1e6 / N, theirs = t["sdk-trace"] * 1e6 / N, floor = t["plain record"] * 1e6 / N;
  return [
    {
      measure: "span lifecycle (start, 5 attrs, end, batch)",
      ours: `${ours.toFixed(0)} ns/span`,
      versus: `sdk-trace ${theirs.toFixed(0)} ns/span`,
      ratio: `${(theirs / ours).toFixed(2)}× faster`,
      target: "≥ 4× faster",
      met: theirs / ours >= 4,
      value: theirs / ours,
      better: "higher",
      goal: 4,
      spread: roundRatios(t, "sdk-trace", "ours"),
    },
    {
      measure: "span lifecycle vs plain record",
      ours: `${ours.toFixed(0)} ns/span`,
      versus: `plain record ${floor.toFixed(0)} ns/span`,
      ratio: `${(ours / floor).toFixed(2)}× floor`,
      target: "≤ 3× floor",
      met: ours / floor <= 3,
      value: ours / floor,
      better: "lower",
      goal: 3,
      spread: roundRatios(t, "ours", "plain record"),
    },
  ];
}
