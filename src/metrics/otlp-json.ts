/**
 * The OTLP/JSON metrics encoder: writes an `ExportMetricsServiceRequest` as UTF-8 bytes directly
 * with the shared byte writer (no object tree): sums, gauges and explicit-bucket histograms, 64-bit
 * counts and times as decimal strings, `asInt` as a string, non-finite doubles as strings.
 * @module
 */
import type { EncodeOptions } from "../export/otlp-json.ts";
import { anyValue, BodySize, byte, bytes, decoder, digitsAt, doubleAt, position, raw, reserve, resource, scope, setPosition, str, withWriter } from "../export/json-writer.ts";
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";
import { countPoints } from "./data.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics } from "./data.ts";

export type { EncodeOptions } from "../export/otlp-json.ts";

const INT64_LIMIT = 9223372036854775808;
const encoder = new TextEncoder();

// The points are written into the writer's buffer here, `p` passed along and returned, so the
// per-point work is plain stores; `b` is the writer's buffer, asked for again after anything that
// may replace it (room(), any other writer call).
const EMPTY = new Uint8Array(0);
let b: Uint8Array = EMPTY;

/** Makes room for `n` bytes at `p`. */
function room(p: number, n: number): void {
  if (p + n > b.length) {
    setPosition(p);
    b = reserve(n);
  }
}

/** Copies `src` to `p` (room made); returns the position after it. */
function put(p: number, src: Uint8Array): number {
  const n = src.length;
  // The typed-array builtin (a memcpy, but a call: about 15 ns on V8, 20 on JSC) wins from a few
  // dozen bytes up; a byte loop below that.
  if (n > 24) b.set(src, p);
  else for (let i = 0; i < n; i++) b[p + i] = src[i];
  return p + n;
}

const HEAD = encoder.encode('{"attributes":[');
const INT_VALUE = encoder.encode('{"intValue":"');
const INT_END = encoder.encode('"}}');
const COUNT = encoder.encode(',"count":"');
const SUM = encoder.encode('","sum":');
const BUCKETS = encoder.encode(',"bucketCounts":[');
const MAX = encoder.encode(',"max":');
const AS_INT = encoder.encode(',"asInt":"');
const AS_DOUBLE = encoder.encode(',"asDouble":');
const START = encoder.encode('],"startTimeUnixNano":"');

// Runs: a point's bytes between two written-out values (an id's digits, a count, a double) are a
// sequence of cached pieces (the head, attribute KeyValues, the times, the next field's name), and
// the same sequences recur point after point: each sequence seen is kept as one joined segment, a
// trie keyed by the pieces' identity, so a point costs one copy per run instead of one per piece.
// Bounded: bytes per run, children per run (past them a piece is copied alone, as a key with many
// values would make ever new runs), runs in all (then start over), new runs per request.
interface Run {
  bytes: Uint8Array;
  /** Whether an attribute after this run takes a comma first. */
  comma: boolean;
  /** The first children, by piece (identity), and the rest in a map. */
  pieces: Uint8Array[];
  kids: Run[];
  more: Map<Uint8Array, Run> | undefined;
  /** The child last taken (most runs have one usual next piece). */
  lastPiece: Uint8Array | undefined;
  lastKid: Run;
  /**
   * The same children by attribute value, for the key usually next here (the attributes of a
   * metric come in one order): one lookup instead of the value's bytes and then the child.
   */
  key: string | undefined;
  byValue: Map<AttributeValue, Run> | undefined;
  trueKid: Run | undefined;
  falseKid: Run | undefined;
  /** The key whose integers are written out (an id) when next here, and the run of its prefix. */
  idKey: string | undefined;
  idKid: Run;
}
const RUN_BYTES = 768;
const RUN_KIDS = 64;
const RUNS_MAX = 2048;
let runCount = 0;
let runBudget = 0;

