/**
 * The Codex event instrumentation: a bus handler that turns the event catalogue into a span tree on
 * a {@link Tracer} (span names and attributes: docs/TRACING-AND-EXPORT.md).
 * @module
 */
// Spans are correlated by `span_token`, parented by `parent_token` (the thread span by the host's
// active span, read through the API's global: `trace-context.ts`; across `await`s that needs the
// host's context manager), timed by `measurements.system_time`. `Telemetry.configure` attaches
// one; a host that builds its own pipeline calls `traceEvents(tracer).attach()`.
import { eventTime } from "../telemetry/clock.ts";
import { attach, detach } from "../telemetry/bus.ts";
import type { EventName, Measurements, Metadata } from "../telemetry/events.ts";
import { registerTraceEnv, releaseTraceEnv } from "../telemetry/propagation.ts";
import type { ParentContext, Span } from "./span.ts";
import { activeHostSpanContext } from "./trace-context.ts";
import { StatusCode } from "./span-record.ts";
import { traceEnvOf } from "./tracer.ts";
import type { Tracer } from "./tracer.ts";

/** Options of {@link traceEvents}. */
export interface EventTracingOptions {
  /** Bus handler id. @default "codex-tracer" */
  handlerId?: string;
}

/** The span an event belongs to, as a log record carries it. */
export interface EventSpanContext {
  /** 32 hex chars. */
  traceId: string;
  /** 16 hex chars. */
  spanId: string;
  /** W3C trace flags (low 8 bits). */
  flags: number;
}

/** The Codex event instrumentation of one tracer. */
export interface EventTracing {
  /** Attaches to the telemetry bus (idempotent). */
  attach(): void;
  /** Detaches from the bus and ends nothing (open spans stay open until {@link EventTracing.endAll}). */
  detach(): void;
  /**
   * Ends every span opened from events and not yet ended, with a `codex.aborted` attribute (used
   * by shutdown).
   *
   * @param reason The attribute's value.
   */
  endAll(reason: string): void;
  /** Number of spans opened from events and not yet ended. */
  readonly openSpans: number;
  /**
   * The span an event belongs to (for log records): the span of `metadata.span_token` (open, or
   * ended by this very stop event), else the one of `metadata.parent_token` (events without a span
   * of their own: token usage, diffs, warnings). `undefined` for untraced work (a
   * `tracingDisabled` thread and what runs under it) and tokens it never saw.
   *
   * Bus handlers run in attach order, so a handler that asks may run before or after this one.
   * On a stop event either order answers the ended span (ended spans are remembered for a while).
   * On a start event that this instrumentation has not handled yet, pass the event's `name` and
   * `measurements`: the span is started then (exactly as its own handler would, which then skips
   * that start), so both orders give the same spans and the same answer.
   *
   * @param metadata The event's metadata.
   * @param name The event's name.
   * @param measurements The event's measurements.
   * @returns The span's ids and flags, or `undefined`.
   */
  spanContextOf(
    metadata: Readonly<Metadata>,
    name?: string,
    measurements?: Readonly<Measurements>,
  ): EventSpanContext | undefined;
}

const TURN_ERRORS = new Set(["failed", "error", "timeout", "aborted"]);

function hostParent(): ParentContext | undefined {
  const sc = activeHostSpanContext();
  return sc && {
    traceId: sc.traceId,
    spanId: sc.spanId,
    traceFlags: sc.traceFlags,
    traceState: sc.traceState?.serialize() || undefined,
    isRemote: sc.isRemote,
  };
}


function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Copies string metadata fields onto span attributes (`[attribute, metadata key]` pairs). */
function copyStr(span: Span, md: Readonly<Metadata>, pairs: readonly (readonly [string, string])[]): void {
  for (const [attr, key] of pairs) span.setAttribute(attr, str(md[key]));
}

// With the ids, the model the server resolved (app-server reports it; exec does not).
const THREAD_IDS = [
  ["codex.thread.id", "thread_id"],
  ["gen_ai.conversation.id", "thread_id"],
  ["gen_ai.response.model", "response_model"],
] as const;
const TURN_IDS = [...THREAD_IDS, ["codex.turn.id", "turn_id"]] as const;
// Attributes every span of the event flow carries when its events' metadata has them.
const COMMON = [
  ["codex.originator", "originator"],
  ["codex.source", "source"],
  ["codex.workflow", "workflow"],
  ["codex.group", "group"],
] as const;
const USAGE = [
  ["gen_ai.usage.input_tokens", "input_tokens"],
  ["gen_ai.usage.output_tokens", "output_tokens"],
  ["gen_ai.usage.cache_read.input_tokens", "cached_input_tokens"],
  ["gen_ai.usage.reasoning.output_tokens", "reasoning_output_tokens"],
  ["gen_ai.usage.cache_creation.input_tokens", "cache_write_input_tokens"],
] as const;

