/**
 * Clocks for telemetry: an exact epoch-nanosecond wall clock anchored once and advanced by the
 * monotonic `performance.now()`, so timestamps never go backwards and never lose precision.
 * @module
 */

// Anchor the wall clock once: Date.now() is millisecond-coarse and can jump; performance.now()
// is monotonic and sub-millisecond. Epoch ns exceed 2^53, so the sum is built as a bigint.
const ORIGIN_EPOCH_NS: bigint = BigInt(Date.now()) * 1_000_000n;
const ORIGIN_PERF_MS: number = performance.now();

/**
 * Returns the current time as epoch nanoseconds (exact integer, never a float).
 *
 * @returns Nanoseconds since 1970-01-01T00:00:00Z.
 * @example Read the clock
 * ```ts
 * import { epochNanos } from "./clock.ts";
 * const t: bigint = epochNanos();
 * ```
 */
export function epochNanos(): bigint {
  return ORIGIN_EPOCH_NS + BigInt(Math.round((performance.now() - ORIGIN_PERF_MS) * 1e6));
}

/**
 * Converts a monotonic `performance.now()` reading into epoch nanoseconds on the same anchor as
 * {@link epochNanos}.
 *
 * @param perfMs A value returned by `performance.now()`.
 * @returns Epoch nanoseconds.
 */
export function perfToEpochNanos(perfMs: number): bigint {
  return ORIGIN_EPOCH_NS + BigInt(Math.round((perfMs - ORIGIN_PERF_MS) * 1e6));
}

/**
 * Monotonic milliseconds (sub-millisecond precision), for measuring durations.
 *
 * @returns `performance.now()`.
 */
export function monotonicMs(): number {
  return performance.now();
}
