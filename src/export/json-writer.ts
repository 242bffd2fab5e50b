/**
 * The OTLP/JSON byte writer shared by the traces, metrics and logs encoders: a request body is
 * written as UTF-8 bytes directly (one pass per string, no intermediate object tree, no rope of
 * string pieces to flatten and re-encode), with the OTLP/JSON value rules (AnyValue shapes, 64-bit
 * integers as decimal strings, non-finite doubles as strings, cached attribute-key prefixes).
 * Calls nest: {@link withWriter} saves and restores the buffer.
 * @module
 */
import { base64 } from "../base/base64.ts";
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";

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
 * import { jsonString } from "./json-writer.ts";
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


// ---- byte writer: the request body is built as UTF-8 bytes directly (one pass per string, no
// intermediate object tree, no rope of string pieces to flatten and re-encode).

let buf: Uint8Array = new Uint8Array(0);
let pos = 0;
const HEXC = new TextEncoder().encode("0123456789abcdef");

function grow(need: number): void {
  let size = buf.length * 2 || 1024;
  while (size < pos + need) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
}

/** Writes ASCII text that needs no escaping (JSON punctuation, digits, hex ids). */
export function raw(s: string): void {
  const n = s.length;
  if (pos + n > buf.length) grow(n);
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
  pos = p;
}

/** Copies pre-encoded bytes (cached JSON fragments). */
export function bytes(src: Uint8Array): void {
  const n = src.length;
  if (pos + n > buf.length) grow(n);
  // The typed-array builtin (a memcpy) beats a byte loop from a few bytes up: 13 vs 55 ns for 65
  // bytes on V8, 17 vs 30 on JSC.
  if (n > 16) buf.set(src, pos);
  else {
    const b = buf;
    let p = pos;
    for (let i = 0; i < n; i++) b[p++] = src[i];
  }
  pos += n;
}

/**
 * Writes the decimal digits of a non-negative integer into `b` at `p` (the caller has made room:
 * 20 bytes) and returns the position after them. Fractions are truncated; NaN and infinities
 * (never counts) give "0"; above 2^53 the digits come from BigInt.
 *
 * @example
 * ```ts
 * import { digitsAt } from "./json-writer.ts";
 * const b = new Uint8Array(20);
 * digitsAt(b, 0, 1234); // 4, b starts with "1234"
 * ```
 */
export function digitsAt(b: Uint8Array, p: number, v: number): number {
  if (!(v >= 0 && v < Infinity)) v = 0;
  if (v < 10) {
    b[p] = 48 + (v | 0);
    return p + 1;
  }
  if (v < 2147483648) {
    // Small-integer arithmetic: digits from the right.
    let n = v | 0;
    const len = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    let q = p + len;
    while (q > p) {
      const t = (n / 10) | 0;
      b[--q] = 48 + n - t * 10;
      n = t;
    }
    return p + len;
  }
  const t = v <= 9007199254740991 ? String(Math.floor(v)) : BigInt(Math.trunc(v)).toString();
  for (let j = 0; j < t.length; j++) b[p++] = t.charCodeAt(j);
  return p;
}

/**
 * Writes a double as proto3 JSON does: a JSON number (the shortest round-trip form, what
 * `String(v)` gives), NaN and the infinities as strings.
 */
export function double(v: number): void {
  if (pos + 26 > buf.length) grow(26);
  pos = doubleAt(buf, pos, v);
}

// 10^k, exact for every k here.
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Writes a double into `b` at `p` as {@link double} does (the caller has made room: 26 bytes) and
 * returns the position after it: the bytes of `String(v)` (ECMAScript's shortest round-trip
 * digits, the closest of them, the even one on a tie), found without making a string for every
 * finite value from 1e-6 up to 1e15 (what metrics hold); the others through `String(v)`.
 *
 * @example
 * ```ts
 * import { doubleAt } from "./json-writer.ts";
 * const b = new Uint8Array(26);
 * doubleAt(b, 0, 0.25); // 4, b starts with "0.25"
 * ```
 */
