/**
 * Telemetry events as OTLP log records: a bus handler that turns each event into one record
 * (event name, severity from the event kind, the default logger's text line as the body,
 * measurements and redacted metadata as attributes, the trace and span it belongs to).
 * @module
 */
// Severity (OTLP severity number and text), by event:
//   ERROR (17)  `*.exception`, `*.failure`, `*.failed` (tool failure, compaction failed, exporter
//               failed); `codex.thread.stop` with result `error`; `codex.turn.stop` /
//               `codex.item.stop` with status `failed` or `error`.
//   WARN (13)   `codex.warning`, `codex.jsonl.malformed`, `*.dropped`, `*.denied`, `*.timeout`;
//               `codex.turn.stop` with status `timeout`, `aborted` or `interrupted`.
//   INFO (9)    every other event (starts, successful stops, approvals granted, updates, ...).
// Redaction: the logger's and the debug feed's (`redactMetadata`: credentials always, the prompt
// unless traceSensitive), then two more passes on every string, because a record leaves the
// process: copies of a redacted prompt elsewhere (error messages) and credential shapes in free
// text (`Bearer …`, `sk-…`, private keys: `scrubCredentials`, as the logger and the debug feed).
import { attach, detach } from "../telemetry/bus.ts";
import { EVENT_NAMES } from "../telemetry/events.ts";
import type { EventName, Measurements, Metadata } from "../telemetry/events.ts";
import { formatText } from "../telemetry/logger.ts";
import { REDACTED, redactMetadata, scrubCredentials } from "../telemetry/redact.ts";
import type { EventSpanContext } from "../tracing/instrumentation.ts";
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";
import { Severity } from "./data.ts";
import type { Logger, LoggerProvider } from "./logger.ts";

export type { EventSpanContext } from "../tracing/instrumentation.ts";

/** Options of {@link logEvents}. */
export interface LogEventsOptions {
  /**
   * The span an event belongs to (the tracer's `EventTracing.spanContextOf`): its ids and flags
   * go on the record. Where it gives none (or is not set), the record carries the host's active
   * span, if any, as the Logs SDK does for a record emitted without a context.
   */
  spanContextOf?: (
    metadata: Readonly<Metadata>,
    name: string,
    measurements: Readonly<Measurements>,
  ) => EventSpanContext | undefined;
  /**
   * Which events become records: a list of names (custom ones too) or a filter over the
   * catalogue. @default every catalogue event except `codex.span.finished`
   */
  events?: readonly string[] | ((name: string) => boolean);
  /** Keep prompts in clear (as a thread's own `traceSensitive` does). @default false */
  traceSensitive?: boolean;
  /** Bus handler id. @default "codex-log-events" */
  handlerId?: string;
}

/** The event-to-log-record instrumentation. */
export interface LogEvents {
  /** Attaches to the telemetry bus (idempotent). */
  attach(): void;
  /** Detaches from the bus. */
  detach(): void;
}

/** The severity of an event: an OTLP severity number and its text. */
export interface EventSeverity {
  /** `Severity.INFO`, `Severity.WARN` or `Severity.ERROR`. */
  number: number;
  /** `INFO`, `WARN` or `ERROR`. */
  text: "INFO" | "WARN" | "ERROR";
}

const ERROR: EventSeverity = Object.freeze({ number: Severity.ERROR, text: "ERROR" });
const WARN: EventSeverity = Object.freeze({ number: Severity.WARN, text: "WARN" });
const INFO: EventSeverity = Object.freeze({ number: Severity.INFO, text: "INFO" });

// Literals typed `EventName` rather than `Events.x`: see src/tracing/tracer.ts.
const SPAN_FINISHED: EventName = "codex.span.finished";
const EXPORTER_EVENTS = new Set<string>(["codex.exporter.dropped", "codex.exporter.failed"] satisfies EventName[]);
const ERROR_STATUS = new Set(["failed", "error"]);
const WARN_STATUS = new Set(["timeout", "aborted", "interrupted"]);

/**
 * The severity of an event, from its kind (the mapping is in this module's header).
 *
 * @param name Event name.
 * @param metadata Its metadata (stop events are graded by `result` / `status`).
 * @returns The severity.
 * @example
 * ```ts
 * import { severityOf } from "./instrumentation.ts";
 * severityOf("codex.tool.failure", {}).text; // "ERROR"
 * severityOf("codex.turn.stop", { status: "completed" }).text; // "INFO"
 * ```
 */
export function severityOf(name: string, metadata: Readonly<Metadata>): EventSeverity {
  if (name.endsWith(".exception") || name.endsWith(".failure") || name.endsWith(".failed")) return ERROR;
  if (name === "codex.thread.stop") return metadata.result === "error" ? ERROR : INFO;
  if (name === "codex.turn.stop" || name === "codex.item.stop") {
    const status = metadata.status as string;
    if (ERROR_STATUS.has(status)) return ERROR;
    return name === "codex.turn.stop" && WARN_STATUS.has(status) ? WARN : INFO;
  }
  if (
    name === "codex.warning" || name === "codex.jsonl.malformed" || name.endsWith(".dropped") ||
    name.endsWith(".denied") || name.endsWith(".timeout")
  ) return WARN;
  return INFO;
}

const PROMPT_KEYS = ["input", "prompt", "prompts"];
const MIN_PROMPT_LENGTH = 8;
const MAX_PROMPTS = 32;
// Nested metadata is flattened to dotted keys this deep; deeper values become JSON text.
const MAX_DEPTH = 4;

