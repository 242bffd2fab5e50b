/**
 * The runtime's JSONL accelerator: the seam between the portable decoder (`jsonl/decoder.ts`) and
 * what a runtime does faster than `TextDecoder` plus `JSON.parse` for runs of ASCII lines
 * (`Bun.JSONL` on Bun, `node:buffer`'s one-byte slices on Node and Deno). Looked up once.
 * @module
 */
import { bunJsonlAccelerator } from "./bun/jsonl.ts";
import { nodeBufferJsonlAccelerator } from "./node/jsonl.ts";

/** What a runtime adapter brings to the decoder. */
export interface AsciiAccelerator {
  /**
   * Whether every byte is below 0x80 (a native, vectorized check).
   *
   * @param bytes The bytes.
   * @returns `true` for ASCII.
   */
  isAscii(bytes: Uint8Array): boolean;
  /**
   * Decodes a run of complete ASCII lines, giving exactly what the portable path would: their
   * text without the last newline (the decoder splits and parses it, line by line, as the
   * consumer asks), or their values, one per line, already parsed; `undefined` leaves the run to
   * the portable path.
   *
   * @param bytes The bytes.
   * @param start First byte of the run.
   * @param end Just past the run's last newline.
   * @returns The run's text, its values, or `undefined`.
   */
  ascii(bytes: Uint8Array, start: number, end: number): string | unknown[] | undefined;
}

// Looked up once per process: the lookups reach for globals and builtin modules.
let cached: AsciiAccelerator | undefined | null = null;

/**
 * The accelerator of the running runtime, or `undefined` where there is none (browsers, workers).
 *
 * @returns The accelerator.
 * @example
 * ```ts
 * import { jsonlAccelerator } from "./jsonl-accelerator.ts";
 * console.log(jsonlAccelerator() === undefined ? "portable path" : "accelerated");
 * ```
 */
export function jsonlAccelerator(): AsciiAccelerator | undefined {
  return cached === null ? (cached = bunJsonlAccelerator() ?? nodeBufferJsonlAccelerator()) : cached;
}
