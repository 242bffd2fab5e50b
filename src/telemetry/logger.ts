/**
 * The default logger: one line per thread start / stop / exception (optionally turns and items),
 * as `text` or one JSON object per line. Prompts are redacted unless `traceSensitive`.
 * @module
 */
import { attach, detach } from "./bus.ts";
import { Events } from "./events.ts";
import type { Measurements, Metadata } from "./events.ts";
import { redactMetadata, scrubCredentials } from "./redact.ts";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@link attachDefaultLogger}. */
export interface LoggerOptions {
  /** Lowest level written. @default "info" */
  level?: LogLevel;
  /** `text` lines or one JSON object per line. @default "text" */
  format?: "text" | "json";
  /** Where lines go. @default console (`console.error` for error, `console.log` otherwise) */
  sink?: (line: string, level: LogLevel) => void;
  /** Also log turns and items (at debug level) and warnings. @default false */
  verbose?: boolean;
  /** Log prompts in clear. @default false */
  traceSensitive?: boolean;
  /** Handler id, to detach later. @default "codex-default-logger" */
  id?: string;
}

const THREAD_EVENTS = [Events.threadStart, Events.threadStop, Events.threadException];
const VERBOSE_EVENTS = [
  Events.turnStart,
  Events.turnStop,
  Events.turnException,
  Events.itemStart,
  Events.itemStop,
  Events.itemException,
  Events.toolStart,
  Events.toolSuccess,
  Events.toolFailure,
  Events.approvalRequested,
  Events.approvalApproved,
  Events.approvalDenied,
  Events.approvalTimeout,
  Events.warning,
  Events.jsonlMalformed,
  Events.exporterFailed,
  Events.exporterDropped,
];

function levelOf(name: string): LogLevel {
  if (name.endsWith(".exception") || name.endsWith(".failure")) return "error";
  if (name === Events.warning || name === Events.jsonlMalformed || name.startsWith("codex.exporter.")) {
    return "warn";
  }
  if (name.startsWith("codex.thread.")) return "info";
  return "debug";
}

function defaultSink(line: string, level: LogLevel): void {
  if (level === "error") console.error(line);
  else console.log(line);
}

// Keys shown first in text lines, in this order; the rest follow alphabetically.
const FIRST = ["duration_ms", "thread_id", "turn_id", "item_type", "result", "status", "exit_code", "pid"];
const SKIP_TEXT = new Set(["originator", "span_token", "parent_token", "system_time", "duration"]);

// Credentials inside text (an error message, a stderr tail) are not caught by their key: the
// logger's output goes through scrubCredentials, each string of a JSON line, a text line whole.
// formatText itself does not scrub (the log records remove prompt copies from its line first).
const shown = (_k: string, x: unknown): unknown =>
  typeof x === "bigint" ? x.toString() : typeof x === "string" ? scrubCredentials(x) : x;

function textValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (typeof v === "number") return String(Math.round(v * 100) / 100);
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x);
}

/**
 * Formats an event as one text line: `[codex] thread stop duration_ms=12 thread_id=… result=ok`.
 *
 * @param name Event name.
 * @param measurements Measurements.
 * @param metadata Metadata (already redacted).
 * @returns The line.
 */
export function formatText(name: string, measurements: Measurements, metadata: Metadata): string {
  const fields: Record<string, unknown> = {};
  if (measurements.duration_ms !== undefined) fields.duration_ms = measurements.duration_ms;
  for (const k in metadata) if (metadata[k] !== undefined) fields[k] = metadata[k];
  for (const k in measurements) {
    if (k !== "duration_ms" && measurements[k] !== undefined) fields[k] = measurements[k];
  }
  let line = `[codex] ${(name.startsWith("codex.") ? name.slice(6) : name).replaceAll(".", " ")}`;
  for (const k of FIRST) if (fields[k] !== undefined) line += ` ${k}=${textValue(fields[k])}`;
  const rest: string[] = [];
  for (const k in fields) if (!SKIP_TEXT.has(k) && !FIRST.includes(k)) rest.push(k);
  rest.sort();
  for (const k of rest) line += ` ${k}=${textValue(fields[k])}`;
  return line;
}

/**
 * Attaches the default logger.
 *
 * @param options Level, format, sink.
 * @returns The handler id; pass it to `detach` to stop logging.
 * @throws {TelemetryError} When a logger with the same `id` is already attached.
 * @example JSON lines into an array
 * ```ts
 * import { attachDefaultLogger, detach } from "../../mod.ts";
 * const lines: string[] = [];
 * const id = attachDefaultLogger({ format: "json", sink: (line) => lines.push(line) });
 * detach(id);
 * ```
 */
export function attachDefaultLogger(options: LoggerOptions = {}): string {
  const id = options.id ?? "codex-default-logger";
  const min = LEVELS[options.level ?? "info"];
  const sink = options.sink ?? defaultSink;
  const json = options.format === "json";
  const sensitive = options.traceSensitive === true;
  const events = options.verbose ? [...THREAD_EVENTS, ...VERBOSE_EVENTS] : THREAD_EVENTS;
  attach(id, events, (name, measurements, metadata) => {
    const level = levelOf(name);
    if (LEVELS[level] < min) return;
    const meta = redactMetadata(metadata, sensitive);
    if (json) {
      const record: Record<string, unknown> = {
        level,
        event: name,
        time: measurements.system_time !== undefined
          ? new Date(Number(measurements.system_time / 1_000_000n)).toISOString()
          : new Date().toISOString(),
      };
      if (measurements.duration_ms !== undefined) record.duration_ms = measurements.duration_ms;
      for (const k in measurements) {
        if (k !== "system_time" && k !== "duration_ms") record[k] = measurements[k];
      }
      Object.assign(record, meta);
      sink(JSON.stringify(record, shown), level);
    } else {
      sink(scrubCredentials(formatText(name, measurements, meta)), level);
    }
  });
  return id;
}

/**
 * Detaches the default logger.
 *
 * @param id The id returned by {@link attachDefaultLogger}.
 * @returns `true` if it was attached.
 */
export function detachDefaultLogger(id = "codex-default-logger"): boolean {
  return detach(id);
}
