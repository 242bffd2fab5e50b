/**
 * Trace and span ids from `crypto.getRandomValues`, generated cheaply: one large random buffer is
 * turned into hex once and ids are sliced from it, so an id costs a substring, not a syscall.
 * @module
 */

const POOL_BYTES = 8192;
// ASCII bytes decode identically under latin1; one decode call turns the whole pool into a string.
const latin1 = new TextDecoder("latin1");
// Each byte's two hex digits as one 16-bit unit, laid out in memory order (built through a byte
// view, so it is right whatever the platform's endianness): one table store per random byte.
const PAIRS = new Uint16Array(256);
{
  const digits = "0123456789abcdef";
  const bytes = new Uint8Array(PAIRS.buffer);
  for (let b = 0; b < 256; b++) {
    bytes[2 * b] = digits.charCodeAt(b >> 4);
    bytes[2 * b + 1] = digits.charCodeAt(b & 15);
  }
}

let pool = "";
let pos = 0;
// Allocated on first use: Workers forbid crypto.getRandomValues (and need nothing) at module load.
let random: Uint8Array<ArrayBuffer> | undefined;
let hex: Uint16Array<ArrayBuffer> | undefined;

function refill(): void {
  random ??= new Uint8Array(POOL_BYTES);
  hex ??= new Uint16Array(POOL_BYTES);
  crypto.getRandomValues(random);
  for (let i = 0; i < POOL_BYTES; i++) hex[i] = PAIRS[random[i]];
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
