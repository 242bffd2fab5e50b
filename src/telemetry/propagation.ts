/**
 * Hand-off of W3C trace context from the tracer to the process runner: the tracer registers the
 * `TRACEPARENT` / `TRACESTATE` of the span it opened for a telemetry span token, and the runner
 * reads them before it spawns the CLI, so the CLI's own spans join the same trace.
 * @module
 */

/** Environment variables that carry W3C trace context into the CLI. */
export interface TraceEnv {
  /** W3C `traceparent` value. */
  TRACEPARENT?: string;
  /** W3C `tracestate` value. */
  TRACESTATE?: string;
}

const KEY: unique symbol = Symbol.for("codex-otel-sdk.telemetry.propagation.v1") as never;
const holder = globalThis as unknown as { [KEY]?: Map<string, TraceEnv> };
const registry: Map<string, TraceEnv> = holder[KEY] ??= new Map();

/**
 * Records the trace context of the span opened for `spanToken` (called by a tracer from its start
 * handler, synchronously, so it is there when the runner asks).
 *
 * @param spanToken The telemetry span token.
 * @param env `TRACEPARENT` / `TRACESTATE`.
 */
export function registerTraceEnv(spanToken: string, env: TraceEnv): void {
  registry.set(spanToken, env);
}

/**
 * The trace context registered for `spanToken`, if a tracer opened a span for it.
 *
 * @param spanToken The telemetry span token.
 * @returns The variables to add to the child's environment (empty when none).
 * @example
 * ```ts
 * import { traceEnvFor } from "./propagation.ts";
 * const env = traceEnvFor("no-such-token"); // {}
 * ```
 */
export function traceEnvFor(spanToken: string): TraceEnv {
  return registry.get(spanToken) ?? {};
}

/**
 * Forgets the context of an ended span.
 *
 * @param spanToken The telemetry span token.
 */
export function releaseTraceEnv(spanToken: string): void {
  registry.delete(spanToken);
}
