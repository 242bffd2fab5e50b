/**
 * Deno's JSONL accelerator, over its `node:buffer` (reached through `process.getBuiltinModule`,
 * never a static import; no permission needed): runs of ASCII lines are decoded with
 * `latin1Slice`, a plain byte-to-one-byte-string copy, and parsed as one-byte strings, which V8
 * parses faster than the two-byte text `TextDecoder` makes of any window holding one non-ASCII
 * character. Lines holding a non-ASCII byte stay on the portable path (see `jsonl/ascii-runs.ts`).
 * 100 MB of real 0.169 event lines through a pipe: 1.14× the cost of `JSON.parse` on pre-split
 * lines, against 1.23× without it; RSS over 1 GB unchanged (+1 MB).
 *
 * Not used on Node, where it was faster still (1.49× → 1.29× the floor) but made V8 grow its young
 * generation to the 16 MB semi-space maximum: scavenges then fall mid-window with the window's
 * values alive, where with whole-window decoding they fall at each window's 128 KB large-object
 * allocation, when nothing is. RSS over 1 GB went from +9–11 MB to +28–37 MB, past the 20 MB target.
 * Feeding the decoder 16 KB at a time, so that fewer values are alive at once, only delayed the
 * growth (+17 MB at 1 GB, +36 MB when the slices came through a generator).
 * @module
 */
import type { AsciiAccelerator } from "../../jsonl/ascii-runs.ts";
import { builtinModule } from "../builtin.ts";

interface BufferModule {
  isAscii?: (bytes: Uint8Array) => boolean;
  Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } };
}

/**
 * The accelerator over Deno's `node:buffer`, or `undefined` when not on Deno.
 *
 * @returns The accelerator, or `undefined`.
 * @example
 * ```ts
 * import { denoJsonlAccelerator } from "./jsonl.ts";
 * const acc = denoJsonlAccelerator();
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n');
 * const out: unknown[] = [];
 * const text = (t: string, o: unknown[]) => t.split("\n").forEach((l) => o.push(JSON.parse(l)));
 * acc?.ascii(bytes, 0, bytes.length, out, text, () => {});
 * console.log(out); // [{ a: 1 }, { b: 2 }] on Deno
 * ```
 */
export function denoJsonlAccelerator(): AsciiAccelerator | undefined {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "object") return undefined;
  const mod = builtinModule<BufferModule>("node:buffer");
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