function usageAttributes(span: Span, usage: unknown): void {
  if (usage === null || typeof usage !== "object") return;
  const u = usage as Record<string, unknown>;
  for (const [attr, key] of USAGE) span.setAttribute(attr, num(u[key]));
}

function errorOf(md: Readonly<Metadata>): { kind: string; message: string } | undefined {
  const e = md.error as { kind?: unknown; message?: unknown; name?: unknown } | string | undefined | null;
  if (e === undefined || e === null) return undefined;
  if (typeof e === "string") return { kind: "Error", message: e };
  const kind = typeof e.kind === "string" ? e.kind : typeof e.name === "string" ? e.name : "Error";
  return { kind, message: typeof e.message === "string" ? e.message : String(e.message ?? kind) };
}

/**
 * Marks a span failed from an end event: status ERROR with the metadata's error message (or
 * `fallback`), and an `exception` event when `exception` is set and the metadata carries an error.
 */
function fail(span: Span, md: Readonly<Metadata>, fallback: string, t: bigint | undefined, exception: boolean): void {
  const err = errorOf(md);
  span.setStatus(StatusCode.ERROR, err?.message ?? fallback);
  if (exception && err) span.recordException(err, t);
}

/** A span type: how its start event names and describes it. */
interface StartRule {
  /** `codex.span.type`, the span's first attribute. */
  type: string;
  /** Span name and the other start attributes. */
  start(span: Span, md: Readonly<Metadata>): void;
}

// Event names are written as literals typed `EventName` (a typo does not compile) rather than
// read from the `Events` object: a bundler cannot inline object properties, so `Events.x` would
// put the whole catalogue into every bundle that uses the instrumentation.
// The start event of each span type. Names are set after construction (GenAI names that depend
// on the metadata), attributes in the order the OTLP output has always had them.
const STARTS: { [event in EventName]?: StartRule } = {
  "codex.thread.start": {
    type: "thread",
    start(span, md) {
      span.name = "invoke_agent codex";
      span.setAttribute("gen_ai.operation.name", "invoke_agent");
      span.setAttribute("gen_ai.provider.name", "openai");
      span.setAttribute("gen_ai.agent.name", "codex");
      copyStr(span, md, [["gen_ai.request.model", "model"], ...THREAD_IDS]);
      span.setAttribute("codex.thread.resume", md.resume === true ? true : undefined);
      span.setAttribute("codex.sandbox_mode", str(md.sandbox_mode));
      if (md.traceSensitive === true && typeof md.input === "string") span.setAttribute("codex.input", md.input);
    },
  },
  "codex.turn.start": {
    type: "turn",
    start(span, md) {
      span.name = "codex.turn";
      copyStr(span, md, TURN_IDS);
    },
  },
  "codex.item.start": {
    type: "item",
    start(span, md) {
      const type = str(md.item_type) ?? "unknown";
      span.name = `codex.item ${type}`;
      copyStr(span, md, [["codex.item.id", "item_id"]]);
      span.setAttribute("codex.item.type", type);
      copyStr(span, md, [["codex.mcp.server", "server"], ["gen_ai.tool.name", "tool"]]);
    },
  },
  "codex.tool.start": {
    type: "tool",
    start(span, md) {
      const tool = str(md.tool) ?? "unknown";
      span.name = `execute_tool ${tool}`;
      span.setAttribute("gen_ai.operation.name", "execute_tool");
      span.setAttribute("gen_ai.tool.name", tool);
      copyStr(span, md, [["gen_ai.tool.call.id", "call_id"]]);
      span.setAttribute("codex.tool.attempt", num(md.attempt));
      copyStr(span, md, [["codex.item.type", "item_type"]]);
    },
  },
  "codex.approval.requested": {
    type: "approval",
    start(span, md) {
      span.name = "codex.approval";
      copyStr(span, md, [["gen_ai.tool.name", "tool"], ["gen_ai.tool.call.id", "call_id"]]);
    },
  },
  "codex.turn.compaction.started": {
    type: "compaction",
    start(span) {
      span.name = "codex.turn.compaction";
    },
  },
};

