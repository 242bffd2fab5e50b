/**
 * The logger provider: `logger(name, version)` gives loggers whose `emit` completes a record
 * (observed time, time, scope, trace context of the host's active span when none is given) and
 * applies the attribute limits (`OTEL_LOGRECORD_ATTRIBUTE_*`), then hands it to the processor.
 * @module
 */
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";
import { activeHostSpanContext, isValidSpanContext } from "../tracing/trace-context.ts";
import { epochNanos } from "../telemetry/clock.ts";
import type { LogRecordData, SeverityNumber } from "./data.ts";
import type { LogProcessor, ProcessorStats } from "./processor.ts";

/** Log record limits (OpenTelemetry `OTEL_LOGRECORD_ATTRIBUTE_*`). */
export interface LogLimits {
  /** Attributes per record; more are dropped and counted. @default 128 */
  attributeCountLimit?: number;
  /** Longest string value (strings inside arrays and maps too); unset means unlimited. */
  attributeValueLengthLimit?: number;
}

/** What `emit` takes: every field optional. */
export interface LogRecordInput {
  /** When the event happened, epoch ns. @default the observed time */
  timeUnixNano?: bigint;
  /** When it was seen, epoch ns. @default now */
  observedTimeUnixNano?: bigint;
  /** Severity number, 1–24 (`Severity.INFO` …); anything else is unspecified (0). @default 0 */
  severityNumber?: SeverityNumber;
  /** Severity text (`INFO`, `WARN`, …). */
  severityText?: string;
  /** The body: a message, or structured. */
  body?: AttributeValue;
  /** Attributes (copied; `undefined` values skipped). */
  attributes?: Attributes;
  /** The event name (OTLP `event_name`). */
  eventName?: string;
  /** Trace of the span the record belongs to (32 hex). @default the host's active span's */
  traceId?: string;
  /** That span (16 hex). */
  spanId?: string;
  /** W3C trace flags of that span. */
  flags?: number;
}

/** A logger of one instrumentation scope. */
export interface Logger {
  /** Its instrumentation scope (one object per logger, shared by its records). */
  readonly scope: { readonly name: string; readonly version?: string };
  /**
   * Emits a record; never throws.
   *
   * @param record The record's fields.
   */
  emit(record: LogRecordInput): void;
}

/** Options of {@link createLoggerProvider}. */
export interface LoggerProviderOptions {
  /** Receives emitted records. */
  processor: LogProcessor;
  /** Attribute limits. */
  limits?: LogLimits;
}

/** Creates loggers sharing a processor and limits. */
export interface LoggerProvider {
  /**
   * The logger of a scope (the same object for the same name and version).
   *
   * @param name Scope name (the instrumentation library).
   * @param version Scope version.
   * @returns The logger.
   */
  logger(name: string, version?: string): Logger;
  /** Exports what is pending; never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes and shuts the processor down; later records are counted as dropped (`shutdown`). Never rejects. */
  shutdown(): Promise<void>;
  /** The processor's counters. */
  stats(): ProcessorStats;
}

function limit(v: number | undefined, d: number): number {
  return typeof v === "number" && v >= 0 && Number.isFinite(v) ? Math.floor(v) : d;
}

function truncate(value: AttributeValue, max: number, depth: number): AttributeValue {
  if (typeof value === "string") return value.length > max ? value.slice(0, max) : value;
  if (value === null || typeof value !== "object" || depth > 32) return value;
  if (value instanceof Uint8Array) return value.byteLength > max ? value.slice(0, max) : value;
  if (Array.isArray(value)) return value.map((v) => truncate(v, max, depth + 1));
  const out: Attributes = {};
  const map = value as Attributes;
  for (const k in map) setOwn(out, k, truncate(map[k], max, depth + 1));
  return out;
}