/**
 * Turns telemetry events into log records on `target` (call `attach()` to start).
 *
 * @param target A logger provider (records get the scope `codex-otel-sdk`) or a logger.
 * @param options Span correlation, event filter, prompts, handler id.
 * @returns The instrumentation, detached.
 * @example
 * ```ts
 * import { logEvents } from "./instrumentation.ts";
 * import { createLoggerProvider } from "./logger.ts";
 * import { immediateLogProcessor } from "./processor.ts";
 * import { emit } from "../telemetry/bus.ts";
 * const bodies: string[] = [];
 * const provider = createLoggerProvider({
 *   processor: immediateLogProcessor({
 *     kind: "array",
 *     export: (records) => {
 *       for (const r of records) bodies.push(String(r.body));
 *       return Promise.resolve({ ok: true, rejected: 0 });
 *     },
 *   }),
 * });
 * const logs = logEvents(provider);
 * logs.attach();
 * emit("codex.warning", {}, { reason: "config", message: "bad value" });
 * logs.detach();
 * await provider.forceFlush();
 * console.log(bodies[0]); // [codex] warning message="bad value" originator=sdk reason=config
 * ```
 */
export function logEvents(target: LoggerProvider | Logger, options: LogEventsOptions = {}): LogEvents {
  const logger: Logger = typeof (target as LoggerProvider).logger === "function"
    ? (target as LoggerProvider).logger("codex-otel-sdk", "0.1.0")
    : target as Logger;
  const handlerId = options.handlerId ?? "codex-log-events";
  const spanContextOf = options.spanContextOf;
  const sensitive = options.traceSensitive === true;
  const filter = options.events;
  const names: readonly string[] = Array.isArray(filter)
    ? filter
    : EVENT_NAMES.filter(typeof filter === "function" ? filter : (n) => n !== SPAN_FINISHED);
  // Prompts seen (redacted where they were given), so that copies of them elsewhere go too: the
  // last MAX_PROMPTS, and the same list longest first (a prompt containing another goes whole).
  const recent: string[] = [];
  let prompts: string[] = [];
  let attached = false;

  const scrub = (text: string): string => {
    let s = text;
    for (const p of prompts) if (s.includes(p)) s = s.replaceAll(p, REDACTED);
    return scrubCredentials(s);
  };

  const remember = (md: Readonly<Metadata>): void => {
    for (const key of PROMPT_KEYS) {
      const v = md[key];
      if (typeof v !== "string") continue;
      const p = v.trim();
      if (p.length < MIN_PROMPT_LENGTH || recent.includes(p)) continue;
      recent.push(p);
      if (recent.length > MAX_PROMPTS) recent.shift();
      prompts = [...recent].sort((a, b) => b.length - a.length);
    }
  };

  // A value inside an array (or a map below MAX_DEPTH): nested maps stay maps (AnyValue kvlist).
  const valueOf = (v: unknown, depth: number): AttributeValue | undefined => {
    switch (typeof v) {
      case "string":
        return scrub(v);
      case "number":
      case "boolean":
      case "bigint":
        return v;
      case "object": {
        if (v === null) return undefined;
        if (v instanceof Uint8Array) return v;
        if (depth >= MAX_DEPTH) return scrub(json(v));
        if (Array.isArray(v)) {
          const out: AttributeValue[] = [];
          for (const x of v) out.push(valueOf(x, depth + 1) ?? null);
          return out;
        }
        const out: Record<string, AttributeValue> = {};
        const map = v as Record<string, unknown>;
        for (const k in map) {
          const y = valueOf(map[k], depth + 1);
          if (y !== undefined) out[k] = y;
        }
        return out;
      }
      default:
        return undefined;
    }
  };

  // Top-level objects flatten to dotted keys (`usage.input_tokens`): what log backends index.
  // The metadata is redactMetadata's copy: plain data (Dates and the like already turned into
  // strings), own keys only.
  const flatten = (out: Attributes, key: string, v: unknown, depth: number): void => {
    if (depth < MAX_DEPTH && v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)) {
      const map = v as Record<string, unknown>;
      for (const k in map) flatten(out, `${key}.${k}`, map[k], depth + 1);
      return;
    }
    const value = valueOf(v, depth);
    if (value !== undefined) out[key] = value;
  };

  const handler = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>): void => {
    // The logs pipeline's own trouble is not logged through itself (a dead collector would feed
    // its failures back into the queue it cannot drain).
    if (EXPORTER_EVENTS.has(name) && md.signal === "logs") return;
    try {
      const keepPrompt = sensitive || md.traceSensitive === true || md.trace_sensitive === true;
      if (!keepPrompt) remember(md);
      const meta = redactMetadata(md, sensitive);
      const attributes: Attributes = {};
      for (const k in m) {
        const v = m[k];
        if (k !== "system_time" && v !== undefined) attributes[k] = v;
      }
      for (const k in meta) flatten(attributes, k, meta[k], 0);
      const t = m.system_time;
      const severity = severityOf(name, md);
      const ctx = spanContextOf?.(md, name, m);
      logger.emit({
        timeUnixNano: typeof t === "bigint" ? t : typeof t === "number" ? BigInt(Math.round(t)) : undefined,
        severityNumber: severity.number,
        severityText: severity.text,
        body: scrub(formatText(name, m, meta)),
        attributes,
        eventName: name,
        ...(ctx === undefined ? {} : { traceId: ctx.traceId, spanId: ctx.spanId, flags: ctx.flags }),
      });
    } catch {
      // an event that cannot be turned into a record is skipped; the bus must not detach us
    }
  };

  return {
    attach(): void {
      if (attached) return;
      attach(handlerId, names, handler);
      attached = true;
    },
    detach(): void {
      if (!attached) return;
      detach(handlerId);
      attached = false;
    },
  };
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x) ?? String(v);
  } catch {
    return String(v);
  }
}
