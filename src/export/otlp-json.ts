/**
 * The OTLP/JSON encoder: writes an `ExportTraceServiceRequest` as a JSON string directly, without
 * building an intermediate object tree. Hex ids, integer enums, 64-bit values as decimal strings
 * (times are bigints, so never rounded through a float), every AnyValue shape, any string content.
 * @module
 */
import type { Attributes, AttributeValue, SpanRecord } from "../tracing/span-record.ts";

/** The resource and scope context of an export. */
export interface EncodeOptions {
  /** Resource attributes (`service.name`, ...). */
  resource?: Attributes;
  /** Resource attributes dropped by limits. */
  resourceDroppedAttributesCount?: number;
  /** Resource schema URL. */
  schemaUrl?: string;
}

// Anything JSON must escape, plus surrogates (a lone one must become \udXXX to stay valid UTF-8).
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Quotes a string as a JSON string literal; lone surrogates become `\udXXX` escapes.
 *
 * @param s Any string.
 * @returns The JSON literal, quotes included.
 * @example
 * ```ts
 * import { jsonString } from "./otlp-json.ts";
 * jsonString('a"b'); // "\"a\\\"b\""
 * ```
 */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // ES2019 well-formed JSON.stringify escapes lone surrogates and keeps valid pairs: exactly the
  // careful path needed here, and native on all target engines.
  return JSON.stringify(s);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Standard base64 (with padding) of bytes, as proto3 JSON wants for `bytes` fields.
 *
 * @param bytes Bytes.
 * @returns Base64 text.
 */
export function base64(bytes: Uint8Array): string {
  let out = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[v >>> 18] + B64[(v >>> 12) & 63] + B64[(v >>> 6) & 63] + B64[v & 63];
  }
  if (i < n) {
    const v = (bytes[i] << 16) | ((i + 1 < n ? bytes[i + 1] : 0) << 8);
    out += B64[v >>> 18] + B64[(v >>> 12) & 63] + (i + 1 < n ? B64[(v >>> 6) & 63] : "=") + "=";
  }
  return out;
}

function numberValue(v: number): string {
  // Integers in int64 range are intValue (a decimal string: JSON readers lose precision above
  // 2^53); every other number is a double, with proto3 JSON's string spellings for non-finite.
  if (Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808) {
    // Above 2^53 Number#toString prints the shortest round-trip digits padded with zeros, not the
    // integer the double holds; BigInt gives the exact value.
    const digits = v <= 9007199254740991 && v >= -9007199254740991 ? String(v) : BigInt(v).toString();
    return '{"intValue":"' + digits + '"}';
  }
  if (v !== v) return '{"doubleValue":"NaN"}';
  if (v === Infinity) return '{"doubleValue":"Infinity"}';
  if (v === -Infinity) return '{"doubleValue":"-Infinity"}';
  return '{"doubleValue":' + String(v) + "}";
}

function anyValue(v: AttributeValue, depth: number): string {
  switch (typeof v) {
    case "string":
      return '{"stringValue":' + jsonString(v) + "}";
    case "boolean":
      return v ? '{"boolValue":true}' : '{"boolValue":false}';
    case "number":
      return numberValue(v);
    case "bigint":
      return v >= INT64_MIN && v <= INT64_MAX
        ? '{"intValue":"' + v.toString() + '"}'
        : '{"stringValue":"' + v.toString() + '"}';
    case "object": {
      if (v === null) return "{}";
      if (depth > 32) return '{"stringValue":"[too deep]"}';
      if (v instanceof Uint8Array) return '{"bytesValue":"' + base64(v) + '"}';
      if (Array.isArray(v)) {
        let s = '{"arrayValue":{"values":[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ",";
          const item = v[i];
          s += item === undefined ? "{}" : anyValue(item, depth + 1);
        }
        return s + "]}}";
      }
      return '{"kvlistValue":{"values":[' + keyValues(v as Attributes, depth + 1) + "]}}";
    }
    default:
      return "{}";
  }
}

function keyValues(attrs: Attributes, depth: number): string {
  let s = "";
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined) continue;
    if (s.length !== 0) s += ",";
    s += '{"key":' + jsonString(key) + ',"value":' + anyValue(v, depth) + "}";
  }
  return s;
}

/**
 * Encodes attributes as an OTLP `KeyValue` JSON array.
 *
 * @param attrs Attributes.
 * @returns JSON text of the array.
 * @example
 * ```ts
 * import { encodeAttributes } from "./otlp-json.ts";
 * encodeAttributes({ n: 1 }); // '[{"key":"n","value":{"intValue":"1"}}]'
 * ```
 */
