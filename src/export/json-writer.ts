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

// The decimal digits of a non-negative integer at `p`; returns the position after them. Fractions
// are truncated; NaN and infinities (never counts) give "0"; above 2^53 the digits come from BigInt.
function putDigits(b: Uint8Array, p: number, v: number): number {
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
      const d = n % 10;
      b[--q] = 48 + d;
      n = (n - d) / 10;
    }
    return p + len;
  }
  const t = v <= 9007199254740991 ? String(Math.floor(v)) : BigInt(Math.trunc(v)).toString();
  for (let j = 0; j < t.length; j++) b[p++] = t.charCodeAt(j);
  return p;
}

/**
 * Writes a double as proto3 JSON does: a JSON number (32-bit integers as digits written directly,
 * others as `String(v)`: the shortest round-trip form), NaN and the infinities as strings.
 */
export function double(v: number): void {
  if (v === (v | 0)) {
    if (pos + 12 > buf.length) grow(12);
    const b = buf;
    let p = pos;
    if (v < 0) {
      b[p++] = 45;
      v = -v;
    }
    pos = putDigits(b, p, v);
  } else if (Number.isFinite(v)) raw(String(v));
  else {
    byte(34);
    raw(String(v));
    byte(34);
  }
}

/** Writes a count as proto3 JSON's 64-bit decimal string (`"20"`), digits written directly. */
export function uintString(v: number): void {
  if (pos + 26 > buf.length) grow(26);
  const b = buf;
  b[pos] = 34;
  const p = putDigits(b, pos + 1, v);
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
  p = putDigits(b, p, v);
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
    p = putDigits(b, p, values[i]);
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
  const n = pre.length;
  if (pos + n > buf.length) grow(n);
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) b[p++] = pre[i];
  pos = p;
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
