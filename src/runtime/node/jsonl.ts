/**
 * The `node:buffer` JSONL accelerator (Node, and Deno through its Node compatibility): runs of
 * ASCII lines are decoded with `latin1Slice`, a plain byte-to-one-byte-string copy, instead of
 * `TextDecoder`, whose UTF-8 to UTF-16 conversion of any window holding one non-ASCII character is
 * the slow part (100 MB of real 0.169 event lines in memory on Node 24: 105 ms through
 * `TextDecoder`, 13 ms through `latin1Slice`; the decoder went from 1.56× to 1.16× the cost of
 * `JSON.parse` on pre-split lines). Lines holding a non-ASCII byte stay on the portable path (see
 * `jsonl/ascii-runs.ts`). Reached through `process.getBuiltinModule`, never a static import.
 * @module
 */
import type { AsciiAccelerator } from "../../jsonl/ascii-runs.ts";

interface BufferModule {
  isAscii?: (bytes: Uint8Array) => boolean;
  Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } };
}
interface ProcessLike {
  getBuiltinModule?: (id: string) => BufferModule | undefined;
}

/**
 * The accelerator over `node:buffer`, or `undefined` where there is none (edge runtimes).
 *
 * @returns The accelerator, or `undefined`.
 * @example
 * ```ts
 * import { nodeJsonlAccelerator } from "./jsonl.ts";
 * const acc = nodeJsonlAccelerator();
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n');
 * const out: unknown[] = [];
 * const text = (t: string, o: unknown[]) => t.split("\n").forEach((l) => o.push(JSON.parse(l)));
 * acc?.ascii(bytes, 0, bytes.length, out, text, () => {});
 * console.log(out); // [{ a: 1 }, { b: 2 }]
 * ```
 */
export function nodeJsonlAccelerator(): AsciiAccelerator | undefined {
  let mod: BufferModule | undefined;
  try {
    mod = (globalThis as { process?: ProcessLike }).process?.getBuiltinModule?.("node:buffer");
  } catch {
    return undefined;
  }
  const isAscii = mod?.isAscii;
  const latin1Slice = mod?.Buffer?.prototype.latin1Slice;
  if (typeof isAscii !== "function" || typeof latin1Slice !== "function") return undefined;
  return {
    isAscii,
    ascii(bytes, start, end, out, text): void {
      // ASCII is its own Latin-1: the one-byte string is exactly what TextDecoder would give.
      text(latin1Slice.call(bytes, start, end - 1), out);
    },
  };
}