export function encodeAttributes(attrs: Attributes): string {
  return "[" + keyValues(attrs, 0) + "]";
}

function encodeSpan(span: SpanRecord): string {
  let s = '{"traceId":"' + span.traceId + '","spanId":"' + span.spanId + '"';
  if (span.traceState) s += ',"traceState":' + jsonString(span.traceState);
  if (span.parentSpanId) s += ',"parentSpanId":"' + span.parentSpanId + '"';
  s += ',"flags":' + (span.flags >>> 0) +
    ',"name":' + jsonString(span.name) +
    ',"kind":' + span.kind +
    ',"startTimeUnixNano":"' + span.startTimeUnixNano.toString() +
    '","endTimeUnixNano":"' + span.endTimeUnixNano.toString() +
    '","attributes":[' + keyValues(span.attributes, 0) + "]";
  if (span.droppedAttributesCount) s += ',"droppedAttributesCount":' + span.droppedAttributesCount;
  const events = span.events;
  if (events.length !== 0) {
    s += ',"events":[';
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i > 0) s += ",";
      s += '{"timeUnixNano":"' + e.timeUnixNano.toString() + '","name":' + jsonString(e.name) +
        ',"attributes":[' + keyValues(e.attributes, 0) + "]";
      if (e.droppedAttributesCount) s += ',"droppedAttributesCount":' + e.droppedAttributesCount;
      s += "}";
    }
    s += "]";
  }
  if (span.droppedEventsCount) s += ',"droppedEventsCount":' + span.droppedEventsCount;
  const links = span.links;
  if (links.length !== 0) {
    s += ',"links":[';
    for (let i = 0; i < links.length; i++) {
      const l = links[i];
      if (i > 0) s += ",";
      s += '{"traceId":"' + l.traceId + '","spanId":"' + l.spanId + '"';
      if (l.traceState) s += ',"traceState":' + jsonString(l.traceState);
      s += ',"attributes":[' + keyValues(l.attributes, 0) + "]";
      if (l.droppedAttributesCount) s += ',"droppedAttributesCount":' + l.droppedAttributesCount;
      s += "}";
    }
    s += "]";
  }
  if (span.droppedLinksCount) s += ',"droppedLinksCount":' + span.droppedLinksCount;
  const st = span.status;
  s += ',"status":{';
  if (st.code) {
    s += '"code":' + st.code;
    if (st.message) s += ',"message":' + jsonString(st.message);
  }
  return s + "}}";
}

function scopeKey(scope: { name: string; version?: string }): string {
  return scope.version === undefined ? scope.name : scope.name + "\u0000" + scope.version;
}

/**
 * Encodes finished spans as an OTLP/JSON `ExportTraceServiceRequest`, grouped by scope under one
 * resource.
 *
 * @param spans Finished spans.
 * @param options Resource and schema.
 * @returns The request body (JSON text).
 * @example
 * ```ts
 * import { encodeTraces } from "./otlp-json.ts";
 * const body = encodeTraces([], { resource: { "service.name": "demo" } });
 * ```
 */
export function encodeTraces(spans: readonly SpanRecord[], options: EncodeOptions = {}): string {
  // Group by scope without a Map in the common single-scope case.
  const groups: { scope: { name: string; version?: string }; parts: string[] }[] = [];
  let lastKey = "";
  let last: { scope: { name: string; version?: string }; parts: string[] } | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    const key = scopeKey(span.scope);
    if (last === undefined || key !== lastKey) {
      last = groups.find((g) => scopeKey(g.scope) === key);
      if (last === undefined) {
        last = { scope: span.scope, parts: [] };
        groups.push(last);
      }
      lastKey = key;
    }
    last.parts.push(encodeSpan(span));
  }
  let s = '{"resourceSpans":[{"resource":{"attributes":[' + keyValues(options.resource ?? {}, 0) + "]";
  if (options.resourceDroppedAttributesCount) {
    s += ',"droppedAttributesCount":' + options.resourceDroppedAttributesCount;
  }
  s += '},"scopeSpans":[';
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    if (g > 0) s += ",";
    s += '{"scope":{"name":' + jsonString(group.scope.name);
    if (group.scope.version !== undefined) s += ',"version":' + jsonString(group.scope.version);
    s += '},"spans":[' + group.parts.join(",") + "]}";
  }
  s += "]";
  if (options.schemaUrl) s += ',"schemaUrl":' + jsonString(options.schemaUrl);
  return s + "}]}";
}
