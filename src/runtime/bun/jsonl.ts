/**
 * Bun's JSONL accelerator: runs of ASCII lines are parsed from the bytes by `Bun.JSONL.parseChunk`
 * (no `TextDecoder` pass, no line strings). Typed with local structural types (no `bun-types`).
 * @module
 */
// On JavaScriptCore `JSON.parse` is so fast that decoding and splitting around it cost as much
// again; non-ASCII bytes would be converted to UTF-16 first, no faster than the portable path, so
// those lines stay there (`jsonl/ascii-runs.ts`). Measurements: docs/PERFORMANCE-NOTES.md.
import type { AsciiAccelerator } from "../jsonl-accelerator.ts";
import { builtinModule } from "../builtin.ts";

/** What `Bun.JSONL.parseChunk` returns. */
interface ParseChunkResult {
  readonly values: unknown[];
  readonly error: unknown;
}
interface BunJsonlGlobal {
  JSONL?: { parseChunk?: (input: Uint8Array, start: number, end: number) => ParseChunkResult };
}

/**
 * The accelerator over `Bun.JSONL`, or `undefined` when not on Bun (or on a Bun without
 * `Bun.JSONL`, added in 1.3).
 *
 * @returns The accelerator, or `undefined`.
 * @example
 * ```ts
 * import { bunJsonlAccelerator } from "./jsonl.ts";
 * const acc = bunJsonlAccelerator();
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n');
 * console.log(acc?.ascii(bytes, 0, bytes.length)); // [{ a: 1 }, { b: 2 }] on Bun
 * ```
 */
export function bunJsonlAccelerator(): AsciiAccelerator | undefined {
  const bun = (globalThis as { Bun?: BunJsonlGlobal }).Bun;
  const parseChunk = bun?.JSONL?.parseChunk;
  if (typeof parseChunk !== "function") return undefined;
  const isAscii = builtinModule<{ isAscii?: (bytes: Uint8Array) => boolean }>("node:buffer")?.isAscii;
  if (typeof isAscii !== "function") return undefined;
  return {
    isAscii,
    // One value per newline, or the portable path: a blank line (no value) or a value spanning
    // lines (one value, two newlines) makes the counts differ, and a line holding two values is
    // already an error. (A byte-order mark, which the native parser skips at `start`, is not ASCII.)
    ascii(bytes, start, end): unknown[] | undefined {
      const r = parseChunk(bytes, start, end);
      if (r.error !== null) return undefined;
      // Uint8Array.indexOf, not Bun.indexOfLine: 20 against 29 ms per 100 MB of event lines.
      let lines = 0;
      for (let at = bytes.indexOf(10, start); at !== -1 && at < end; at = bytes.indexOf(10, at + 1)) lines++;
      return lines === r.values.length ? r.values : undefined;
    },
  };
}