function newRun(bytes: Uint8Array, comma: boolean): Run {
  runCount++;
  const r: Run = {
    bytes,
    comma,
    pieces: [],
    kids: [],
    more: undefined,
    lastPiece: undefined,
    lastKid: undefined as unknown as Run,
    key: undefined,
    byValue: undefined,
    trueKid: undefined,
    falseKid: undefined,
    idKey: undefined,
    idKid: undefined as unknown as Run,
  };
  r.lastKid = r.idKid = r;
  return r;
}

let headRun: Run = newRun(HEAD, false);
// After an id's digits, and after a value written by the writer.
let intEndRun: Run = newRun(INT_END, true);
let openRun: Run = newRun(EMPTY, true);

function resetRuns(): void {
  runCount = 0;
  headRun = newRun(HEAD, false);
  intEndRun = newRun(INT_END, true);
  openRun = newRun(EMPTY, true);
}

/** The run not written yet. */
let cur: Run = headRun;

/** Appends `piece` to the pending run (after a comma when it is an attribute that needs one). */
function extend(p: number, piece: Uint8Array, attr: boolean): number {
  const r = cur;
  if (r.lastPiece === piece) {
    cur = r.lastKid;
    return p;
  }
  const pieces = r.pieces;
  for (let j = 0; j < pieces.length; j++) {
    if (pieces[j] === piece) {
      cur = r.lastKid = r.kids[j];
      r.lastPiece = piece;
      return p;
    }
  }
  const more = r.more;
  if (more !== undefined) {
    const k = more.get(piece);
    if (k !== undefined) {
      cur = r.lastKid = k;
      r.lastPiece = piece;
      return p;
    }
  }
  const comma = attr && r.comma;
  const old = r.bytes;
  const n = old.length + (comma ? 1 : 0) + piece.length;
  if (n <= RUN_BYTES && runBudget > 0 && runCount < RUNS_MAX && pieces.length + (more === undefined ? 0 : more.size) < RUN_KIDS) {
    runBudget--;
    const joined = new Uint8Array(n);
    joined.set(old);
    if (comma) joined[old.length] = 44;
    joined.set(piece, n - piece.length);
    const k = newRun(joined, true);
    if (pieces.length < 8) {
      pieces.push(piece);
      r.kids.push(k);
    } else (r.more ??= new Map()).set(piece, k);
    cur = k;
    return p;
  }
  // Not kept: the pending bytes and this piece are written as they are.
  p = flush(p);
  room(p, piece.length + 1);
  if (comma) b[p++] = 44;
  cur = openRun;
  return put(p, piece);
}

/** Writes the pending run. */
function flush(p: number): number {
  const bytes = cur.bytes;
  room(p, bytes.length);
  return put(p, bytes);
}

// The points of a collection share their time, and delta points their start too: the bytes of
// `],"startTimeUnixNano":"…","timeUnixNano":"…"` are kept for the last time and the first start
// seen with it; a point with another start (cumulative series start apart) writes the start alone.
let lastTime: bigint | undefined;
let lastStart: bigint | undefined;
let lastBoth: Uint8Array = new Uint8Array(0);
let lastTail: Uint8Array = new Uint8Array(0);

/** Ends the pending run with the times and `next` (the next field's name); writes it. */
function times(p: number, start: bigint, time: bigint, next: Uint8Array): number {
  if (time !== lastTime) {
    lastTime = time;
    lastTail = encoder.encode(`","timeUnixNano":"${time}"`);
    lastStart = start;
    lastBoth = encoder.encode(`],"startTimeUnixNano":"${start}","timeUnixNano":"${time}"`);
  }
  if (start === lastStart) p = extend(p, lastBoth, false);
  else {
    p = flush(p);
    const t = start.toString();
    room(p, START.length + t.length + lastTail.length);
    p = put(p, START);
    for (let i = 0; i < t.length; i++) b[p++] = t.charCodeAt(i);
    p = put(p, lastTail);
    cur = openRun;
  }
  p = extend(p, next, false);
  return flush(p);
}