export function doubleAt(b: Uint8Array, p: number, v: number): number {
  if (v === (v | 0)) {
    if (v < 0) {
      b[p++] = 45;
      v = -v;
    }
    return digitsAt(b, p, v);
  }
  const a = v < 0 ? -v : v;
  // String(v) is fixed-point (no exponent) from 1e-6 up to 1e21.
  if (a >= 1e-6 && a < 1e15) {
    const ip = Math.floor(a);
    const q = v < 0 ? p + 1 : p;
    if (v < 0) b[p] = 45;
    if (ip === a) return digitsAt(b, q, a);
    // 1 to 3 fraction digits first: the common case, and few digits to write.
    for (let j = 1; j <= 3; j++) {
      const s = POW10[j];
      const m = Math.round(a * s);
      if (m >= 1e15) break;
      if (m / s === a) return fixed(b, q, ip, m - ip * s, j);
    }
    const end = shortest(b, q, a, ip);
    if (end !== -1) return end;
  }
  const t = Number.isFinite(v) ? String(v) : '"' + v + '"';
  for (let j = 0; j < t.length; j++) b[p++] = t.charCodeAt(j);
  return p;
}

// `a` and its ulp from its bits.
const bits = new DataView(new ArrayBuffer(8));

/**
 * The shortest round-trip digits of `a` (1e-6 to 1e15, not an integer) at `p`, or -1 for the
 * cases left to String(). First the scale: `x = a * 10^K` exactly as hi + lo (Dekker's product,
 * no rounding) and N = x rounded half-even in [10^16, 10^17): 17 digits, which always round-trip.
 * Up to 15 significant digits: the nearest decimal with 15 of them is m / 10^(K-2) with
 * m = Math.round(a * 10^(K-2)) (below 10^15, both roundings stay under 0.25 of a unit), it is the
 * only one within half an ulp of `a` (their spacing is wider than an ulp), and it parses back to
 * `a` exactly when m / 10^(K-2) === a (a correctly rounded division, as a parser's): then the
 * shortest form is its digits without trailing zeros. Else 16 digits when one of the two
 * multiples of 10 around x round-trips (its distance to x under half the gap to the next double
 * on its side, or at the half when `a` is even; all exact in these units), the closer one, the
 * even one on a tie; else N's 17.
 */
function shortest(b: Uint8Array, p: number, a: number, ip: number): number {
  let K = 16 - Math.floor(Math.log10(a));
  let x = 0;
  let lo = 0;
  let r = 0;
  let H = 0;
  let L = 0;
  // Math.log10 may be off by one next to a power of ten: then once more.
  for (let tries = 0; ; tries++) {
    if (K < 2 || K > 22 || tries === 2) return -1;
    const s = POW10[K];
    x = a * s;
    let t = 134217729 * a; // 2^27 + 1: Veltkamp's split into 26-bit halves
    const ah = t - (t - a);
    const al = a - ah;
    t = 134217729 * s;
    const sh = t - (t - s);
    const sl = s - sh;
    lo = ((ah * sh - x) + ah * sl + al * sh) + al * sl;
    // x is an integer from 2^53 up, lo under 8 in size: N = x + r.
    r = Math.round(lo);
    if (r - lo === 0.5 && (r & 1) !== 0) r--;
    H = Math.floor(x / 1e8);
    L = x - H * 1e8;
    if (L < 0) {
      H--;
      L += 1e8;
    } else if (L >= 1e8) {
      H++;
      L -= 1e8;
    }
    L += r;
    if (L < 0) {
      H--;
      L += 1e8;
    } else if (L >= 1e8) {
      H++;
      L -= 1e8;
    }
    if (H >= 1e9) K--;
    else if (H < 1e8) K++;
    else break;
  }
  const k = K - 2;
  const m = Math.round(a * POW10[k]);
  if (m <= 1e15 && m / POW10[k] === a) return fixed(b, p, ip, m - ip * POW10[k], k);
  const d = L % 10;
  // Where x lies above the multiple of 10 below it.
  let below = d + (lo - r);
  let adj = 0;
  if (below < 0) {
    below += 10;
    adj = -1;
  }
  const above = 10 - below;
  bits.setFloat64(0, a);
  const hw = bits.getUint32(0);
  const lw = bits.getUint32(4);
  const even = (lw & 1) === 0;
  bits.setUint32(0, ((hw >>> 20) - 52) << 20);
  bits.setUint32(4, 0);
  const hp = bits.getFloat64(0) * POW10[K] * 0.5; // half an ulp, in units of 10^-K
  const hm = lw === 0 && (hw & 0xfffff) === 0 ? hp * 0.5 : hp; // a power of two: the gap below is half
  const okLo = below < hm || (below === hm && even);
  const okHi = above < hp || (above === hp && even);
  if (okLo || okHi) {
    let Lq = (L - d) / 10;
    if (!okLo || (okHi && (above < below || (above === below && ((Lq + adj) & 1) !== 0)))) adj++;
    Lq += adj;
    if (Lq < 0) {
      H--;
      Lq += 1e7;
    } else if (Lq >= 1e7) {
      H++;
      Lq -= 1e7;
    }
    if (H < 1e8 || H >= 1e9) return -1;
    return digits(b, p, H, Lq, 7, K - 1);
  }
  return digits(b, p, H, L, 8, K);
}

