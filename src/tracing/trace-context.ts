/**
 * W3C trace context without the `@opentelemetry/api` / `@opentelemetry/core` runtime code: the
 * host's active span read through the API's cross-copy global, `traceparent` / `tracestate` written here.
 * @module
 */
// Why: the API's `context` / `trace` singletons pull in its diag logger, semver check and proxy
// tracer provider, and the propagator pulls in `TraceState`, for two lookups and one string format
// (a third of the export path's bundle). The API is built so that several copies share one state:
// each keeps its registrations on `globalThis[Symbol.for("opentelemetry.js.api.<major>")]`, and
// context keys are `Symbol.for(description)`; reading that global is the contract every copy relies
// on, so we act as one more copy. Only `ContextManager.active()`, `Context.getValue` and
// `Span.spanContext()` are used, all present since API 1.0.

/** The parts of an `@opentelemetry/api` `SpanContext` read here. */
export interface HostSpanContext {
  /** 32 hex chars. */
  traceId: string;
  /** 16 hex chars. */
  spanId: string;
  /** W3C trace flags. */
  traceFlags: number;
  /** The API's `TraceState`. */
  traceState?: { serialize(): string };
  /** Whether the span came from another process. */
  isRemote?: boolean;
}

interface ApiContext {
  getValue(key: symbol): unknown;
}

// Keys as the API 1.x builds them (src/internal/global-utils.ts, src/trace/context-utils.ts,
// and core's src/trace/suppress-tracing.ts).
const API_GLOBAL = Symbol.for("opentelemetry.js.api.1");
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
const SUPPRESS_TRACING_KEY = Symbol.for("OpenTelemetry SDK Context Key SUPPRESS_TRACING");

function activeContext(): ApiContext | undefined {
  const api = (globalThis as { [API_GLOBAL]?: { context?: { active(): ApiContext } } })[API_GLOBAL];
  return api?.context?.active();
}

/**
 * Whether a trace id / span id pair is valid (lowercase or uppercase hex of the right length, not
 * all zeros), as the API's `isSpanContextValid`.
 *
 * @param traceId The trace id.
 * @param spanId The span id.
 * @returns Whether both are valid.
 */
export function isValidSpanContext(traceId: string, spanId: string): boolean {
  return /^(?!0{32})[0-9a-f]{32}$/i.test(traceId) && /^(?!0{16})[0-9a-f]{16}$/i.test(spanId);
}

/**
 * The span context of the span active in the host's `@opentelemetry/api` context, if any and
 * valid. Without a registered context manager there is none.
 *
 * @returns The host span's context.
 */
export function activeHostSpanContext(): HostSpanContext | undefined {
  let sc: HostSpanContext | undefined;
  try {
    const span = activeContext()?.getValue(SPAN_KEY) as { spanContext?(): HostSpanContext } | undefined;
    sc = span?.spanContext?.();
  } catch {
    // a host's context manager that throws must not break a run
    return undefined;
  }
  return sc !== undefined && isValidSpanContext(sc.traceId, sc.spanId) ? sc : undefined;
}

/**
 * Whether the host suppressed tracing in its active context (core's `suppressTracing`), in which
 * case no trace context is propagated, as `W3CTraceContextPropagator.inject` does.
 *
 * @returns Whether tracing is suppressed.
 */
export function isTracingSuppressed(): boolean {
  try {
    return activeContext()?.getValue(SUPPRESS_TRACING_KEY) === true;
  } catch {
    return false;
  }
}

// W3C trace-context §3.3.1.3: a key is a lowercase name, or `tenant@system`; a value is up to
// 256 printable ASCII chars other than `,` and `=`, not ending in a space.
const KEY = /^(?:[a-z][_0-9a-z*/-]{0,255}|[a-z0-9][_0-9a-z*/-]{0,240}@[a-z][_0-9a-z*/-]{0,13})$/;
const VALUE = /^[ -~]{0,255}[!-~]$/;
const MAX_MEMBERS = 32;
const MAX_LENGTH = 512;

/**
 * A `tracestate` with the invalid list members dropped, at most 32 members and 512 chars, as
 * `@opentelemetry/core`'s `TraceState` parses and serializes it (a repeated key keeps its first
 * position and its last value).
 *
 * @param raw The `tracestate` value.
 * @returns The valid members, comma-separated (empty when none).
 * @example
 * ```ts
 * import { validTraceState } from "./trace-context.ts";
 * validTraceState("vendor=abc, Bad=1,other=2"); // "vendor=abc,other=2"
 * ```
 */
export function validTraceState(raw: string): string {
  const members = new Map<string, string>();
  let length = 0;
  for (const item of raw.split(",")) {
    const member = item.trim();
    const eq = member.indexOf("=");
    if (eq === -1) continue;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!KEY.test(key) || !VALUE.test(value) || value.includes("=")) continue;
    const next = length + member.length + (members.size > 0 ? 1 : 0);
    if (next > MAX_LENGTH) continue;
    members.set(key, value);
    length = next;
    if (members.size >= MAX_MEMBERS) break;
  }
  let out = "";
  for (const [key, value] of members) out += `${out === "" ? "" : ","}${key}=${value}`;
  return out;
}
