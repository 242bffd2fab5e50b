/**
 * Bun's native JSON Lines parser (`Bun.JSONL.parseChunk`), which parses ASCII bytes directly: no
 * `TextDecoder` pass, no line strings. On JavaScriptCore, `JSON.parse` is so fast that the decode
 * and split around it cost as much again; parsing the bytes natively removes both. Bytes with a
 * non-ASCII character are converted to UTF-16 by the native parser first, and there it was no
 * faster than the portable path, so a window of lines is cut into runs: ASCII lines go to the
 * native parser, each line with a non-ASCII byte to the portable path (100 MB of real 0.169 event
 * lines in memory, 3% of them non-ASCII: 1.51× the cost of `JSON.parse` on pre-split lines, against
 * 2.18× for the portable path alone). Typed with local structural types, so this file compiles
 * without `bun-types`.
 * @module
 */

/** What `Bun.JSONL.parseChunk` returns. */
interface ParseChunkResult {
  readonly values: unknown[];
  readonly read: number;
  readonly error: unknown;
}
interface BunJsonlGlobal {
  JSONL?: { parseChunk?: (input: Uint8Array, start: number, end: number) => ParseChunkResult };
  indexOfLine?: (input: Uint8Array, offset: number) => number;
}
interface ProcessLike {
  getBuiltinModule?: (id: string) => { isAscii?: (bytes: Uint8Array) => boolean } | undefined;
}

/**
 * Decodes the complete lines `bytes[start, end)` (`end` just past a newline) into `out`, exactly as
 * `JSON.parse` of each line would: the portable path of the decoder.
 */
export type JsonlLines = (bytes: Uint8Array, start: number, end: number, out: unknown[]) => void;

/**
 * A native {@link JsonlLines}: parses what it can natively and hands the rest (and anything whose
 * native result could differ from `JSON.parse` line by line) to `portable`, in order.
 */
export type NativeJsonlLines = (
  bytes: Uint8Array,
  start: number,
  end: number,
  out: unknown[],
  portable: JsonlLines,
) => void;

// Below this many bytes a non-ASCII byte is found by a plain scan instead of more isAscii halvings.
const SCAN = 256;

/**
 * Bun's native parser behind the {@link NativeJsonlLines} contract, or `undefined` when not on Bun
 * (or on a Bun without `Bun.JSONL`, added in 1.3).
 *
 * @returns The parser, or `undefined`.
 * @example
 * ```ts
 * import { bunJsonlParser } from "./jsonl.ts";
 * const parse = bunJsonlParser();
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n');
 * const out: unknown[] = [];
 * parse?.(bytes, 0, bytes.length, out, () => {});
 * console.log(out); // [{ a: 1 }, { b: 2 }] on Bun
 * ```
 */
export function bunJsonlParser(): NativeJsonlLines | undefined {
  const bun = (globalThis as { Bun?: BunJsonlGlobal }).Bun;
  const parseChunk = bun?.JSONL?.parseChunk;
  const isAscii = (globalThis as { process?: ProcessLike }).process?.getBuiltinModule?.("node:buffer")?.isAscii;
  if (typeof parseChunk !== "function" || typeof isAscii !== "function") return undefined;
  const nextLine = typeof bun!.indexOfLine === "function"
    ? bun!.indexOfLine
    : (bytes: Uint8Array, offset: number): number => bytes.indexOf(10, offset);

  // The first non-ASCII byte in bytes[start, end), or `end`: isAscii (simdutf) over blocks that
  // double from 4 KB while they pass (the cost follows the distance to that byte, not the window),
  // then halving inside the block that failed.
  const firstNonAscii = (bytes: Uint8Array, start: number, end: number): number => {
    let lo = start;
    for (let size = 4096; lo < end; size *= 2) {
      let hi = Math.min(end, lo + size);
      if (isAscii(bytes.subarray(lo, hi))) {
        lo = hi;
        continue;
      }
      while (hi - lo > SCAN) {
        const mid = (lo + hi) >>> 1;
        if (isAscii(bytes.subarray(lo, mid))) lo = mid;
        else hi = mid;
      }
      while (bytes[lo] < 0x80) lo++;
      return lo;
    }
    return end;
  };

  // ASCII lines only. One value per newline, or the portable path: a blank line (no value) or a
  // value spanning lines (one value, two newlines) makes the counts differ, a line holding two
  // values is already an error, and a byte-order mark (skipped natively at `start`) is not ASCII.
  const ascii = (bytes: Uint8Array, start: number, end: number, out: unknown[], portable: JsonlLines): void => {
    const r = parseChunk(bytes, start, end);
    let lines = 0;
    if (r.error === null) {
      for (let at = nextLine(bytes, start); at !== -1 && at < end; at = nextLine(bytes, at + 1)) lines++;
    }
    if (r.error !== null || lines !== r.values.length) return portable(bytes, start, end, out);
    const values = r.values;
    for (let k = 0; k < values.length; k++) out.push(values[k]);
  };

  return (bytes, start, end, out, portable) => {
    let at = start;
    while (at < end) {
      const bad = firstNonAscii(bytes, at, end);
      const stop = bad === end ? end : bytes.lastIndexOf(10, bad) + 1;
      if (stop > at) {
        ascii(bytes, at, stop, out, portable);
        at = stop;
      }
      if (at < end) {
        // The line holding the non-ASCII byte (its newline is there: `end` follows a newline).
        const next = bytes.indexOf(10, bad) + 1;
        portable(bytes, at, next, out);
        at = next;
      }
    }
  };
}
