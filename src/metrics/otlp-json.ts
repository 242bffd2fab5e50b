/**
 * The OTLP/JSON metrics encoder: writes an `ExportMetricsServiceRequest` as UTF-8 bytes directly
 * with the shared byte writer (no object tree): sums, gauges and explicit-bucket histograms, 64-bit
 * counts and times as decimal strings, `asInt` as a string, non-finite doubles as strings.
 * @module
 */
import type { EncodeOptions } from "../export/otlp-json.ts";
import { anyValue, byte, bytes, decoder, double, intString, raw, resource, scope, str, uintString, uintStrings, withWriter } from "../export/json-writer.ts";
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics } from "./data.ts";

export type { EncodeOptions } from "../export/otlp-json.ts";

const INT64_LIMIT = 9223372036854775808;

// The points of a collection share their time, and delta points their start too: the bytes of
// `],"startTimeUnixNano":"…","timeUnixNano":"…"` are kept for the last time and the first start
// seen with it; a point with another start (cumulative series start apart) writes the start alone.
let lastTime: bigint | undefined;
let lastStart: bigint | undefined;
let lastBoth: Uint8Array = new Uint8Array(0);
let lastTail: Uint8Array = new Uint8Array(0);
const encoder = new TextEncoder();

function times(start: bigint, time: bigint): void {
  if (time !== lastTime) {
    lastTime = time;
    lastTail = encoder.encode(`","timeUnixNano":"${time}"`);
    lastStart = start;
    lastBoth = encoder.encode(`],"startTimeUnixNano":"${start}","timeUnixNano":"${time}"`);
  }
  if (start === lastStart) bytes(lastBoth);
  else {
    raw('],"startTimeUnixNano":"');
    raw(start.toString());
    bytes(lastTail);
  }
}

// Metric attributes have few values by design (a model, an operation, a token type), and every
// point repeats them: each key's `{"key":…,"value":` prefix and each of its primitive values'
// whole `KeyValue` are encoded once and copied. A key seen with many values (an id) stops caching
// values and is written directly, so a high-cardinality attribute costs no cache churn.
interface KeyEntry {
  prefix: Uint8Array;
  values: Map<AttributeValue, Uint8Array> | undefined;
  /** The last value written and its bytes: consecutive points often repeat a value. */
  last: AttributeValue | undefined;
  lastBytes: Uint8Array | undefined;
}
// Bounds: keys, values per key, values in all (about 1 MB at most), strings cached up to 64 chars.
const KEYS_MAX = 4096;
const VALUES_PER_KEY = 256;
const VALUES_MAX = 16384;
const keyEntries = new Map<string, KeyEntry>();
let cachedValues = 0;
// The entry of the key last seen at each position of an attribute set: points of one metric
// have the same keys in the same order, so this skips the map.
const POSITIONS = 16;
const posKeys: (string | undefined)[] = new Array(POSITIONS).fill(undefined);
const posEntries: (KeyEntry | undefined)[] = new Array(POSITIONS).fill(undefined);

function resetKeyCache(): void {
  keyEntries.clear();
  posKeys.fill(undefined);
  posEntries.fill(undefined);
  cachedValues = 0;
}

function keyEntry(key: string): KeyEntry {
  let e = keyEntries.get(key);
  if (e !== undefined) return e;
  if (keyEntries.size >= KEYS_MAX) resetKeyCache();
  const prefix = withWriter(key.length * 6 + 24, () => {
    raw('{"key":');
    str(key);
    raw(',"value":');
  }, false).slice();
  e = { prefix, values: new Map(), last: undefined, lastBytes: undefined };
  keyEntries.set(key, e);
  return e;
}

function valueBytes(e: KeyEntry, v: string | number | boolean): Uint8Array | undefined {
  const values = e.values;
  if (values === undefined) return undefined;
  let enc = values.get(v);
  if (enc === undefined) {
    if (values.size >= VALUES_PER_KEY) {
      e.values = undefined;
      return undefined;
    }
    if (typeof v === "string" && v.length > 64) return undefined;
    if (cachedValues >= VALUES_MAX) {
      // Start over (rare: thousands of distinct low-cardinality values); this call writes directly.
      resetKeyCache();
      return undefined;
    }
    cachedValues++;
    enc = withWriter(e.prefix.length + 64 + (typeof v === "string" ? v.length * 6 : 0), () => {
      bytes(e.prefix);
      anyValue(v, 0);
      byte(125);
    }, false).slice();
    values.set(v, enc);
  }
  e.last = v;
  e.lastBytes = enc;
  return enc;
}

function attributeList(attrs: Attributes): void {
  let i = 0;
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined) continue;
    if (i > 0) byte(44);
    let e: KeyEntry;
    if (i < POSITIONS) {
      if (posKeys[i] === k) e = posEntries[i] as KeyEntry;
      else {
        e = keyEntry(k);
        posKeys[i] = k;
        posEntries[i] = e;
      }
    } else e = keyEntry(k);
    i++;
    if (v === e.last && e.lastBytes !== undefined) {
      bytes(e.lastBytes);
      continue;
    }
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      const enc = valueBytes(e, v);
      if (enc !== undefined) {
        bytes(enc);
        continue;
      }
    }
    bytes(e.prefix);
    if (typeof v === "number" && Number.isSafeInteger(v)) {
      // An id-like integer: digits written directly.
      raw('{"intValue":');
      intString(v);
      raw("}}");
    } else {
      anyValue(v, 0);
      byte(125);
    }
  }
}

function pointHead(p: NumberPoint | HistogramPoint): void {
  raw('{"attributes":[');
  attributeList(p.attributes);
  times(p.startTimeUnixNano, p.timeUnixNano);
}

