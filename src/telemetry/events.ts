/**
 * The telemetry event catalogue: every event name the SDK emits, as typed constants, with the
 * measurement and metadata shapes each one carries.
 * @module
 */

/**
 * Every telemetry event the SDK emits. Names are dotted strings; start/stop/exception triples
 * share a prefix (`codex.thread`), which is what {@link startSpan} takes.
 *
 * @example Attach to a thread stop
 * ```ts
 * import { attach, Events } from "../../mod.ts";
 * attach("my-handler", Events.threadStop, (_name, m) => console.log(m.duration_ms));
 * ```
 */
export const Events = {
  threadStart: "codex.thread.start",
  threadStop: "codex.thread.stop",
  threadException: "codex.thread.exception",
  turnStart: "codex.turn.start",
  turnStop: "codex.turn.stop",
  turnException: "codex.turn.exception",
  itemStart: "codex.item.start",
  itemUpdate: "codex.item.update",
  itemStop: "codex.item.stop",
  itemException: "codex.item.exception",
  toolStart: "codex.tool.start",
  toolSuccess: "codex.tool.success",
  toolFailure: "codex.tool.failure",
  approvalRequested: "codex.approval.requested",
  approvalApproved: "codex.approval.approved",
  approvalDenied: "codex.approval.denied",
  approvalTimeout: "codex.approval.timeout",
  tokenUsageUpdated: "codex.thread.token_usage.updated",
  diffUpdated: "codex.turn.diff.updated",
  compactionStarted: "codex.turn.compaction.started",
  compactionCompleted: "codex.turn.compaction.completed",
  compactionFailed: "codex.turn.compaction.failed",
  attachmentStaged: "codex.attachment.staged",
  attachmentCleaned: "codex.attachment.cleaned",
  exporterDropped: "codex.exporter.dropped",
  exporterFailed: "codex.exporter.failed",
  /** A stdout line that was not JSON: carries the raw line; the run goes on. */
  jsonlMalformed: "codex.jsonl.malformed",
  /** An event type this SDK does not know: carried whole. */
  eventUnknown: "codex.event.unknown",
  /** A non-fatal problem (an `error` event followed by a completed turn, a handler that threw...). */
  warning: "codex.warning",
  /** The CLI process was spawned: carries `pid` (the thread start precedes the spawn so that trace context can be handed to the CLI). */
  threadSpawned: "codex.thread.spawned",
  /** A span finished (emitted by the tracer; `metadata.span` is the `SpanRecord`). The debug feed listens to it. */
  spanFinished: "codex.span.finished",
} as const;

/** Any event name in the catalogue. */
export type EventName = typeof Events[keyof typeof Events];

/** All catalogue names, in declaration order. */
export const EVENT_NAMES: readonly EventName[] = Object.freeze(Object.values(Events));

/** Token usage as the CLI reports it (0.169 `turn.completed.usage`). */
export interface Usage {
  /** Prompt tokens, cached ones included. */
  input_tokens: number;
  /** Prompt tokens served from cache. */
  cached_input_tokens: number;
  /** Completion tokens, reasoning included. */
  output_tokens: number;
  /** Reasoning tokens. */
  reasoning_output_tokens?: number;
  /** Tokens written to the cache. */
  cache_write_input_tokens?: number;
  /** Total, where the producer reports it. */
  total_tokens?: number;
}

/**
 * Measurements: numbers, plus `system_time` as exact epoch nanoseconds (a `bigint`).
 * `duration` is monotonic **nanoseconds as a number** (exact below 2^53 ns ≈ 104 days);
 * `duration_ms` is the same in milliseconds.
 */
export interface Measurements {
  /** Epoch nanoseconds when the event happened (exact). Set on every SDK event. */
  system_time?: bigint;
  /** Monotonic nanoseconds since the matching start (stop/exception/finish events). */
  duration?: number;
  /** `duration` in milliseconds. */
  duration_ms?: number;
  /** Any other numeric measurement. */
  [key: string]: number | bigint | undefined;
}

/** Metadata common to every SDK event; events add their own keys (SPEC §2 catalogue). */
export interface Metadata {
  /** Who started the work: `"sdk"` unless the caller set one. */
  originator?: string;
  /** Pairs a start with its stop/exception. */
  span_token?: string;
  /** The span token of the enclosing start (thread for a turn, turn for an item). */
  parent_token?: string;
  /** Codex thread id, once known. */
  thread_id?: string;
  /** Turn id, once known (synthesized by the SDK when the CLI sends none). */
  turn_id?: string;
  /** Caller-supplied source label. */
  source?: string;
  /** Any other metadata. */
  [key: string]: unknown;
}

/**
 * A handler: called synchronously with the event name, its measurements, its metadata and the
 * `config` given to {@link attach}. A handler that throws is detached with a warning.
 */
export type Handler<C = unknown> = (
  name: string,
  measurements: Readonly<Measurements>,
  metadata: Readonly<Metadata>,
  config: C,
) => void;