// Metric attributes have few values by design (a model, an operation, a token type), and every
// point repeats them: each key's `{"key":…,"value":` prefix and each of its primitive values'
// whole `KeyValue` are encoded once and copied. A key seen with many values (an id) stops caching
// values and is written directly, so a high-cardinality attribute costs no cache churn.
interface KeyEntry {
  prefix: Uint8Array;
  /** The prefix and `{"intValue":"`: an id's digits follow. */
  intPrefix: Uint8Array;
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
  // Runs hold the old pieces: let them go too (the pending run stays valid).
  resetRuns();
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
  const intPrefix = new Uint8Array(prefix.length + INT_VALUE.length);
  intPrefix.set(prefix);
  intPrefix.set(INT_VALUE, prefix.length);
  e = { prefix, intPrefix, values: new Map(), last: undefined, lastBytes: undefined };
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

/** Extends the pending run (the head) with the attributes; writes the values it cannot hold. */
function attributeList(p: number, attrs: Attributes): number {
  let i = 0;
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined) continue;
    const r = cur;
    if (r.key === k) {
      const kid = v === true ? r.trueKid : v === false ? r.falseKid : (r.byValue as Map<AttributeValue, Run>).get(v);
      if (kid !== undefined) {
        cur = kid;
        i++;
        continue;
      }
    }
    // (Also after a miss by value: a key's first values are cached before it proves to be an id.)
    if (r.idKey === k && typeof v === "number" && Number.isSafeInteger(v)) {
      cur = r.idKid;
      p = idDigits(flush(p), v);
      i++;
      continue;
    }
    p = attribute(p, k, v, i++);
  }
  return p;
}

/** An attribute the pending run has no child for yet (or cannot hold). */
function attribute(p: number, k: string, v: AttributeValue, i: number): number {
  let e: KeyEntry;
  if (i < POSITIONS) {
    if (posKeys[i] === k) e = posEntries[i] as KeyEntry;
    else {
      e = keyEntry(k);
      posKeys[i] = k;
      posEntries[i] = e;
    }
  } else e = keyEntry(k);
  const r = cur;
  let enc = v === e.last ? e.lastBytes : undefined;
  if (enc === undefined && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) enc = valueBytes(e, v);
  if (enc !== undefined) {
    p = extend(p, enc, true);
    if (cur !== openRun && (r.key === undefined || r.key === k)) {
      const byValue = r.byValue ??= new Map();
      if (v === true || v === false) {
        r.key = k;
        if (v) r.trueKid = cur;
        else r.falseKid = cur;
      } else if (byValue.size < RUN_KIDS) {
        r.key = k;
        byValue.set(v, cur);
      }
    }
    return p;
  }
  if (typeof v === "number" && Number.isSafeInteger(v)) {
    // An id-like integer: digits written directly.
    p = extend(p, e.intPrefix, true);
    if (cur !== openRun && e.values === undefined && r.idKey === undefined) {
      r.idKey = k;
      r.idKid = cur;
    }
    return idDigits(flush(p), v);
  }
  setPosition(flush(extend(p, e.prefix, true)));
  anyValue(v, 0);
  byte(125);
  b = reserve(0);
  cur = openRun;
  return position();
}

/** An id's digits after its prefix; the run goes on after its `"}}`. */
function idDigits(p: number, v: number): number {
  room(p, 24);
  if (v < 0) {
    b[p++] = 45;
    v = -v;
  }
  cur = intEndRun;
  return digitsAt(b, p, v);
}

