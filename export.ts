/**
 * The `./export` entry: the tools for building a telemetry pipeline by hand, as an edge worker or
 * a host with its own tracing does. A span factory (`createTracer`) with samplers and limits, the
 * Codex event instrumentation (`traceEvents`), span processors with exact accounting, the OTLP/JSON
 * encoder, the OTLP/HTTP transport and exporter, the metrics SDK (meter provider, periodic reader,
 * encoder, exporter, the Codex event metrics), the logs SDK (logger provider, processors, encoder,
 * exporter, the event-to-record instrumentation), console exporters, the runtime mTLS transports,
 * and the same configuration resolution `Telemetry.configure` uses. Applications that only run threads and turn
 * export on use the root entry.
 *
 * @example Export spans from a worker, no Codex CLI involved
 * ```ts
 * import { batchProcessor, createTracer, otlpHttpExporter } from "./export.ts";
 * const processor = batchProcessor(otlpHttpExporter({ url: "https://collector.example/v1/traces" }));
 * const tracer = createTracer({ processor });
 * tracer.startSpan("handle request", { "http.route": "/jobs" }).end();
 * await processor.forceFlush();
 * ```
 * @module
 */

// tracing
export { createTracer, traceEnvOf } from "./src/tracing/tracer.ts";
export type { TraceEnv } from "./src/telemetry/propagation.ts";
export type { Tracer, TracerOptions } from "./src/tracing/tracer.ts";
export { TRACED_EVENTS, traceEvents } from "./src/tracing/instrumentation.ts";
export type { EventTracing, EventTracingOptions } from "./src/tracing/instrumentation.ts";
export { alwaysOff, alwaysOn, DEFAULT_SAMPLER, parentBased, traceIdRatio } from "./src/tracing/sampler.ts";
export type { Sampler } from "./src/tracing/sampler.ts";
export { resolveSpanLimits, Span } from "./src/tracing/span.ts";
export type { ParentContext, ResolvedSpanLimits, SpanLimits, SpanProcessor } from "./src/tracing/span.ts";
export { newSpanId, newTraceId } from "./src/tracing/ids.ts";
export { buildResource, SDK_INFO } from "./src/tracing/resource.ts";
export { SpanKind, StatusCode } from "./src/tracing/span-record.ts";
export type { Attributes, AttributeValue, SpanKindValue, SpanRecord, StatusCodeValue } from "./src/tracing/span-record.ts";

// export
export { encodeTraces, encodeTracesBytes } from "./src/export/otlp-json.ts";
export type { EncodeOptions } from "./src/export/otlp-json.ts";
export { batchProcessor, immediateProcessor } from "./src/export/batch-processor.ts";
export type { AccountingProcessor, BatchOptions, ProcessorHooks, ProcessorStats } from "./src/export/batch-processor.ts";
export { OtlpExportError } from "./src/export/exporter.ts";
export type { ExportResult, OtlpExportErrorCode, SpanExporter } from "./src/export/exporter.ts";
export { otlpHttpTransport, sendSplit } from "./src/export/otlp-http.ts";
export type { OtlpHttpOptions, OtlpSignal, OtlpTransport } from "./src/export/otlp-http.ts";
export { otlpHttpExporter } from "./src/export/otlp-http-exporter.ts";
export type { OtlpHttpExporterOptions } from "./src/export/otlp-http-exporter.ts";
export { memoryExporter } from "./src/sdk/memory-exporter.ts";
export type { MemoryExporter, MemoryExporterOptions } from "./src/sdk/memory-exporter.ts";
export { tlsFetch } from "./src/runtime/tls-fetch.ts";
export type { FetchLike, TlsOptions } from "./src/base/fetch.ts";

// metrics
export { createMeterProvider, DEFAULT_BOUNDARIES, MetricsError, OVERFLOW_ATTRIBUTE } from "./src/metrics/meter.ts";
export type { MeterProvider, MeterProviderOptions, MetricsErrorCode } from "./src/metrics/meter.ts";
export { periodicReader } from "./src/metrics/reader.ts";
export type { MetricReader, PeriodicReaderOptions } from "./src/metrics/reader.ts";
export { encodeMetrics, encodeMetricsBytes } from "./src/metrics/otlp-json.ts";
export { otlpHttpMetricExporter } from "./src/metrics/exporter.ts";
export type { MetricExporter, OtlpHttpMetricExporterOptions } from "./src/metrics/exporter.ts";
export { METERED_EVENTS, meterEvents } from "./src/metrics/instrumentation.ts";
export type { EventMetrics, EventMetricsOptions } from "./src/metrics/instrumentation.ts";
export { countPoints } from "./src/metrics/data.ts";

// logs
export { createLoggerProvider } from "./src/logs/logger.ts";
export type { LoggerProvider, LoggerProviderOptions, LogLimits } from "./src/logs/logger.ts";
export { batchLogProcessor, immediateLogProcessor } from "./src/logs/processor.ts";
export type { LogProcessor } from "./src/logs/processor.ts";
export { encodeLogs, encodeLogsBytes } from "./src/logs/otlp-json.ts";
export { otlpHttpLogExporter } from "./src/logs/exporter.ts";
export type { LogExporter, OtlpHttpLogExporterOptions } from "./src/logs/exporter.ts";
export { logEvents, severityOf } from "./src/logs/instrumentation.ts";
export type { EventSeverity, LogEvents, LogEventsOptions } from "./src/logs/instrumentation.ts";
export type { EventSpanContext } from "./src/tracing/instrumentation.ts";
export { batchQueue, immediateQueue } from "./src/export/batch-processor.ts";
export type { BatchExporter, BatchQueue } from "./src/export/batch-processor.ts";
export { consoleExporter } from "./src/sdk/console.ts";
export type { LineSink } from "./src/sdk/console.ts";
export type { AnyExporter } from "./src/sdk/pipeline.ts";

// configuration
export { resolveConfig, signalUrl } from "./src/config/config.ts";
export type { ResolvedConfig, SignalConfig, TelemetryOptions } from "./src/config/config.ts";
