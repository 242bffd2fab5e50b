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
export { REDACTED, redactMetadata } from "./src/telemetry/redact.ts";
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

// ---- tracing and export (src/tracing, src/export, src/config) ----

// ---- debug feed core (src/debug/feed.ts; the Hono route is the ./hono entry) ----
