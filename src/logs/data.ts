/**
 * The log record model: what the logs pipeline batches and the OTLP/JSON logs encoder writes.
 * @module
 */
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";

/** OTLP severity numbers used by the SDK (the spec's ranges: TRACE 1–4 … FATAL 21–24). */
export const Severity: Readonly<{ TRACE: 1; DEBUG: 5; INFO: 9; WARN: 13; ERROR: 17; FATAL: 21 }> = Object.freeze({
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const);

/** A severity number (1–24; 0 = unspecified). */
export type SeverityNumber = number;

/** One finished log record. */
export interface LogRecordData {
  /** When the event happened, epoch ns (0n = unknown). */
  timeUnixNano: bigint;
  /** When the SDK saw it, epoch ns. */
  observedTimeUnixNano: bigint;
  /** Severity number. */
  severityNumber: SeverityNumber;
  /** Severity text (`INFO`, `WARN`, ...). */
  severityText?: string;
  /** The body (a message, or structured). */
  body?: AttributeValue;
  /** Attributes. */
  attributes: Attributes;
  /** Attributes dropped by limits. */
  droppedAttributesCount: number;
  /** The event name (OTLP `event_name`), e.g. `codex.turn.stop`. */
  eventName?: string;
  /** The trace of the span the record belongs to (32 hex), if any. */
  traceId?: string;
  /** That span (16 hex), if any. */
  spanId?: string;
  /** W3C trace flags of that span. */
  flags?: number;
  /** The logger's instrumentation scope. */
  scope: { name: string; version?: string };
}
