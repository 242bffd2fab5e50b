/**
 * The logs pipeline: logger provider → processor (batched like spans) → exporter (OTLP/HTTP,
 * memory, console), and the instrumentation that turns every telemetry event into a log record
 * correlated with the span it belongs to.
 * @module
 */
import type { ResolvedConfig } from "../config/config.ts";
import { otlpHttpLogExporter } from "../logs/exporter.ts";
import type { LogRecordData } from "../logs/data.ts";
import { logEvents } from "../logs/instrumentation.ts";
import type { LogEvents } from "../logs/instrumentation.ts";
import { createLoggerProvider } from "../logs/logger.ts";
import type { LoggerProvider } from "../logs/logger.ts";
import { batchLogProcessor, immediateLogProcessor } from "../logs/processor.ts";
import { consoleExporter } from "./console.ts";
import type { MemoryExporter } from "./memory-exporter.ts";
import { signalExporter } from "./pipeline.ts";
import type { SignalPipeline, Transports } from "./pipeline.ts";
import type { TracesPipeline } from "./traces.ts";

/** The logs pipeline. */
export interface LogsPipeline extends SignalPipeline {
  /** The provider (host loggers emit into it). */
  readonly provider: LoggerProvider;
  /** The event instrumentation. */
  readonly events: LogEvents;
}

/**
 * Builds the logs pipeline, attached to the bus.
 *
 * @param config The configuration in effect (`exporters.logs` not empty).
 * @param memory The in-memory exporter when the endpoint is `memory://`.
 * @param transports The transports.
 * @param traces The traces pipeline, whose span lookup correlates the records.
 * @param warn Warning sink.
 * @returns The pipeline.
 */
export function logsPipeline(
  config: ResolvedConfig,
  memory: MemoryExporter | undefined,
  transports: Transports,
  traces: TracesPipeline | undefined,
  warn: (message: string) => void,
): LogsPipeline {
  const exporter = signalExporter<readonly LogRecordData[]>(config, "logs", transports, {
    ...(memory === undefined ? {} : { own: memory.logsExporter }),
    console: () => consoleExporter("logs", { resource: config.resource }),
    otlp: (target) => otlpHttpLogExporter(target),
  });
  const processor = exporter.kind === "memory" ? immediateLogProcessor(exporter, { warn }) : batchLogProcessor(exporter, config.logs.batch, { warn });
  const provider = createLoggerProvider({
    processor,
    limits: {
      ...(config.logs.attributeCountLimit === undefined ? {} : { attributeCountLimit: config.logs.attributeCountLimit }),
      ...(config.logs.attributeValueLengthLimit === undefined ? {} : { attributeValueLengthLimit: config.logs.attributeValueLengthLimit }),
    },
  });
  const events = logEvents(provider, {
    ...(traces === undefined ? {} : { spanContextOf: traces.events.spanContextOf.bind(traces.events) }),
  });
  events.attach();
  let stopped: Promise<void> | undefined;
  return {
    signal: "logs",
    exporter: exporter.kind,
    provider,
    events,
    flush: () => provider.forceFlush(),
    shutdown(): Promise<void> {
      if (stopped !== undefined) return stopped;
      events.detach();
      return stopped = provider.shutdown();
    },
    stats: () => provider.stats(),
  };
}
