/**
 * An observability-first SDK for the Codex CLI: runs threads through `codex exec --json` on Node,
 * Bun and Deno, turns every thread, turn, item, tool call and approval into telemetry events and
 * spans, and exports them as OTLP/JSON with `fetch`. This entry point is edge-safe: it imports no
 * runtime module and bundles for browsers and workers.
 *
 * @example Count thread stops
 * ```ts
 * import { attach, detach, emit, Events } from "./mod.ts";
 * let stops = 0;
 * attach("count", Events.threadStop, () => { stops++; });
 * emit(Events.threadStop, { duration_ms: 1 }, { thread_id: "t1" });
 * detach("count");
 * ```
 * @module
 */

// telemetry
export { Events, EVENT_NAMES } from "./src/telemetry/events.ts";
export type { EventName, Handler, Measurements, Metadata, Usage } from "./src/telemetry/events.ts";
export {
  attach,
  attachMany,
  describeError,
  detach,
  emit,
  hasHandlers,
  listHandlers,
  mergeMetadata,
  setWarningSink,
  startSpan,
  TelemetryError,
} from "./src/telemetry/bus.ts";
export type { SpanHandle, SpanOptions } from "./src/telemetry/bus.ts";
export { attachDefaultLogger, detachDefaultLogger, formatText } from "./src/telemetry/logger.ts";
export type { LoggerOptions, LogLevel } from "./src/telemetry/logger.ts";
export { isCredentialKey, REDACTED, redactMetadata } from "./src/telemetry/redact.ts";
export { epochNanos } from "./src/telemetry/clock.ts";
export { registerTraceEnv, releaseTraceEnv, traceEnvFor } from "./src/telemetry/propagation.ts";
export type { TraceEnv } from "./src/telemetry/propagation.ts";
export { SpanKind, StatusCode } from "./src/tracing/span-record.ts";
export type {
  AttributeValue,
  Attributes,
  SpanEventRecord,
  SpanKindValue,
  SpanLinkRecord,
  SpanRecord,
  StatusCodeValue,
} from "./src/tracing/span-record.ts";

// ---- thread runner (src/codex, src/runtime, src/jsonl, src/files) ----
export { Codex } from "./src/codex/codex.ts";
export { Thread } from "./src/codex/thread.ts";
export { CodexExecError } from "./src/base/errors.ts";
export type { CodexExecErrorCode, CodexExecErrorDetails } from "./src/base/errors.ts";
export { buildArgv, buildEnv, flattenConfig } from "./src/codex/args.ts";
export type { ExecArgs } from "./src/codex/args.ts";
export type {
  ApprovalDecision,
  ApprovalHandler,
  ApprovalMode,
  ApprovalRequest,
  CodexConfigObject,
  CodexConfigValue,
  CodexOptions,
  Input,
  ModelReasoningEffort,
  RunMetadata,
  RunResult,
  RunStatus,
  RunStreamedResult,
  SandboxMode,
  ThreadOptions,
  TurnOptions,
  UserInput,
  WebSearchMode,
} from "./src/codex/options.ts";
export { isKnownEvent, KNOWN_EVENT_TYPES, normalizeEventType } from "./src/codex/events.ts";
export type {
  CompactionInfo,
  FinalResponse,
  ItemCompletedEvent,
  ItemDeltaEvent,
  ItemStartedEvent,
  ItemUpdatedEvent,
  KnownThreadEvent,
  ThreadErrorEvent,
  ThreadEvent,
  ThreadStartedEvent,
  TokenUsageUpdatedEvent,
  ToolCallRequiredEvent,
  TurnCompactionEvent,
  TurnCompletedEvent,
  TurnContinuationEvent,
  TurnDiffUpdatedEvent,
  TurnFailedEvent,
  TurnStartedEvent,
  TurnStatus,
  UnknownEvent,
} from "./src/codex/events.ts";
export { isKnownItem, KNOWN_ITEM_TYPES } from "./src/codex/items.ts";
export type {
  AgentMessageItem,
  CommandExecutionItem,
  CommandExecutionStatus,
  ErrorItem,
  FileChangeItem,
  FileUpdateChange,
  KnownThreadItem,
  McpToolCallItem,
  PatchChangeKind,
  ReasoningItem,
  ThreadItem,
  TodoItem,
  TodoListItem,
  UnknownItem,
  WebSearchItem,
} from "./src/codex/items.ts";
export { createJsonlDecoder, decodeJsonl, MalformedLine } from "./src/jsonl/decoder.ts";
export type { JsonlDecoder, JsonlDecoderOptions, JsonlRecord } from "./src/jsonl/decoder.ts";
export { detectSpawner, runtimeName } from "./src/runtime/detect.ts";
export type { ExitStatus, ProcessStdin, SpawnedProcess, Spawner, SpawnOptions } from "./src/runtime/spawner.ts";
export { Files, sanitizeFileName } from "./src/files/files.ts";
export type { FilesBucket, FilesMetrics, FilesOptions, StagedFile, StageOptions } from "./src/files/files.ts";

