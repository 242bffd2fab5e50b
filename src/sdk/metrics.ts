/**
 * The metrics pipeline: meter provider → periodic reader → exporter (OTLP/HTTP, memory, console),
 * the Codex event metrics (GenAI token usage and durations, tools, approvals, runs, exported spans)
 * and the host meters (`meter(name)`) pointed at it.
 * @module
 */
import type { ResolvedConfig } from "../config/config.ts";
import { meterEvents } from "../metrics/instrumentation.ts";
import type { EventMetrics } from "../metrics/instrumentation.ts";
import { createMeterProvider } from "../metrics/meter.ts";
import type { MeterProvider } from "../metrics/meter.ts";
import { otlpHttpMetricExporter } from "../metrics/exporter.ts";
import type { ScopeMetrics } from "../metrics/data.ts";
import { periodicReader } from "../metrics/reader.ts";
import type { MetricReader } from "../metrics/reader.ts";
import { SDK_INFO } from "../tracing/resource.ts";
import { consoleExporter } from "./console.ts";
import type { MemoryExporter } from "./memory-exporter.ts";
import { signalExporter } from "./pipeline.ts";
import type { SignalPipeline, Transports } from "./pipeline.ts";
import type { TracesPipeline } from "./traces.ts";

/** The metrics pipeline. */
export interface MetricsPipeline extends SignalPipeline {
  /** The provider (host meters record into it). */
  readonly provider: MeterProvider;
  /** The reader. */
  readonly reader: MetricReader;
  /** The Codex event metrics. */
  readonly events: EventMetrics;
}

/** The SDK's own meter scope. */
export const SDK_SCOPE = "codex-otel-sdk";

/**
 * Builds the metrics pipeline, attached to the bus.
 *
 * @param config The configuration in effect (`exporters.metrics` not empty).
 * @param memory The in-memory exporter when the endpoint is `memory://`.
 * @param transports The transports.
 * @param traces The traces pipeline, whose counters `codex.exporter.spans` reads.
 * @param warn Warning sink.
 * @returns The pipeline.
 */
export function metricsPipeline(
  config: ResolvedConfig,
  memory: MemoryExporter | undefined,
  transports: Transports,
  traces: TracesPipeline | undefined,
  warn: (message: string) => void,
): MetricsPipeline {
  const exporter = signalExporter<readonly ScopeMetrics[]>(config, "metrics", transports, {
    ...(memory === undefined ? {} : { own: memory.metricsExporter }),
    console: () => consoleExporter("metrics", { resource: config.resource }),
    otlp: (target) => otlpHttpMetricExporter(target),
  });
  const provider = createMeterProvider({
    temporality: config.metrics.temporality,
    cardinalityLimit: config.metrics.cardinalityLimit,
    warn,
  });
  const reader = periodicReader(provider, exporter, { intervalMs: config.metrics.intervalMs, timeoutMs: config.metrics.timeoutMs }, { warn });
  const events = meterEvents(provider.meter(SDK_SCOPE, SDK_INFO.version), {
    latestExperimental: config.metrics.latestExperimental,
    ...(traces === undefined ? {} : { exporterStats: () => traces.stats() }),
  });
  events.attach();
  let stopped: Promise<void> | undefined;
  return {
    signal: "metrics",
    exporter: exporter.kind,
    provider,
    reader,
    events,
    flush: () => reader.forceFlush(),
    shutdown(): Promise<void> {
      if (stopped !== undefined) return stopped;
      events.detach();
      return stopped = reader.shutdown().then(() => provider.shutdown());
    },
    stats: () => reader.stats(),
  };
}