// "__proto__" would replace the prototype instead of becoming an attribute.
function setOwn(attrs: Attributes, key: string, value: AttributeValue): void {
  if (key === "__proto__") Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else attrs[key] = value;
}

/**
 * Creates a logger provider.
 *
 * @param options Processor and limits.
 * @returns The provider.
 * @example
 * ```ts
 * import { createLoggerProvider } from "./logger.ts";
 * import { immediateLogProcessor } from "./processor.ts";
 * import { Severity } from "./data.ts";
 * const provider = createLoggerProvider({
 *   processor: immediateLogProcessor({ kind: "discard", export: () => Promise.resolve({ ok: true, rejected: 0 }) }),
 *   limits: { attributeCountLimit: 16 },
 * });
 * provider.logger("my-app", "1.0.0").emit({ severityNumber: Severity.INFO, severityText: "INFO", body: "started" });
 * await provider.shutdown();
 * ```
 */
export function createLoggerProvider(options: LoggerProviderOptions): LoggerProvider {
  const processor = options.processor;
  const countLimit = limit(options.limits?.attributeCountLimit, 128);
  const lengthLimit = limit(options.limits?.attributeValueLengthLimit, Infinity);
  const loggers = new Map<string, Logger>();

  const makeLogger = (scope: { readonly name: string; readonly version?: string }): Logger => ({
    scope,
    emit(input: LogRecordInput): void {
      try {
        const observed = input.observedTimeUnixNano ?? epochNanos();
        const attributes: Attributes = {};
        let n = 0;
        let dropped = 0;
        const given = input.attributes;
        if (given !== undefined) {
          for (const key in given) {
            const v = given[key];
            if (v === undefined) continue;
            if (n >= countLimit) {
              dropped++;
              continue;
            }
            setOwn(attributes, key, lengthLimit === Infinity ? v : truncate(v, lengthLimit, 0));
            n++;
          }
        }
        const sev = input.severityNumber;
        const record: LogRecordData = {
          timeUnixNano: input.timeUnixNano ?? observed,
          observedTimeUnixNano: observed,
          severityNumber: typeof sev === "number" && Number.isInteger(sev) && sev >= 0 && sev <= 24 ? sev : 0,
          attributes,
          droppedAttributesCount: dropped,
          scope,
        };
        if (input.severityText !== undefined) record.severityText = input.severityText;
        if (input.body !== undefined) record.body = input.body;
        if (input.eventName !== undefined) record.eventName = input.eventName;
        let traceId = input.traceId;
        let spanId = input.spanId;
        let flags = input.flags;
        if (traceId === undefined && spanId === undefined) {
          // As the Logs SDK spec says: no context given means the current one (the host's active span).
          const sc = activeHostSpanContext();
          if (sc !== undefined) {
            traceId = sc.traceId;
            spanId = sc.spanId;
            flags = sc.traceFlags;
          }
        }
        // An invalid or half context would be an invalid payload: the record then has none.
        if (traceId !== undefined && spanId !== undefined && isValidSpanContext(traceId, spanId)) {
          record.traceId = traceId.toLowerCase();
          record.spanId = spanId.toLowerCase();
          record.flags = (flags ?? 0) & 0xff;
        }
        processor.onEmit(record);
      } catch {
        // a bad record must never break the host
      }
    },
  });

  return {
    logger(name: string, version?: string): Logger {
      const key = version === undefined ? name : name + "\u0000" + version;
      let logger = loggers.get(key);
      if (logger === undefined) {
        const scope = Object.freeze(version === undefined ? { name } : { name, version });
        loggers.set(key, logger = makeLogger(scope));
      }
      return logger;
    },
    async forceFlush(): Promise<void> {
      try {
        await processor.forceFlush();
      } catch {
        // never rejects
      }
    },
    async shutdown(): Promise<void> {
      try {
        await processor.shutdown();
      } catch {
        // never rejects
      }
    },
    stats(): ProcessorStats {
      return processor.stats();
    },
  };
}
