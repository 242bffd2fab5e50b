/**
 * The `node:buffer` JSONL accelerator, for Node and for Deno (whose `node:buffer` has the same
 * methods), reached through `process.getBuiltinModule`, never a static import (no permission
 * needed): runs of ASCII lines are decoded with `latin1Slice`, a plain byte-to-one-byte-string
 * copy. `TextDecoder` has to make a two-byte string of any window holding one character above
 * U+00FF, and V8 parses one-byte strings faster too. Lines holding a non-ASCII byte stay on the
 * portable path (see `jsonl/ascii-runs.ts`).
 *
 * 100 MB of real 0.169 event lines (3% of them non-ASCII) through a pipe: on Node 1.29× the cost
 * of `JSON.parse` on pre-split lines against 1.54× with `TextDecoder`; on Deno 1.14× against 1.23×.
 *
 * Node only gains from it because the decoder parses lazily (`JsonlDecoder.values`). With every
 * value of a 64 KB window parsed up front, a scavenge falling mid-window found the window's values
 * (40–75 KB) alive, and V8 grew its young generation to the 16 MB semi-space maximum: RSS over
 * 1 GB went from +7 MB to +34 MB. With `TextDecoder` the window's text, two-byte and over 128 KB,
 * is a large object whose allocation triggers the scavenges, when nothing is alive. Parsing each
 * ASCII run as the consumer asks keeps survivors near zero on both paths (+6.5 MB).
 * @module
 */
import type { AsciiAccelerator } from "../jsonl-accelerator.ts";
import { builtinModule } from "../builtin.ts";

interface BufferModule {
  isAscii?: (bytes: Uint8Array) => boolean;
  Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } };
}

/**
 * The accelerator over `node:buffer`, or `undefined` where there is none (browsers, workers).
 *
 * @returns The accelerator, or `undefined`.
 * @example
 * ```ts
 * import { nodeBufferJsonlAccelerator } from "./jsonl.ts";
 * const acc = nodeBufferJsonlAccelerator();
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n');
 * console.log(acc?.ascii(bytes, 0, bytes.length)); // '{"a":1}\n{"b":2}' on Node and Deno
 * ```
 */
export function nodeBufferJsonlAccelerator(): AsciiAccelerator | undefined {
  const mod = builtinModule<BufferModule>("node:buffer");
  const isAscii = mod?.isAscii;
  const latin1Slice = mod?.Buffer?.prototype.latin1Slice;
  if (typeof isAscii !== "function" || typeof latin1Slice !== "function") return undefined;
  return {
    isAscii,
    // ASCII is its own Latin-1: the one-byte string is exactly what TextDecoder would give.
    ascii: (bytes, start, end): string => latin1Slice.call(bytes, start, end - 1),
  };
}