type EndRule = (span: Span, md: Readonly<Metadata>, m: Readonly<Measurements>, t: bigint | undefined) => void;

const threadEnd = (exception: boolean): EndRule => (span, md, _m, t) => {
  copyStr(span, md, THREAD_IDS);
  span.setAttribute("codex.pid", num(md.pid));
  span.setAttribute("codex.exit_code", num(md.exit_code));
  span.setAttribute("codex.signal", str(md.signal));
  const result = str(md.result) ?? (exception ? "error" : undefined);
  span.setAttribute("codex.thread.result", result);
  usageAttributes(span, md.usage);
  if (result === "error" && !exception) fail(span, md, "thread failed", t, true);
};

const turnEnd = (exception: boolean): EndRule => (span, md, _m, t) => {
  copyStr(span, md, TURN_IDS);
  const status = str(md.status);
  span.setAttribute("codex.turn.status", status);
  usageAttributes(span, md.usage);
  // early_exit is the agent stopping on its own (the run resolves): recorded, not an error.
  if (!exception && status !== undefined && TURN_ERRORS.has(status)) fail(span, md, `turn ${status}`, t, true);
};

const itemEnd = (exception: boolean): EndRule => (span, md) => {
  const status = str(md.status);
  span.setAttribute("codex.item.status", status);
  span.setAttribute("codex.exit_code", num(md.exit_code));
  if (!exception && status === "failed") fail(span, md, "item failed", undefined, false);
};

const toolEnd = (failure: boolean): EndRule => (span, md, _m, t) => {
  span.setAttribute("codex.tool.result", str(md.result) ?? (failure ? "error" : "ok"));
  span.setAttribute("codex.exit_code", num(md.exit_code));
  if (failure) fail(span, md, "tool failed", t, true);
};

const approvalEnd = (decision: string): EndRule => (span, md) => {
  span.setAttribute("codex.approval.decision", decision);
  // app-server also says the protocol answer sent (accept, acceptForSession, decline, cancel) and the policy.
  copyStr(span, md, [
    ["codex.approval.source", "source"],
    ["codex.approval.reason", "reason"],
    ["codex.approval.answer", "answer"],
    ["codex.approval.policy", "policy"],
  ]);
};

const compactionEnd = (failure: boolean): EndRule => (span, md, m) => {
  span.setAttribute("codex.compaction.token_savings", num(m.token_savings));
  if (failure) fail(span, md, "compaction failed", undefined, false);
};

// The end events. `*.exception` events also get status ERROR and an `exception` event before
// their rule runs (in the handler).
const ENDS: { [event in EventName]?: EndRule } = {
  "codex.thread.stop": threadEnd(false),
  "codex.thread.exception": threadEnd(true),
  "codex.turn.stop": turnEnd(false),
  "codex.turn.exception": turnEnd(true),
  "codex.item.stop": itemEnd(false),
  "codex.item.exception": itemEnd(true),
  "codex.tool.success": toolEnd(false),
  "codex.tool.failure": toolEnd(true),
  "codex.approval.approved": approvalEnd("approved"),
  "codex.approval.denied": approvalEnd("denied"),
  "codex.approval.timeout": approvalEnd("timeout"),
  "codex.turn.compaction.completed": compactionEnd(false),
  "codex.turn.compaction.failed": compactionEnd(true),
};

/** Every event the tracer listens to: the start and end events of its span types, and two updates. */
export const TRACED_EVENTS: readonly string[] = [
  ...Object.keys(STARTS),
  ...Object.keys(ENDS),
  "codex.thread.spawned" satisfies EventName,
  "codex.item.update" satisfies EventName,
];

interface Open {
  span: Span;
  thread: boolean;
}

// Ended spans remembered for spanContextOf: a stop event's other handlers ask within the same
// dispatch, and a few late events may still name a parent that just ended.
const RECENTLY_ENDED = 256;

const contextOf = (span: Span): EventSpanContext => ({ traceId: span.traceId, spanId: span.spanId, flags: span.flags & 0xff });

/**
 * Builds spans on `tracer` from the SDK's telemetry events (call `attach()` to start).
 *
 * @param tracer The tracer the spans are started on.
 * @param options Bus handler id.
 * @returns The instrumentation, detached.
 * @example
 * ```ts
 * import { traceEvents } from "./instrumentation.ts";
 * import { createTracer } from "./tracer.ts";
 * import { immediateProcessor } from "../export/batch-processor.ts";
 * import { memoryExporter } from "../sdk/memory-exporter.ts";
 * import { startSpan } from "../telemetry/bus.ts";
 * const mem = memoryExporter();
 * const events = traceEvents(createTracer({ processor: immediateProcessor(mem) }));
 * events.attach();
 * startSpan("codex.turn", { turn_id: "tu_1" }).stop({}, { status: "completed" });
 * events.detach();
 * console.log(mem.finished()[0].name); // "codex.turn"
 * ```
 */
