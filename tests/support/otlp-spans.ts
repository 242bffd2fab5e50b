/**
 * Helpers for export tests: build SpanRecords, turn them into `@opentelemetry/sdk-trace`-style
 * ReadableSpans for the otlp-transformer cross-check, and decode OTLP AnyValues back to JS.
 */
import { TraceState } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { newSpanId, newTraceId } from "../../src/tracing/ids.ts";
import type { Attributes, SpanRecord } from "../../src/tracing/span-record.ts";

/** A finished span with sensible defaults. */
export function makeSpan(over: Partial<SpanRecord> = {}): SpanRecord {
  const start = 1_700_000_000_123_456_789n;
  return {
    traceId: newTraceId(),
    spanId: newSpanId(),
    name: "test.span",
    kind: 1,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_500_000n,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 },
    flags: 0x101,
    scope: { name: "codex-otel-sdk", version: "0.1.0" },
    ...over,
  };
}

const hr = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];

/** A ReadableSpan-shaped object for `JsonTraceSerializer`. */
export function toReadable(s: SpanRecord, resourceAttrs: Attributes): unknown {
  return {
    name: s.name,
    kind: s.kind - 1,
    spanContext: () => ({
      traceId: s.traceId,
      spanId: s.spanId,
      traceFlags: s.flags & 0xff,
      ...(s.traceState ? { traceState: new TraceState(s.traceState) } : {}),
    }),
    parentSpanContext: s.parentSpanId
      ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: (s.flags & 0x200) !== 0 }
      : undefined,
    startTime: hr(s.startTimeUnixNano),
    endTime: hr(s.endTimeUnixNano),
    duration: [0, 0],
    ended: true,
    status: s.status,
    attributes: s.attributes,
    links: s.links.map((l) => ({
      context: { traceId: l.traceId, spanId: l.spanId, traceFlags: 0, ...(l.traceState ? { traceState: new TraceState(l.traceState) } : {}) },
      attributes: l.attributes,
      droppedAttributesCount: l.droppedAttributesCount,
    })),
    events: s.events.map((e) => ({ name: e.name, time: hr(e.timeUnixNano), attributes: e.attributes, droppedAttributesCount: e.droppedAttributesCount })),
    resource: resourceFromAttributes(resourceAttrs as Record<string, string>),
    instrumentationScope: s.scope,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
  };
}

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

/**
 * Normalizes an OTLP/JSON tree for comparison: intValue as decimal strings (integers out of int64
 * range as doubles), zero/empty defaults removed, link flags removed (our link record has none).
 */
export function normalizeOtlp(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeOtlp(v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    if ((k === "droppedAttributesCount" || k === "droppedEventsCount" || k === "droppedLinksCount" || k === "code") && v === 0) continue;
    if ((k === "events" || k === "links") && Array.isArray(v) && v.length === 0) continue;
    if (k === "links" && Array.isArray(v)) {
      out.links = v.map((l) => {
        const { flags: _flags, ...rest } = l as Record<string, unknown>;
        return normalizeOtlp(rest);
      });
      continue;
    }
    if (k === "parentSpanId" && v === "") continue;
    if (k === "intValue") {
      if (typeof v === "number" && (v < INT64_MIN || v >= INT64_MAX)) {
        out.doubleValue = v;
        continue;
      }
      out.intValue = typeof v === "number" ? (Math.abs(v) > 2 ** 53 ? BigInt(v).toString() : String(v)) : v;
      continue;
    }
    out[k] = normalizeOtlp(v);
  }
  return out;
}

/** Decodes an OTLP AnyValue (JSON form) back to a JS value. */
export function decodeAny(v: Record<string, unknown>): unknown {
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return BigInt(v.intValue as string);
  if ("doubleValue" in v) return typeof v.doubleValue === "string" ? Number(v.doubleValue) : v.doubleValue;
  if ("bytesValue" in v) return new Uint8Array(Buffer.from(v.bytesValue as string, "base64"));
  if ("arrayValue" in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(decodeAny);
  if ("kvlistValue" in v) {
    const o: Record<string, unknown> = {};
    for (const kv of (v.kvlistValue as { values?: { key: string; value: Record<string, unknown> }[] }).values ?? []) define(o, kv.key, decodeAny(kv.value));
    return o;
  }
  return null;
}

/** What `decodeAny(encode(x))` should give for an input attribute value. */
export function expectedDecoded(v: unknown): unknown {
  if (typeof v === "number") {
    if (Number.isInteger(v) && v >= INT64_MIN && v < INT64_MAX) return BigInt(v);
    return v;
  }
  if (typeof v === "bigint") return v >= -(2n ** 63n) && v <= 2n ** 63n - 1n ? v : v.toString();
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : expectedDecoded(x)));
  if (v !== null && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) define(o, k, expectedDecoded(x));
    return o;
  }
  return v;
}

/** Sets an own property, `__proto__` included. */
export function define(o: Record<string, unknown>, k: string, value: unknown): void {
  Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
}
