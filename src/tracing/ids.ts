/**
 * Trace and span ids from `crypto.getRandomValues`, generated cheaply: one large random buffer is
 * turned into hex once and ids are sliced from it, so an id costs a substring, not a syscall.
 * @module
 */

const POOL_BYTES = 8192;
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
// ASCII bytes decode identically under latin1; one decode call turns the whole pool into a string.
const latin1 = new TextDecoder("latin1");

let pool = "";
let pos = 0;

function refill(): void {
  const bytes = new Uint8Array(POOL_BYTES);
  crypto.getRandomValues(bytes);
  const hex = new Uint8Array(POOL_BYTES * 2);
  for (let i = 0, j = 0; i < POOL_BYTES; i++) {
    const b = bytes[i];
    hex[j++] = HEX_DIGITS[b >> 4];
    hex[j++] = HEX_DIGITS[b & 15];
  }
  pool = latin1.decode(hex);
  pos = 0;
}

function take(chars: number, zero: string): string {
  for (;;) {
    if (pos + chars > pool.length) refill();
    const id = pool.slice(pos, pos + chars);
    pos += chars;
    // All-zero ids are invalid (W3C, OTLP); 2^-64 odds, but correctness is cheap here.
    if (id !== zero) return id;
  }
}

/**
 * A random 16-byte trace id as 32 lowercase hex chars, never all zeros.
 *
 * @returns The trace id.
 * @example
 * ```ts
 * import { newTraceId } from "./ids.ts";
 * newTraceId().length; // 32
 * ```
 */
export function newTraceId(): string {
  return take(32, "00000000000000000000000000000000");
}

/**
 * A random 8-byte span id as 16 lowercase hex chars, never all zeros.
 *
 * @returns The span id.
 * @example
 * ```ts
 * import { newSpanId } from "./ids.ts";
 * newSpanId().length; // 16
 * ```
 */
export function newSpanId(): string {
  return take(16, "0000000000000000");
}
