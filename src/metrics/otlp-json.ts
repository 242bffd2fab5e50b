/**
 * The OTLP/JSON metrics encoder: writes an `ExportMetricsServiceRequest` as UTF-8 bytes directly
 * with the shared byte writer (no object tree): sums, gauges and explicit-bucket histograms, 64-bit
 * counts and times as decimal strings, `asInt` as a string, non-finite doubles as strings.
 * @module
 */
import type { EncodeOptions } from "../export/otlp-json.ts";
import { byte, decoder, keyValues, raw, resource, scope, str, withWriter } from "../export/json-writer.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics } from "./data.ts";

export type { EncodeOptions } from "../export/otlp-json.ts";

/** Writes a double as a JSON number, or as proto3 JSON's string for NaN and the infinities. */
function double(v: number): void {
  if (Number.isFinite(v)) raw(String(v));
  else {
    byte(34);
    raw(String(v));
    byte(34);
  }
}

/** Writes a non-negative integer count as a decimal string (fixed64). */
function fixed64(v: number): void {
  byte(34);
  raw(v <= 9007199254740991 ? String(v) : BigInt(Math.trunc(v)).toString());
  byte(34);
}

const INT64_LIMIT = 9223372036854775808;

// The points of a collection share their time (and, for delta, their start): the decimal text of
// the last time seen is kept, so consecutive points do not convert the same bigint again.
let lastStart: bigint | undefined;
let lastStartText = "";
let lastTime: bigint | undefined;
let lastTimeText = "";

function pointHead(p: NumberPoint | HistogramPoint): void {
  raw('{"attributes":[');
  keyValues(p.attributes, 0);
  raw('],"startTimeUnixNano":"');
  const s = p.startTimeUnixNano;
  if (s !== lastStart) {
    lastStart = s;
    lastStartText = s.toString();
  }
  raw(lastStartText);
  raw('","timeUnixNano":"');
  const t = p.timeUnixNano;
  if (t !== lastTime) {
    lastTime = t;
    lastTimeText = t.toString();
  }
  raw(lastTimeText);
  byte(34);
}

function numberPoints(points: readonly NumberPoint[], int: boolean): void {
  raw('"dataPoints":[');
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (i > 0) byte(44);
    pointHead(p);
    const v = p.value;
    if (int && Number.isFinite(v) && v > -INT64_LIMIT && v < INT64_LIMIT) {
      const n = Math.trunc(v);
      raw(',"asInt":"');
      raw(n <= 9007199254740991 && n >= -9007199254740991 ? String(n) : BigInt(n).toString());
      raw('"}');
    } else {
      raw(',"asDouble":');
      double(v);
      byte(125);
    }
  }
  byte(93);
}

function histogramPoints(points: readonly HistogramPoint[]): void {
  raw('"dataPoints":[');
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (i > 0) byte(44);
    pointHead(p);
    raw(',"count":');
    fixed64(p.count);
    raw(',"sum":');
    double(p.sum);
    const counts = p.bucketCounts;
    raw(',"bucketCounts":[');
    for (let j = 0; j < counts.length; j++) {
      if (j > 0) byte(44);
      fixed64(counts[j]);
    }
    raw('],"explicitBounds":[');
    const bounds = p.bounds;
    for (let j = 0; j < bounds.length; j++) {
      if (j > 0) byte(44);
      double(bounds[j]);
    }
    byte(93);
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