export function traceEvents(tracer: Tracer, options: EventTracingOptions = {}): EventTracing {
  const handlerId = options.handlerId ?? "codex-tracer";
  const open = new Map<string, Open>();
  // Tokens of spans not traced (tracingDisabled threads and everything under them).
  const disabled = new Set<string>();
  const ended = new Map<string, EventSpanContext>();
  let attached = false;

  // Tokens are non-empty strings: a missing or malformed `parent_token` finds nothing.
  const parentOf = (md: Readonly<Metadata>): ParentContext | undefined => {
    const p = open.get(md.parent_token as string)?.span;
    return p && { traceId: p.traceId, spanId: p.spanId, traceFlags: p.flags & 0xff, traceState: p.traceState };
  };

  const handler = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>): void => {
    const token = str(md.span_token);
    if (token === undefined) return;
    const startRule = STARTS[name as EventName];
    const endRule = ENDS[name as EventName];
    if (disabled.has(token)) {
      if (endRule !== undefined) disabled.delete(token);
      return;
    }
    if (startRule !== undefined && (md.tracingDisabled === true || disabled.has(md.parent_token as string))) {
      disabled.add(token);
      return;
    }
    const t = eventTime(m);
    if (startRule !== undefined) {
      // Already started by spanContextOf (a handler that ran before this one asked).
      if (open.has(token)) return;
      const thread = startRule.type === "thread";
      const span = tracer.startSpan("", undefined, thread ? hostParent() : parentOf(md), 1, t);
      span.setAttribute("codex.span.type", startRule.type);
      startRule.start(span, md);
      copyStr(span, md, COMMON);
      open.set(token, { span, thread });
      if (thread) registerTraceEnv(token, traceEnvOf(span));
    } else if (endRule !== undefined) {
      const o = open.get(token);
      if (o === undefined) return;
      open.delete(token);
      const span = o.span;
      copyStr(span, md, COMMON);
      span.setAttribute("codex.duration_ms", num(m.duration_ms));
      if (name.endsWith(".exception")) {
        const err = errorOf(md) ?? { kind: "Error", message: "exception" };
        span.setStatus(StatusCode.ERROR, err.message);
        span.recordException(err, t);
      }
      endRule(span, md, m, t);
      span.end(t);
      if (o.thread) releaseTraceEnv(token);
      ended.set(token, contextOf(span));
      if (ended.size > RECENTLY_ENDED) ended.delete(ended.keys().next().value as string);
    } else if (name === "codex.thread.spawned") {
      open.get(token)?.span.setAttribute("codex.pid", num(md.pid));
    } else if (name === "codex.item.update") {
      open.get(token)?.span.setAttribute("codex.item.status", str(md.status));
    }
  };

  return {
    attach(): void {
      if (attached) return;
      attach(handlerId, TRACED_EVENTS, handler);
      attached = true;
    },
    detach(): void {
      if (!attached) return;
      detach(handlerId);
      attached = false;
    },
    endAll(reason: string): void {
      for (const [token, o] of [...open]) {
        open.delete(token);
        o.span.setAttribute("codex.aborted", reason);
        o.span.end();
        if (o.thread) releaseTraceEnv(token);
      }
    },
    get openSpans(): number {
      return open.size;
    },
    spanContextOf(md, name, measurements): EventSpanContext | undefined {
      const token = str(md.span_token);
      if (token !== undefined) {
        if (disabled.has(token)) return undefined;
        let o = open.get(token);
        if (o === undefined) {
          const e = ended.get(token);
          if (e !== undefined) return e;
          // A start this handler has not seen yet: it will, in this same dispatch; start it now.
          if (attached && name !== undefined && STARTS[name as EventName] !== undefined) {
            handler(name, measurements ?? {}, md);
            if (disabled.has(token)) return undefined;
            o = open.get(token);
          }
        }
        if (o !== undefined) return contextOf(o.span);
      }
      const parent = str(md.parent_token);
      if (parent === undefined || disabled.has(parent)) return undefined;
      const p = open.get(parent);
      return p !== undefined ? contextOf(p.span) : ended.get(parent);
    },
  };
}
