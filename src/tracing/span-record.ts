/**
 * The finished-span record shared by the tracer, the exporters, the OTLP encoder and the debug
 * feed. Field names follow OTLP; times are exact epoch nanoseconds as `bigint`.
 * @module
 */

/** An attribute value (OpenTelemetry AnyValue subset plus nested maps). */
export type AttributeValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | null
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

/** Attributes: key → value. */
export type Attributes = Record<string, AttributeValue>;

/** OTLP span kinds (1-based, as on the wire). */
export const SpanKind = {
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

/** An OTLP span kind number. */
export type SpanKindValue = typeof SpanKind[keyof typeof SpanKind];

/** OTLP status codes. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** An OTLP status code number. */
export type StatusCodeValue = typeof StatusCode[keyof typeof StatusCode];

/** A span event. */
export interface SpanEventRecord {
  /** Event name (`exception`, ...). */
  name: string;
  /** Epoch nanoseconds. */
  timeUnixNano: bigint;
  /** Event attributes. */
  attributes: Attributes;
  /** Attributes dropped by limits. */
  droppedAttributesCount: number;
}

/** A span link. */
export interface SpanLinkRecord {
  /** 32 hex chars. */
  traceId: string;
  /** 16 hex chars. */
  spanId: string;
  /** W3C tracestate. */
  traceState?: string;
  /** Link attributes. */
  attributes: Attributes;
  /** Attributes dropped by limits. */
  droppedAttributesCount: number;
}

/** A finished span. */
export interface SpanRecord {
  /** 32 lowercase hex chars. */
  traceId: string;
  /** 16 lowercase hex chars. */
  spanId: string;
  /** Parent span id (16 hex) or undefined for a root. */
  parentSpanId?: string;
  /** W3C tracestate. */
  traceState?: string;
  /** Span name (`codex.thread`, `codex.turn`, `execute_tool exec_command`, ...). */
  name: string;
  /** OTLP kind (1..5). */
  kind: SpanKindValue;
  /** Epoch ns. */
  startTimeUnixNano: bigint;
  /** Epoch ns. */
  endTimeUnixNano: bigint;
  /** Attributes. */
  attributes: Attributes;
  /** Attributes dropped by limits. */
  droppedAttributesCount: number;
  /** Span events. */
  events: SpanEventRecord[];
  /** Events dropped by limits. */
  droppedEventsCount: number;
  /** Links. */
  links: SpanLinkRecord[];
  /** Links dropped by limits. */
  droppedLinksCount: number;
  /** Status. */
  status: { code: StatusCodeValue; message?: string };
  /** W3C trace flags in the low 8 bits (plus OTLP is-remote bits). */
  flags: number;
  /** Instrumentation scope. */
  scope: { name: string; version?: string };
}
