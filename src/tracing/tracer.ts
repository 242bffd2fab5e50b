/**
 * The tracer: a span factory that hands ended spans to a processor and announces them as
 * `codex.span.finished` on the bus (how the debug feed sees spans), as sdk-trace's `Tracer` does.
 * @module
 */
// The rules that turn Codex events into spans are the instrumentation (`instrumentation.ts`), kept
// apart like an OpenTelemetry instrumentation package: a worker that builds its own spans bundles
// the tracer without them.
import { emit, hasHandlers } from "../telemetry/bus.ts";
import type { EventName } from "../telemetry/events.ts";
import type { TraceEnv } from "../telemetry/propagation.ts";
import { newSpanId, newTraceId } from "./ids.ts";
import { DEFAULT_SAMPLER } from "./sampler.ts";
import type { Sampler } from "./sampler.ts";
import { resolveSpanLimits, Span } from "./span.ts";
import { isTracingSuppressed, isValidSpanContext, validTraceState } from "./trace-context.ts";
import type { ParentContext, ResolvedSpanLimits, SpanLimits, SpanProcessor } from "./span.ts";
import type { Attributes, SpanKindValue, SpanRecord } from "./span-record.ts";

/** Options of {@link createTracer}. */
export interface TracerOptions {
  /** Receives ended spans. */
  processor: SpanProcessor;
  /** Span limits. */
  spanLimits?: SpanLimits;
  /** Instrumentation scope. @default { name: "codex-otel-sdk", version: "0.1.0" } */
  scope?: { name: string; version?: string };
  /**
   * Decides at each span's start whether it is sampled. A span not sampled still works (its
   * children and the CLI see flag `00` and follow it under the default) but is neither handed to
   * the processor nor announced. @default parentBased(alwaysOn)
   */
  sampler?: Sampler;
}

/** The tracer. */
export interface Tracer {
  /**
   * Starts a span. End it with `span.end()`: the tracer's processor receives it then.
   *
   * @param name Span name.
   * @param attributes Initial attributes.
   * @param parent Parent context; a root span of a new trace when omitted.
   * @param kind Span kind. @default SpanKind.INTERNAL
   * @param startTime Start time in Unix epoch nanoseconds. @default now
   * @returns The started span.
   */
  startSpan(
    name: string,
    attributes?: Attributes,
    parent?: ParentContext,
    kind?: SpanKindValue,
    startTime?: bigint,
  ): Span;
}

// Event names are written as literals typed `EventName` (a typo does not compile) rather than
// read from the `Events` object: a bundler cannot inline object properties, so `Events.x` would
// put the whole catalogue into every bundle that uses the tracer.
const SPAN_FINISHED: EventName = "codex.span.finished";

/**
 * W3C `traceparent` / `tracestate` for a span, as `W3CTraceContextPropagator.inject` writes them
 * (nothing when the ids are invalid or the host suppressed tracing; invalid `tracestate` members
 * dropped).
 *
 * @param span The span.
 * @returns The environment variables to hand to a child process.
 * @example
 * ```ts
 * import { traceEnvOf } from "./tracer.ts";
 * import { Span } from "./span.ts";
 * const env = traceEnvOf(new Span("run", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"));
 * env.TRACEPARENT; // "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
 * ```
 */
export function traceEnvOf(span: SpanRecord): TraceEnv {
  const env: TraceEnv = {};
  if (!isValidSpanContext(span.traceId, span.spanId) || isTracingSuppressed()) return env;
  const flags = (span.flags & 0xff).toString(16).padStart(2, "0");
  env.TRACEPARENT = `00-${span.traceId}-${span.spanId}-${flags}`;
  const ts = span.traceState ? validTraceState(span.traceState) : "";
  if (ts) env.TRACESTATE = ts;
  return env;
}

/**
 * Creates a tracer.
 *
 * @param options Processor, limits and scope.
 * @returns The tracer.
 * @example
 * ```ts
 * import { createTracer } from "./tracer.ts";
 * import { immediateProcessor } from "../export/batch-processor.ts";
 * import { memoryExporter } from "../sdk/memory-exporter.ts";
 * const mem = memoryExporter();
 * const tracer = createTracer({ processor: immediateProcessor(mem) });
 * const span = tracer.startSpan("work", { items: 3 });
 * span.end();
 * console.log(mem.finished()[0].name); // "work"
 * ```
 */
export function createTracer(options: TracerOptions): Tracer {
  const processor = options.processor;
  const limits: ResolvedSpanLimits = resolveSpanLimits(options.spanLimits);
  const scope = options.scope ?? { name: "codex-otel-sdk", version: "0.1.0" };
  const sampler = options.sampler ?? DEFAULT_SAMPLER;
  // Spans only call `onEnd`: this one also announces the span once the processor has it.
  const sink: Pick<SpanProcessor, "onEnd"> = {
    onEnd(span: SpanRecord): void {
      try {
        processor.onEnd(span);
      } catch {
        // processors must not throw; if one does, the span is lost but the host goes on
      }
      if (hasHandlers(SPAN_FINISHED)) emit(SPAN_FINISHED, {}, { span });
    },
  };
  return {
    startSpan(name, attributes, parent, kind, startTime): Span {
      const traceId = parent === undefined ? newTraceId() : parent.traceId;
      const sampled = sampler.shouldSample(traceId, parent);
      const span = new Span(name, traceId, newSpanId(), parent, sampled ? sink : undefined, scope, limits, startTime, kind);
      if (sampled) span.flags |= 1;
      else span.flags &= ~1;
      if (attributes !== undefined) span.setAttributes(attributes);
      return span;
    },
  };
}