function numberPoints(points: readonly NumberPoint[], int: boolean): void {
  raw('"dataPoints":[');
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (i > 0) byte(44);
    pointHead(p);
    const v = p.value;
    if (int && Number.isFinite(v) && v > -INT64_LIMIT && v < INT64_LIMIT) {
      raw(',"asInt":');
      intString(Math.trunc(v));
      byte(125);
    } else {
      raw(',"asDouble":');
      double(v);
      byte(125);
    }
  }
  byte(93);
}

// Every point of a histogram shares one bounds array: its JSON is encoded once per array and
// request.
let lastBounds: readonly number[] | undefined;
let lastBoundsLength = -1;
let lastBoundsBytes: Uint8Array = new Uint8Array(0);

function boundsBytes(bounds: readonly number[]): Uint8Array {
  if (bounds !== lastBounds || bounds.length !== lastBoundsLength) {
    let text = ',"explicitBounds":[';
    for (let j = 0; j < bounds.length; j++) {
      const b = bounds[j];
      if (j > 0) text += ",";
      text += Number.isFinite(b) ? String(b) : `"${b}"`;
    }
    lastBounds = bounds;
    lastBoundsLength = bounds.length;
    lastBoundsBytes = encoder.encode(text + "]");
  }
  return lastBoundsBytes;
}

function histogramPoints(points: readonly HistogramPoint[]): void {
  raw('"dataPoints":[');
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (i > 0) byte(44);
    pointHead(p);
    raw(',"count":');
    uintString(p.count);
    raw(',"sum":');
    double(p.sum);
    raw(',"bucketCounts":[');
    uintStrings(p.bucketCounts);
    byte(93);
    bytes(boundsBytes(p.bounds));
    if (p.count > 0 && p.min !== undefined) {
      raw(',"min":');
      double(p.min);
    }
    if (p.count > 0 && p.max !== undefined) {
      raw(',"max":');
      double(p.max);
    }
    byte(125);
  }
  byte(93);
}

function metric(m: MetricData): void {
  raw('{"name":');
  str(m.name);
  if (m.description) {
    raw(',"description":');
    str(m.description);
  }
  if (m.unit) {
    raw(',"unit":');
    str(m.unit);
  }
  switch (m.kind) {
    case "sum":
      raw(',"sum":{');
      numberPoints(m.points, m.valueType === "int");
      raw(m.temporality === "delta" ? ',"aggregationTemporality":1' : ',"aggregationTemporality":2');
      raw(m.monotonic ? ',"isMonotonic":true}}' : ',"isMonotonic":false}}');
      return;
    case "gauge":
      raw(',"gauge":{');
      numberPoints(m.points, m.valueType === "int");
      raw("}}");
      return;
    case "histogram":
      raw(',"histogram":{');
      histogramPoints(m.points);
      raw(m.temporality === "delta" ? ',"aggregationTemporality":1}}' : ',"aggregationTemporality":2}}');
      return;
  }
}

function writeRequest(scopes: readonly ScopeMetrics[], options: EncodeOptions): void {
  raw('{"resourceMetrics":[{');
  resource(options.resource, options.resourceDroppedAttributesCount);
  raw(',"scopeMetrics":[');
  let first = true;
  for (const s of scopes) {
    let any = false;
    for (const m of s.metrics) {
      if (m.points.length === 0) continue;
      if (!any) {
        any = true;
        if (first) first = false;
        else byte(44);
        byte(123);
        scope(s.scope);
        raw(',"metrics":[');
      } else byte(44);
      metric(m);
    }
    if (any) raw("]}");
  }
  byte(93);
  if (options.schemaUrl) {
    raw(',"schemaUrl":');
    str(options.schemaUrl);
  }
  raw("}]}");
}

// Buffer sizing learns the bytes per point of recent requests, so a body is written without
// regrowing (each regrowth copies everything written so far).
let bytesPerPoint = 256;

/**
 * Encodes collected metrics as an OTLP/JSON `ExportMetricsServiceRequest` body in UTF-8, under
 * one resource. Metrics without points are left out. This is what the metric exporter sends.
 *
 * @param scopes Collected scopes (`MeterProvider.collect()`).
 * @param options Resource and schema.
 * @returns The request body bytes.
 * @example
 * ```ts
 * import { encodeMetricsBytes } from "./otlp-json.ts";
 * const body: Uint8Array = encodeMetricsBytes([], { resource: { "service.name": "demo" } });
 * ```
 */
export function encodeMetricsBytes(scopes: readonly ScopeMetrics[], options: EncodeOptions = {}): Uint8Array {
  let points = 0;
  for (const s of scopes) for (const m of s.metrics) points += m.points.length;
  // Within one call nothing can mutate a bounds array; across calls one might be.
  lastBounds = undefined;
  const out = withWriter(Math.ceil(points * bytesPerPoint * 1.15) + 1024, () => writeRequest(scopes, options), false);
  if (points >= 16) bytesPerPoint = Math.max(64, Math.min(1 << 20, out.length / points));
  return out;
}

/**
 * Encodes collected metrics as OTLP/JSON text (the same bytes as {@link encodeMetricsBytes}, decoded).
 *
 * @param scopes Collected scopes.
 * @param options Resource and schema.
 * @returns The request body (JSON text).
 * @example
 * ```ts
 * import { createMeterProvider } from "./meter.ts";
 * import { encodeMetrics } from "./otlp-json.ts";
 * const provider = createMeterProvider();
 * provider.meter("demo").counter("runs").add(1, { result: "ok" });
 * const body = encodeMetrics(provider.collect(), { resource: { "service.name": "demo" } });
 * ```
 */
export function encodeMetrics(scopes: readonly ScopeMetrics[], options: EncodeOptions = {}): string {
  return decoder.decode(encodeMetricsBytes(scopes, options));
}
