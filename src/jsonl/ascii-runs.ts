/**
 * The seam for runtime-specific JSONL acceleration: a window of complete lines is cut into runs
 * of ASCII lines, which a runtime adapter decodes faster than `TextDecoder` can (UTF-8 to UTF-16
 * is the slow part of decoding, and ASCII needs none of it), and lines holding a non-ASCII byte,
 * which stay on the portable path. Runtime-neutral: the adapters bring `isAscii` and the decoding
 * (`runtime/jsonl-accelerator.ts`).
 * @module
 */

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
 * Where the run of ASCII lines that starts at `start` ends: just past the newline of its last
 * line, `end` when every line is ASCII, or `start` itself when the first line holds a non-ASCII
 * byte.
 *
 * @param isAscii The runtime's `isAscii`.
 * @param bytes The bytes.
 * @param start First byte of a line.
 * @param end Just past a newline.
 * @returns The run's end.
 * @example
 * ```ts
 * import { asciiRunEnd } from "./ascii-runs.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n{"c":"é"}\n');
 * const isAscii = (b: Uint8Array) => b.every((x) => x < 0x80);
 * asciiRunEnd(isAscii, bytes, 0, bytes.length); // 16: two ASCII lines
 * asciiRunEnd(isAscii, bytes, 16, bytes.length); // 16: the next line is not ASCII
 * ```
 */
export function asciiRunEnd(
  isAscii: (b: Uint8Array) => boolean,
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  const bad = firstNonAscii(isAscii, bytes, start, end);
  return bad === end ? end : Math.max(start, bytes.lastIndexOf(10, bad) + 1);
}