// Writes `ip.f` (`f` below 10^k as k digits, zero-padded, up to 22) without trailing zeros.
function fixed(b: Uint8Array, p: number, ip: number, f: number, k: number): number {
  p = digitsAt(b, p, ip);
  b[p++] = 46;
  let q = p + k;
  if (f >= 100000000) {
    // Two halves in small-integer arithmetic (a double's % is a library call on some engines).
    const hi = Math.floor(f / 100000000);
    let lo = f - hi * 100000000;
    for (let j = 0; j < 8; j++) {
      const t = (lo / 10) | 0;
      b[--q] = 48 + lo - t * 10;
      lo = t;
    }
    f = hi;
  }
  let n = f | 0;
  while (q > p) {
    const t = (n / 10) | 0;
    b[--q] = 48 + n - t * 10;
    n = t;
  }
  // The fraction is not 0, so a digit stays.
  let e = p + k;
  while (b[e - 1] === 48) e--;
  return e;
}

// Writes the decimal H·10^n + L (L as n digits) with `f` of its digits after the point.
function digits(b: Uint8Array, p: number, H: number, L: number, n: number, f: number): number {
  const nd = 9 + n;
  const whole = nd - f;
  let q: number;
  if (whole > 0) q = p;
  else {
    b[p] = 48;
    b[p + 1] = 46;
    for (let i = 0; i < -whole; i++) b[p + 2 + i] = 48;
    q = p + 2 - whole;
  }
  let e = q + nd;
  let l = L | 0;
  for (let i = 0; i < n; i++) {
    const t = (l / 10) | 0;
    b[--e] = 48 + l - t * 10;
    l = t;
  }
  let h = H | 0;
  for (let i = 0; i < 9; i++) {
    const t = (h / 10) | 0;
    b[--e] = 48 + h - t * 10;
    h = t;
  }
  if (whole <= 0) return q + nd;
  // The point after `whole` digits.
  for (let i = q + nd; i > q + whole; i--) b[i] = b[i - 1];
  b[q + whole] = 46;
  return q + nd + 1;
}

/**
 * The buffer being written, with room for `need` more bytes after {@link position}: for encoders
 * that write a hot loop's bytes themselves (then {@link setPosition}). Any other writer call may
 * replace the buffer: ask again after one.
 *
 * @example
 * ```ts
 * import { position, reserve, setPosition, withWriter } from "./json-writer.ts";
 * withWriter(16, () => {
 *   const b = reserve(2);
 *   const p = position();
 *   b[p] = 91;
 *   b[p + 1] = 93;
 *   setPosition(p + 2);
 * }, true); // "[]"
 * ```
 */
export function reserve(need: number): Uint8Array {
  if (pos + need > buf.length) grow(need);
  return buf;
}

/** Where the next byte goes in the buffer {@link reserve} returns. */
export function position(): number {
  return pos;
}

/** Moves the write position to `p` (after bytes written into the {@link reserve} buffer). */
export function setPosition(p: number): void {
  pos = p;
}

/** Writes a count as proto3 JSON's 64-bit decimal string (`"20"`), digits written directly. */
export function uintString(v: number): void {
  if (pos + 26 > buf.length) grow(26);
  const b = buf;
  b[pos] = 34;
  const p = digitsAt(b, pos + 1, v);
  b[p] = 34;
  pos = p + 1;
}

