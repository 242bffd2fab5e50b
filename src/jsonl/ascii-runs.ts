/**
 * The seam for runtime-specific JSONL acceleration: a window of complete lines is cut into runs
 * of ASCII lines, which a runtime adapter decodes faster than `TextDecoder` can (UTF-8 to UTF-16
 * is the slow part of decoding, and ASCII needs none of it), and lines holding a non-ASCII byte,
 * which stay on the portable path. Runtime-neutral: the adapters bring `isAscii` and the decoding.
 * @module
 */

/** Decodes the complete lines `bytes[start, end)` (`end` just past a newline) into `out`. */
export type JsonlLines = (bytes: Uint8Array, start: number, end: number, out: unknown[]) => void;

/** Splits decoded text (no trailing newline) into lines and parses each, exactly as the decoder does. */
export type JsonlText = (text: string, out: unknown[]) => void;

/** What a runtime adapter brings to {@link walkAsciiRuns}. */
export interface AsciiAccelerator {
  /**
   * Whether every byte is below 0x80 (a native, vectorized check).
   *
   * @param bytes The bytes.
   * @returns `true` for ASCII.
   */
  isAscii(bytes: Uint8Array): boolean;
  /**
   * Decodes complete ASCII lines; must give what `portable` would.
   *
   * @param bytes The bytes.
   * @param start First byte of the run.
   * @param end Just past the run's last newline.
   * @param out Where the values go, in order.
   * @param text The decoder's split-and-parse of decoded text.
   * @param portable The decoder's portable path, for anything the adapter will not vouch for.
   */
  ascii(bytes: Uint8Array, start: number, end: number, out: unknown[], text: JsonlText, portable: JsonlLines): void;
}

// Below this many bytes a non-ASCII byte is found by a plain scan instead of more halvings.
const SCAN = 256;

// The first non-ASCII byte in bytes[start, end), or `end`: isAscii over blocks that double from
// 4 KB while they pass (the cost follows the distance to that byte, not the window size), then
// halving inside the block that failed.
function firstNonAscii(isAscii: (b: Uint8Array) => boolean, bytes: Uint8Array, start: number, end: number): number {
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
}

/**
 * Decodes the complete lines `bytes[start, end)`: runs of ASCII lines through the accelerator,
 * each line with a non-ASCII byte through `portable`, in order.
 *
 * @param acc The runtime's accelerator.
 * @param bytes The bytes.
 * @param start First byte.
 * @param end Just past a newline.
 * @param out Where the values go.
 * @param text The decoder's split-and-parse of decoded text.
 * @param portable The decoder's portable path.
 * @example
 * ```ts
 * import { walkAsciiRuns } from "./ascii-runs.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\n{"é":2}\n');
 * const out: unknown[] = [];
 * const text = (t: string, o: unknown[]) => t.split("\n").forEach((l) => o.push(JSON.parse(l)));
 * const isAscii = (b: Uint8Array) => b.every((x) => x < 0x80);
 * walkAsciiRuns(
 *   { isAscii, ascii: (b, s, e, o, t) => t(String.fromCharCode(...b.subarray(s, e - 1)), o) },
 *   bytes, 0, bytes.length, out, text,
 *   (b, s, e, o) => text(new TextDecoder().decode(b.subarray(s, e - 1)), o),
 * );
 * console.log(out); // [{ a: 1 }, { "é": 2 }]
 * ```
 */
export function walkAsciiRuns(
  acc: AsciiAccelerator,
  bytes: Uint8Array,
  start: number,
  end: number,
  out: unknown[],
  text: JsonlText,
  portable: JsonlLines,
): void {
  let at = start;
  while (at < end) {
    const bad = firstNonAscii(acc.isAscii, bytes, at, end);
    const stop = bad === end ? end : bytes.lastIndexOf(10, bad) + 1;
    if (stop > at) {
      acc.ascii(bytes, at, stop, out, text, portable);
      at = stop;
    }
    if (at < end) {
      // The line holding the non-ASCII byte (its newline is there: `end` follows a newline).
      const next = bytes.indexOf(10, bad) + 1;
      portable(bytes, at, next, out);
      at = next;
    }
  }
}
