/**
 * An observability-first SDK for the Codex CLI: runs threads through `codex exec --json` (or
 * `codex app-server`) on Node, Bun and Deno, turns every thread, turn, item, tool call and approval
 * into telemetry events and spans, and exports them as OTLP/JSON with `fetch`. This entry point
 * is what applications call; the tools for building an export pipeline by hand are the `./export`
 * entry. Edge-safe: it imports no runtime module and bundles for browsers and workers.
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

// ---- running threads ----
export { Codex } from "./src/codex/codex.ts";
export { Thread } from "./src/codex/thread.ts";
export { CodexExecError } from "./src/base/errors.ts";
export type { CodexExecErrorCode, CodexExecErrorDetails } from "./src/base/errors.ts";
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
export { isKnownEvent } from "./src/codex/events.ts";
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
export { isKnownItem } from "./src/codex/items.ts";
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
export { detectSpawner } from "./src/runtime/detect.ts";
export type { ExitStatus, ProcessStdin, SpawnedProcess, Spawner, SpawnOptions } from "./src/runtime/spawner.ts";
export { Files } from "./src/files/files.ts";
export type { FilesBucket, FilesMetrics, FilesOptions, StagedFile, StageOptions } from "./src/files/files.ts";

// ---- telemetry events ----
export { Events, EVENT_NAMES } from "./src/telemetry/events.ts";
export type { EventName, Handler, Measurements, Metadata, Usage } from "./src/telemetry/events.ts";
export { attach, attachMany, detach, emit, hasHandlers, listHandlers, setWarningSink, startSpan, TelemetryError } from "./src/telemetry/bus.ts";
export type { SpanHandle, SpanOptions } from "./src/telemetry/bus.ts";
export { attachDefaultLogger, detachDefaultLogger } from "./src/telemetry/logger.ts";
export type { LoggerOptions, LogLevel } from "./src/telemetry/logger.ts";
export { REDACTED, redactMetadata } from "./src/telemetry/redact.ts";

// ---- the pipeline: configure, status, local verification ----
export { configure, currentTelemetry } from "./src/sdk/configure.ts";
export { Telemetry } from "./src/sdk/telemetry.ts";
export type { SignalStatus, TelemetryHandle, TelemetryStatus } from "./src/sdk/configure.ts";
export { ConfigError } from "./src/config/config.ts";
export type {
  ConfigErrorCode,
  LogsOptions,
  MetricsOptions,
  ResolvedConfig,
  ResolvedLogs,
  ResolvedMetrics,
  SignalConfig,
  SignalExporterName,
  TelemetryOptions,
} from "./src/config/config.ts";
export { memoryExporter } from "./src/sdk/memory-exporter.ts";
export type { MemoryExporter, MemoryExporterOptions, MemoryMetric } from "./src/sdk/memory-exporter.ts";

// ---- host metrics: instruments that follow the configured pipeline ----
export { meter } from "./src/sdk/host-meter.ts";
export type {
  Counter,
  Gauge,
  Histogram,
  HistogramOptions,
  InstrumentOptions,
  Meter,
  ObservableCallback,
  ObservableResult,
  UpDownCounter,
} from "./src/metrics/api.ts";
export type {
  GaugeMetric,
  HistogramMetric,
  MetricBase,
  HistogramPoint,
  MetricData,
  NumberPoint,
  ScopeMetrics,
  SumMetric,
  Temporality,
} from "./src/metrics/data.ts";
export type { TemporalityPreference } from "./src/metrics/meter.ts";
export { Severity } from "./src/logs/data.ts";
export type { LogRecordData, SeverityNumber } from "./src/logs/data.ts";
export type { Logger, LogRecordInput } from "./src/logs/logger.ts";
// Types the options above refer to; their values are in the ./export entry.
export type { FetchLike, TlsFiles, TlsOptions } from "./src/base/fetch.ts";
export type { BatchOptions } from "./src/export/batch-processor.ts";
export type { ExportResult, SpanExporter } from "./src/export/exporter.ts";
export type { OtlpSignal } from "./src/export/otlp-http.ts";
export type { Sampler } from "./src/tracing/sampler.ts";
export type { SpanLimits } from "./src/tracing/span.ts";
export type { Tracer } from "./src/tracing/tracer.ts";
export type { Span, ParentContext } from "./src/tracing/span.ts";
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

// ---- debug feed core (the Hono route is the ./hono entry) ----
export { createDebugFeed } from "./src/debug/feed.ts";
export type {
  DebugBatch,
  DebugEntry,
  DebugEventEntry,
  DebugFeed,
  DebugFeedOptions,
  DebugFeedStats,
  DebugNextOptions,
  DebugRedactOptions,
  DebugSnapshot,
  DebugSnapshotOptions,
  DebugSpanEntry,
  DebugRunSummary,
  DebugDurations,
  DebugSpanJson,
  DebugSubscribeOptions,
  DebugSubscription,
  JsonValue,
} from "./src/debug/feed.ts";

// ---- app-server transport (issue 12: approvals, interrupt, steer, deltas) ----
export type {
  ApprovalAnswer,
  ApprovalContext,
  ApprovalFileChange,
  ApprovalHook,
  ApprovalRequestBase,
  CommandApprovalRequest,
  FileChangeApprovalRequest,
  ToolApprovalRequest,
  TransportKind,
} from "./src/codex/options.ts";
export type { ApprovalDecidedEvent } from "./src/codex/events.ts";
