/**
 * The `node:buffer` JSONL accelerator (Node and Deno): runs of ASCII lines are decoded with
 * `latin1Slice`, a byte-to-one-byte-string copy, instead of `TextDecoder`.
 * @module
 */
// Why it pays: `TextDecoder` makes a two-byte string of any window holding one character above
// U+00FF, and V8 parses one-byte strings faster. Node gains from it only because the decoder parses
// lazily (`JsonlDecoder.values`): with a window's values parsed up front, scavenges found them alive
// and V8 grew its young generation to the maximum. Measurements: docs/PERFORMANCE-NOTES.md.
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
