/**
 * The traces pipeline: exporter (OTLP/HTTP, memory, custom, console) → processor → tracer, and the
 * Codex event instrumentation that opens and ends spans from telemetry events.
 * @module
 */
import type { ResolvedConfig, TelemetryOptions } from "../config/config.ts";
import { batchProcessor, immediateProcessor } from "../export/batch-processor.ts";
import type { AccountingProcessor } from "../export/batch-processor.ts";
import type { SpanExporter } from "../export/exporter.ts";
import { otlpHttpExporter } from "../export/otlp-http-exporter.ts";
import { traceEvents } from "../tracing/instrumentation.ts";
import type { EventTracing } from "../tracing/instrumentation.ts";
import { createTracer } from "../tracing/tracer.ts";
import type { Tracer } from "../tracing/tracer.ts";
import type { SpanRecord } from "../tracing/span-record.ts";
import { consoleExporter } from "./console.ts";
import type { MemoryExporter } from "./memory-exporter.ts";
import { signalExporter } from "./pipeline.ts";
import type { SignalPipeline, Transports } from "./pipeline.ts";

/** The traces pipeline and what the other signals need from it. */
export interface TracesPipeline extends SignalPipeline {
  /** The tracer. */
  readonly tracer: Tracer;
  /** The event instrumentation (its span lookup correlates log records). */
  readonly events: EventTracing;
  /** The span exporter in use. */
  readonly spanExporter: SpanExporter;
}

/**
 * Builds the traces pipeline, attached to the bus.
 *
 * @param config The configuration in effect (`exporters.traces` not empty).
 * @param options The options (`exporter` wins).
 * @param memory The in-memory exporter when the endpoint is `memory://`.
 * @param transports The transports.
 * @param warn Warning sink.
 * @returns The pipeline.
 */
export function tracesPipeline(
  config: ResolvedConfig,
  options: TelemetryOptions,
  memory: MemoryExporter | undefined,
  transports: Transports,
  warn: (message: string) => void,
): TracesPipeline {
  // An exporter option takes the place of OTLP (it is the user's span destination).
  const own = options.exporter ?? memory;
  const exporter = signalExporter<readonly SpanRecord[]>(config, "traces", transports, {
    ...(own === undefined ? {} : { own }),
    console: () => consoleExporter("traces", { resource: config.resource }),
    otlp: (target) => otlpHttpExporter(target),
  }) as SpanExporter;
  const processor: AccountingProcessor = exporter.kind === "memory"
    ? immediateProcessor(exporter, { warn })
    : batchProcessor(exporter, config.batch, { warn });
  const tracer = createTracer({ processor, spanLimits: config.spanLimits, sampler: config.sampler });
  const events = traceEvents(tracer);
  events.attach();
  let stopped: Promise<void> | undefined;
  return {
    signal: "traces",
    exporter: exporter.kind,
    tracer,
    events,
    spanExporter: exporter,
    async flush(): Promise<void> {
      try {
        await processor.forceFlush();
      } catch {
        // never rejects (failures are counted)
      }
    },
    shutdown(reason: string): Promise<void> {
      if (stopped !== undefined) return stopped;
      events.detach();
      events.endAll(reason);
      return stopped = (async () => {
        try {
          await processor.shutdown();
        } catch {
          // never rejects
        }
      })();
    },
    stats: () => processor.stats(),
  };
}
