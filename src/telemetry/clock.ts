/**
 * Clocks for telemetry: an exact epoch-nanosecond wall clock anchored once and advanced by the
 * monotonic `performance.now()`, so timestamps never go backwards and never lose precision.
 * @module
 */
import type { Measurements } from "./events.ts";

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

/**
 * The `system_time` of an event as epoch nanoseconds (a number is rounded; anything else, NaN and
 * infinities included, is unknown).
 *
 * @param m The event's measurements.
 * @returns Epoch ns, or `undefined`.
 * @example
 * ```ts
 * import { eventTime } from "./clock.ts";
 * eventTime({ system_time: 5n }); // 5n
 * ```
 */
export function eventTime(m: Readonly<Measurements>): bigint | undefined {
  const t = m.system_time;
  return typeof t === "bigint" ? t : typeof t === "number" && Number.isFinite(t) ? BigInt(Math.round(t)) : undefined;
}

/**
 * Seconds from a remembered start time to an end event (its `system_time`), else the end's
 * `duration` measurement: the same clock readings the tracer makes a span from, so a duration
 * computed here equals the span's.
 *
 * @param start The start event's `system_time`.
 * @param m The end event's measurements.
 * @returns Seconds, or `undefined`.
 * @example
 * ```ts
 * import { eventSeconds } from "./clock.ts";
 * eventSeconds(0n, { system_time: 1_500_000_000n }); // 1.5
 * ```
 */
export function eventSeconds(start: bigint | undefined, m: Readonly<Measurements>): number | undefined {
  const end = eventTime(m);
  if (start !== undefined && end !== undefined && end >= start) return Number(end - start) / 1e9;
  const d = m.duration;
  return typeof d === "number" && Number.isFinite(d) && d >= 0 ? d / 1e9 : undefined;
}