function numberPoints(points: readonly NumberPoint[], int: boolean): void {
  raw('"dataPoints":[');
  b = reserve(0);
  let p = position();
  for (let i = 0; i < points.length; i++) {
    const pt = points[i];
    if (i > 0) {
      room(p, 1);
      b[p++] = 44;
    }
    const v = pt.value;
    const asInt = int && Number.isFinite(v) && v > -INT64_LIMIT && v < INT64_LIMIT;
    cur = headRun;
    p = attributeList(p, pt.attributes);
    p = times(p, pt.startTimeUnixNano, pt.timeUnixNano, asInt ? AS_INT : AS_DOUBLE);
    room(p, 32);
    if (asInt) {
      let n = Math.trunc(v);
      if (n < 0) {
        b[p++] = 45;
        n = -n;
      }
      p = digitsAt(b, p, n);
      b[p++] = 34;
    } else p = doubleAt(b, p, v);
    b[p++] = 125;
  }
  setPosition(p);
  byte(93);
}

// Every point of a histogram shares one bounds array: its JSON, from the bucket counts' `]` to
// the min's name, is encoded once per array and request.
let lastBounds: readonly number[] | undefined;
let lastBoundsLength = -1;
let lastBoundsBytes: Uint8Array = new Uint8Array(0);
let lastBoundsMin: Uint8Array = new Uint8Array(0);

function boundsBytes(bounds: readonly number[]): void {
  if (bounds !== lastBounds || bounds.length !== lastBoundsLength) {
    let text = '],"explicitBounds":[';
    for (let j = 0; j < bounds.length; j++) {
      const x = bounds[j];
      if (j > 0) text += ",";
      text += Number.isFinite(x) ? String(x) : `"${x}"`;
    }
    lastBounds = bounds;
    lastBoundsLength = bounds.length;
    lastBoundsBytes = encoder.encode(text + "]");
    lastBoundsMin = encoder.encode(text + '],"min":');
  }
}

function histogramPoints(points: readonly HistogramPoint[]): void {
  raw('"dataPoints":[');
  b = reserve(0);
  let p = position();
  for (let i = 0; i < points.length; i++) {
    const pt = points[i];
    if (i > 0) {
      room(p, 1);
      b[p++] = 44;
    }
    cur = headRun;
    p = attributeList(p, pt.attributes);
    p = times(p, pt.startTimeUnixNano, pt.timeUnixNano, COUNT);
    const counts = pt.bucketCounts;
    const n = counts.length;
    boundsBytes(pt.bounds);
    const withMin = pt.count > 0 && pt.min !== undefined;
    room(p, 160 + n * 23 + lastBoundsMin.length);
    p = digitsAt(b, p, pt.count);
    p = put(p, SUM);
    p = doubleAt(b, p, pt.sum);
    p = put(p, BUCKETS);
    // Bucket counts: mostly one digit each.
    for (let j = 0; j < n; j++) {
      if (j > 0) b[p++] = 44;
      b[p++] = 34;
      const c = counts[j];
      if (c >= 0 && c < 10) b[p++] = 48 + (c | 0);
      else p = digitsAt(b, p, c);
      b[p++] = 34;
    }
    if (withMin) {
      p = put(p, lastBoundsMin);
      p = doubleAt(b, p, pt.min as number);
    } else p = put(p, lastBoundsBytes);
    if (pt.count > 0 && pt.max !== undefined) {
      p = put(p, MAX);
      p = doubleAt(b, p, pt.max);
    }
    b[p++] = 125;
  }
  setPosition(p);
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
// regrowing (each regrowth copies everything written so far) and with little to spare: the whole
// buffer is zero-filled when allocated (4% over, not 15%: measured 4-5% faster on Deno and Bun).
const size = new BodySize(256, 1.04);

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
  const points = countPoints(scopes);
  // Within one call nothing can mutate a bounds array; across calls one might be.
  lastBounds = undefined;
  if (runCount >= RUNS_MAX) resetRuns();
  runBudget = 64 + (points >> 3);
  let out: Uint8Array;
  try {
    out = withWriter(size.estimate(points), () => writeRequest(scopes, options), false);
  } finally {
    // Not holding on to the body.
    b = EMPTY;
    cur = headRun;
  }
  size.learn(points, out.length);
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