/** Writes an integer as a 64-bit decimal string (`"-20"`), digits written directly (as {@link uintString}, signed). */
export function intString(v: number): void {
  if (pos + 27 > buf.length) grow(27);
  const b = buf;
  let p = pos;
  b[p++] = 34;
  if (v < 0) {
    b[p++] = 45;
    v = -v;
  }
  p = digitsAt(b, p, v);
  b[p++] = 34;
  pos = p;
}

/** Writes counts as a comma-separated list of decimal strings (`"1","20"`), as {@link uintString}. */
export function uintStrings(values: ArrayLike<number>): void {
  const n = values.length;
  if (pos + n * 27 > buf.length) grow(n * 27);
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) {
    if (i > 0) b[p++] = 44;
    b[p++] = 34;
    p = digitsAt(b, p, values[i]);
    b[p++] = 34;
  }
  pos = p;
}

/** Writes one ASCII byte. */
export function byte(c: number): void {
  if (pos === buf.length) grow(1);
  buf[pos++] = c;
}

// The byte after the backslash for the ASCII characters JSON escapes: a short escape for these
// seven, `u` (\u00XX) for the other control characters, 0 for characters written as they are.
const ESCAPE = new Uint8Array(128).fill(117, 0, 32);
for (let i = 0; i < 7; i++) ESCAPE['\b\t\n\f\r"\\'.charCodeAt(i)] = 'btnfr"\\'.charCodeAt(i);

/** Writes a JSON string literal as UTF-8: escapes as JSON.stringify does, lone surrogates as \udXXX. */
export function str(s: string): void {
  const n = s.length;
  if (pos + n * 6 + 2 > buf.length) grow(n * 6 + 2);
  const b = buf;
  let p = pos;
  b[p++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const e = ESCAPE[c];
      if (e === 0) {
        b[p++] = c;
        continue;
      }
      if (e !== 117) {
        b[p++] = 92;
        b[p++] = e;
        continue;
      }
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 63);
      continue;
    } else if (c < 0xd800 || c > 0xdfff) {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 63);
      b[p++] = 0x80 | (c & 63);
      continue;
    } else {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        b[p++] = 0xf0 | (cp >> 18);
        b[p++] = 0x80 | ((cp >> 12) & 63);
        b[p++] = 0x80 | ((cp >> 6) & 63);
        b[p++] = 0x80 | (cp & 63);
        i++;
        continue;
      }
    }
    // \uXXXX: control characters (\u00XX) and lone surrogates.
    b[p++] = 92;
    b[p++] = 117;
    b[p++] = HEXC[c >> 12];
    b[p++] = HEXC[(c >> 8) & 15];
    b[p++] = HEXC[(c >> 4) & 15];
    b[p++] = HEXC[c & 15];
  }
  b[p++] = 34;
  pos = p;
}

// `{"key":"<key>","value":` per attribute key, encoded once: keys repeat across every span.
const KEY_CACHE_MAX = 4096;
const keyCache = new Map<string, Uint8Array>();

function keyPrefix(key: string): void {
  let pre = keyCache.get(key);
  if (pre === undefined) {
    pre = withWriter(key.length * 6 + 24, () => {
      raw('{"key":');
      str(key);
      raw(',"value":');
    }, false).slice();
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(key, pre);
  }
  bytes(pre);
}

/** Writes `{"<field>":"<text>"}`: 64-bit integers and non-finite doubles are JSON strings. */
export function quoted(field: string, text: string): void {
  raw(field);
  raw(text);
  raw('"}');
}

/** Writes a number as an AnyValue (`intValue` string for int64 integers, else `doubleValue`). */
export function numberValue(v: number): void {
  // Integers in int64 range are intValue (a decimal string: JSON readers lose precision above
  // 2^53); every other number is a double, with proto3 JSON's string spellings for non-finite
  // ("NaN", "Infinity", "-Infinity": what String() gives).
  if (Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808) {
    // Above 2^53 Number#toString prints the shortest round-trip digits padded with zeros, not the
    // integer the double holds; BigInt gives the exact value.
    quoted('{"intValue":"', v <= 9007199254740991 && v >= -9007199254740991 ? String(v) : BigInt(v).toString());
  } else if (!Number.isFinite(v)) quoted('{"doubleValue":"', String(v));
  else {
    raw('{"doubleValue":');
    raw(String(v));
    byte(125);
  }
}

