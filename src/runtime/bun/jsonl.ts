/**
 * Bun's native JSON Lines parser (`Bun.JSONL.parseChunk`), which parses ASCII bytes directly:
 * no `TextDecoder` pass, no line strings. On JavaScriptCore, `JSON.parse` is so fast that the
 * decode and split around it cost as much again; parsing the bytes natively removes both (100 MB
 * of ASCII event lines in memory: 1.17× the cost of `JSON.parse` on pre-split lines, against
 * 1.91× for decode + split + parse). Bytes with any non-ASCII character are converted to UTF-16
 * first, and there the native parser lost (2.5× vs 2.1× through a pipe), so such windows take the
 * portable path: `isAscii` (simdutf) decides per window for 5 ms per 100 MB.
 * Typed with local structural types, so this file compiles without `bun-types`.
 * @module
 */

/** What `Bun.JSONL.parseChunk` returns. */
interface ParseChunkResult {
  readonly values: unknown[];
  readonly read: number;
  readonly error: unknown;
}
interface ProcessLike {
  getBuiltinModule?: (id: string) => { isAscii?: (bytes: Uint8Array) => boolean } | undefined;
}
interface BunJsonlGlobal {
  JSONL?: { parseChunk?: (input: Uint8Array, start: number, end: number) => ParseChunkResult };
  indexOfLine?: (input: Uint8Array, offset: number) => number;
}

/**
 * Parses the complete lines `bytes[start, end)` (`end` just past a newline) natively, or
 * returns `undefined` when the bytes are not exactly one JSON value per line: a line that fails
 * to parse, a blank line, or a value spread over several lines; also when native parsing would not
 * be faster (non-ASCII bytes). The caller then takes the portable path, so the values never differ
 * from `JSON.parse` line by line.
 */
export type NativeJsonlParser = (bytes: Uint8Array, start: number, end: number) => unknown[] | undefined;

/**
 * Bun's native parser behind the {@link NativeJsonlParser} contract, or `undefined` when not on
 * Bun (or on a Bun without `Bun.JSONL`, added in 1.3).
 *
 * @returns The parser, or `undefined`.
 * @example
 * ```ts
 * import { bunJsonlParser } from "./jsonl.ts";
 * const parse = bunJsonlParser();
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n');
 * console.log(parse?.(bytes, 0, bytes.length)); // [{ a: 1 }, { b: 2 }] on Bun
 * ```
 */
export function bunJsonlParser(): NativeJsonlParser | undefined {
  const bun = (globalThis as { Bun?: BunJsonlGlobal }).Bun;
  const parseChunk = bun?.JSONL?.parseChunk;
  const isAscii = (globalThis as { process?: ProcessLike }).process?.getBuiltinModule?.("node:buffer")?.isAscii;
  if (typeof parseChunk !== "function" || typeof isAscii !== "function") return undefined;
  const nextLine = typeof bun!.indexOfLine === "function"
    ? bun!.indexOfLine
    : (bytes: Uint8Array, offset: number) => bytes.indexOf(10, offset);
  return (bytes, start, end) => {
    // ASCII only: that is where native parsing is faster, and it also rules out a byte-order mark
    // (only skipped at the start of a stream, which the caller handles; the native parser would
    // skip one at `start` too).
    if (!isAscii(bytes.subarray(start, end))) return undefined;
    const r = parseChunk(bytes, start, end);
    if (r.error !== null) return undefined;
    // One value per newline: a blank line (no value) or a value spanning lines (one value, two
    // newlines) makes the counts differ, and a line holding two values is already an error.
    let lines = 0;
    for (let at = nextLine(bytes, start); at !== -1 && at < end; at = nextLine(bytes, at + 1)) lines++;
    return lines === r.values.length ? r.values : undefined;
  };
}