// ---- tracing and export (src/tracing, src/export, src/config) ----
export { configure, currentTelemetry } from "./src/sdk/configure.ts";
export { Telemetry } from "./src/sdk/telemetry.ts";
export type { TelemetryHandle, TelemetryStatus } from "./src/sdk/configure.ts";
export { ConfigError, displayEndpoint, parseHeaders, resolveConfig, tracesUrl } from "./src/config/config.ts";
export type { ConfigErrorCode, ResolvedConfig, TelemetryOptions } from "./src/config/config.ts";
export type { TlsOptions } from "./src/base/fetch.ts";
export { createTracer, traceEnvOf } from "./src/tracing/tracer.ts";
export type { Tracer, TracerOptions } from "./src/tracing/tracer.ts";
export { TRACED_EVENTS, traceEvents } from "./src/tracing/instrumentation.ts";
export { alwaysOff, alwaysOn, DEFAULT_SAMPLER, parentBased, samplerFromEnv, traceIdRatio } from "./src/tracing/sampler.ts";
export type { Sampler } from "./src/tracing/sampler.ts";
export type { EventTracing, EventTracingOptions } from "./src/tracing/instrumentation.ts";
export { resolveSpanLimits, Span } from "./src/tracing/span.ts";
export type { ParentContext, ResolvedSpanLimits, SpanLimits, SpanProcessor } from "./src/tracing/span.ts";
export { newSpanId, newTraceId } from "./src/tracing/ids.ts";
export { buildResource, parseResourceAttributes, SDK_INFO } from "./src/tracing/resource.ts";
export { encodeAttributes, encodeTraces, encodeTracesBytes, jsonString } from "./src/export/otlp-json.ts";
export type { EncodeOptions } from "./src/export/otlp-json.ts";
export { batchProcessor, immediateProcessor } from "./src/export/batch-processor.ts";
export type { AccountingProcessor, BatchOptions, ProcessorHooks, ProcessorStats } from "./src/export/batch-processor.ts";
export { OtlpExportError } from "./src/export/exporter.ts";
export type { ExportResult, OtlpExportErrorCode, SpanExporter } from "./src/export/exporter.ts";
export { otlpHttpExporter, parseRetryAfter } from "./src/export/otlp-http-exporter.ts";
export type { OtlpHttpExporterOptions } from "./src/export/otlp-http-exporter.ts";
export type { FetchLike } from "./src/base/fetch.ts";
export { memoryExporter } from "./src/export/memory-exporter.ts";
export type { MemoryExporter, MemoryExporterOptions } from "./src/export/memory-exporter.ts";
export { tlsFetch } from "./src/runtime/tls-fetch.ts";
export type { TlsFiles } from "./src/base/fetch.ts";
export { runtimeEnv, runtimeInfo } from "./src/runtime/env.ts";

// ---- debug feed core (src/debug/feed.ts; the Hono route is the ./hono entry) ----
export { createDebugFeed } from "./src/debug/feed.ts";
export type {
  DebugBatch,
  DebugEntry,
  DebugEventEntry,
  DebugFeed,
  DebugFeedOptions,
  DebugFeedStats,
  DebugRedactOptions,
  DebugSnapshot,
  DebugSpanEntry,
  DebugSpanJson,
  DebugSubscription,
  JsonValue,
  DebugNextOptions,
  DebugSnapshotOptions,
  DebugSubscribeOptions,
} from "./src/debug/feed.ts";