/** Writes an attribute value as an OTLP AnyValue (nested arrays and maps up to depth 32). */
export function anyValue(v: AttributeValue, depth: number): void {
  switch (typeof v) {
    case "string":
      raw('{"stringValue":');
      str(v);
      byte(125);
      return;
    case "boolean":
      raw(v ? '{"boolValue":true}' : '{"boolValue":false}');
      return;
    case "number":
      numberValue(v);
      return;
    case "bigint":
      // Beyond int64 the exact digits are kept as a string.
      quoted(v >= INT64_MIN && v <= INT64_MAX ? '{"intValue":"' : '{"stringValue":"', v.toString());
      return;
    case "object": {
      if (v === null) return raw("{}");
      if (depth > 32) return raw('{"stringValue":"[too deep]"}');
      if (v instanceof Uint8Array) return quoted('{"bytesValue":"', base64(v));
      if (Array.isArray(v)) {
        raw('{"arrayValue":{"values":[');
        for (let i = 0; i < v.length; i++) {
          if (i > 0) byte(44);
          const item = v[i];
          if (item === undefined) raw("{}");
          else anyValue(item, depth + 1);
        }
        raw("]}}");
        return;
      }
      raw('{"kvlistValue":{"values":[');
      keyValues(v as Attributes, depth + 1);
      raw("]}}");
      return;
    }
    default:
      raw("{}");
  }
}

/** Writes the `KeyValue` entries of `attrs` (without brackets), skipping `undefined` values. */
export function keyValues(attrs: Attributes, depth: number): void {
  let first = true;
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined) continue;
    if (first) first = false;
    else byte(44);
    keyPrefix(key);
    anyValue(v, depth);
    byte(125);
  }
}

/**
 * Encodes attributes as an OTLP `KeyValue` JSON array.
 *
 * @param attrs Attributes.
 * @returns JSON text of the array.
 * @example
 * ```ts
 * import { encodeAttributes } from "./json-writer.ts";
 * encodeAttributes({ n: 1 }); // '[{"key":"n","value":{"intValue":"1"}}]'
 * ```
 */
export function encodeAttributes(attrs: Attributes): string {
  return withWriter(64, () => {
    byte(91);
    keyValues(attrs, 0);
    byte(93);
  }, true);
}

/** Writes `,"<field>":<n>` when `n` is not zero (proto3 JSON leaves zero counts out). */
export function count(field: string, n: number): void {
  if (n) {
    raw(`,"${field}":`);
    raw(String(n));
  }
}

/** Writes `,"attributes":[...]` and the dropped-attributes count of a span, event or link. */
export function attributes(attrs: Attributes, dropped: number): void {
  raw(',"attributes":[');
  keyValues(attrs, 0);
  byte(93);
  count("droppedAttributesCount", dropped);
}

/** Writes `{"traceId":…,"spanId":…[,"traceState":…]` of a span or a link. */
export function context(c: { traceId: string; spanId: string; traceState?: string }): void {
  raw('{"traceId":');
  str(c.traceId);
  raw(',"spanId":');
  str(c.spanId);
  if (c.traceState) {
    raw(',"traceState":');
    str(c.traceState);
  }
}

/** The decoder of written bodies. */
export const decoder: TextDecoder = new TextDecoder();

/** Runs `fn` against a fresh buffer; nested calls (key cache fills) save and restore the state. */
export function withWriter(size: number, fn: () => void, asString: true): string;
export function withWriter(size: number, fn: () => void, asString: false): Uint8Array;
export function withWriter(size: number, fn: () => void, asString: boolean): string | Uint8Array {
  const saveBuf = buf;
  const savePos = pos;
  buf = new Uint8Array(size);
  pos = 0;
  try {
    fn();
    const out = buf.subarray(0, pos);
    return asString ? decoder.decode(out) : out;
  } finally {
    buf = saveBuf;
    pos = savePos;
  }
}


/** Writes `"resource":{"attributes":[…][,"droppedAttributesCount":n]}`. */
export function resource(attrs: Attributes | undefined, dropped: number | undefined): void {
  raw('"resource":{"attributes":[');
  keyValues(attrs ?? {}, 0);
  byte(93);
  count("droppedAttributesCount", dropped ?? 0);
  byte(125);
}

/** Writes `"scope":{"name":…[,"version":…]}`. */
export function scope(s: { name: string; version?: string }): void {
  raw('"scope":{"name":');
  str(s.name);
  if (s.version !== undefined) {
    raw(',"version":');
    str(s.version);
  }
  byte(125);
}

/** An instrumentation scope (a tracer's, a logger's). */
export interface ScopeLike {
  /** Scope name. */
  name: string;
  /** Scope version. */
  version?: string;
}

/**
 * Items (spans, log records) grouped by their scope's name and version, in first-seen order. Items
 * of one tracer or logger share one scope object, so the key is built only when the object changes.
 *
 * @param items Items with a `scope`.
 * @returns The groups.
 */
export function groupByScope<T extends { scope: ScopeLike }>(items: readonly T[]): Iterable<{ scope: ScopeLike; items: T[] }> {
  const groups = new Map<string, { scope: ScopeLike; items: T[] }>();
  let scope: ScopeLike | undefined;
  let group!: { scope: ScopeLike; items: T[] };
  for (const item of items) {
    if (item.scope !== scope) {
      scope = item.scope;
      const key = scope.version === undefined ? scope.name : scope.name + "\u0000" + scope.version;
      group = groups.get(key) as typeof group;
      if (group === undefined) groups.set(key, group = { scope, items: [] });
    }
    group.items.push(item);
  }
  return groups.values();
}

/**
 * A request body's starting buffer size, learned from the bytes per item of recent requests, so a
 * body is written without regrowing (each regrowth copies everything written so far).
 */
export class BodySize {
  #perItem: number;
  readonly #slack: number;

  /**
   * @param perItem The first guess, bytes per item.
   * @param slack How much over the learned size to allocate (the buffer is zero-filled, so less is faster when the guess holds).
   */
  constructor(perItem: number, slack: number) {
    this.#perItem = perItem;
    this.#slack = slack;
  }

  /**
   * The buffer size for a body of `items` items.
   *
   * @param items Items in the body.
   * @returns Bytes.
   */
  estimate(items: number): number {
    return Math.ceil(items * this.#perItem * this.#slack) + 1024;
  }

  /**
   * Learns from a written body (bodies under 16 items say little).
   *
   * @param items Items in the body.
   * @param bytes Its size.
   */
  learn(items: number, bytes: number): void {
    if (items >= 16) this.#perItem = Math.max(64, Math.min(1 << 20, bytes / items));
  }
}

/**
 * Writes a request of one resource whose items are grouped by scope:
 * `{"<resourceField>":[{"resource":…,"<scopeField>":[{"scope":…,"<itemsField>":[…]}…][,"schemaUrl":…]}]}`.
 *
 * @param fields The request's three array fields (e.g. `resourceSpans`, `scopeSpans`, `spans`).
 * @param items The items.
 * @param item Writes one item.
 * @param options Resource, its dropped attributes, schema URL.
 */
export function scopedRequest<T extends { scope: ScopeLike }>(
  fields: readonly [string, string, string],
  items: readonly T[],
  item: (value: T) => void,
  options: { resource?: Attributes; resourceDroppedAttributesCount?: number; schemaUrl?: string },
): void {
  raw(`{"${fields[0]}":[{`);
  resource(options.resource, options.resourceDroppedAttributesCount);
  raw(`,"${fields[1]}":[`);
  let first = true;
  for (const group of groupByScope(items)) {
    if (first) first = false;
    else byte(44);
    byte(123);
    scope(group.scope);
    raw(`,"${fields[2]}":[`);
    const list = group.items;
    for (let i = 0; i < list.length; i++) {
      if (i > 0) byte(44);
      item(list[i]);
    }
    raw("]}");
  }
  byte(93);
  if (options.schemaUrl) {
    raw(',"schemaUrl":');
    str(options.schemaUrl);
  }
  raw("}]}");
}
