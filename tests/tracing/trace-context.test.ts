import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { TextMapSetter } from "@opentelemetry/api";
import { suppressTracing, TraceState, W3CTraceContextPropagator } from "@opentelemetry/core";
import { Span } from "../../src/tracing/span.ts";
import { activeHostSpanContext, validTraceState } from "../../src/tracing/trace-context.ts";
import { traceEnvOf } from "../../src/tracing/tracer.ts";
import { useContextManager } from "../support/otlp-context.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

// What @opentelemetry/core writes for the same span context (an empty header left out, as
// traceEnvOf always did): our output must be identical.
function coreInject(traceId: string, spanId: string, flags: number, traceState?: string): Record<string, string> {
  const carrier: Record<string, string> = {};
  const sc = { traceId, spanId, traceFlags: flags, isRemote: false, traceState: traceState === undefined ? undefined : new TraceState(traceState) };
  new W3CTraceContextPropagator().inject(trace.setSpanContext(context.active(), sc), carrier, setter);
  if (carrier.tracestate === "") delete carrier.tracestate;
  return carrier;
}

function ours(traceId: string, spanId: string, flags: number, traceState?: string): Record<string, string> {
  const span = new Span("s", traceId, spanId, { traceId, spanId: "1111111111111111", traceFlags: flags, traceState });
  const env = traceEnvOf(span);
  const out: Record<string, string> = {};
  if (env.TRACEPARENT !== undefined) out.traceparent = env.TRACEPARENT;
  if (env.TRACESTATE !== undefined) out.tracestate = env.TRACESTATE;
  return out;
}

const many = Array.from({ length: 40 }, (_, i) => `k${i}=v${i}`).join(",");
const long = Array.from({ length: 6 }, (_, i) => `key${i}=${"x".repeat(120)}`).join(",");
const TRACE_STATES = [
  "vendor=abc,other=1",
  " vendor=abc , other=1 ",
  "Vendor=abc,ok=1",
  "tenant@system=v,1tenant@sys=x,@bad=1",
  "a=b=c,noequals,=novalue,empty=,trail=x ,sp=a b",
  "dup=1,other=2,dup=3",
  "k=\u00e9,ascii=~!",
  `${"k".repeat(257)}=v,short=1`,
  `big=${"v".repeat(257)},short=1`,
  many,
  long,
  "",
  ",,,",
];

describe("W3C trace context written without @opentelemetry/core", () => {
  it("traceEnvOf() writes the traceparent core's propagator writes, for every flag value", () => {
    for (const flags of [0, 1, 2, 3, 15]) {
      assert.deepEqual(ours(TRACE_ID, SPAN_ID, flags), coreInject(TRACE_ID, SPAN_ID, flags));
    }
  });

  it("traceEnvOf() keeps and drops tracestate members exactly as core's TraceState does", () => {
    for (const ts of TRACE_STATES) {
      assert.deepEqual(ours(TRACE_ID, SPAN_ID, 1, ts), coreInject(TRACE_ID, SPAN_ID, 1, ts), JSON.stringify(ts));
    }
  });

  it("validTraceState() keeps at most 32 members", () => {
    assert.equal(validTraceState(many).split(",").length, 32);
  });

  it("traceEnvOf() writes nothing for invalid ids, like core", () => {
    for (const [t, s] of [["0".repeat(32), SPAN_ID], [TRACE_ID, "0".repeat(16)], ["xyz", SPAN_ID]]) {
      assert.deepEqual(ours(t, s, 1), {});
      assert.deepEqual(coreInject(t, s, 1), {});
    }
  });

  describe("with a context manager registered", () => {
    useContextManager();

    it("activeHostSpanContext() reads the span the API's context.with() made active", () => {
      assert.equal(activeHostSpanContext(), undefined);
      const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
      context.with(ctx, () => {
        const sc = activeHostSpanContext();
        assert.equal(sc?.traceId, TRACE_ID);
        assert.equal(sc?.spanId, SPAN_ID);
        assert.equal(trace.getSpanContext(context.active())?.spanId, sc?.spanId);
      });
    });

    it("activeHostSpanContext() ignores an invalid active span context", () => {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: "0".repeat(32), spanId: SPAN_ID, traceFlags: 1 });
      context.with(ctx, () => assert.equal(activeHostSpanContext(), undefined));
    });

    it("traceEnvOf() writes nothing while the host suppresses tracing, like core", () => {
      context.with(suppressTracing(context.active()), () => {
        assert.deepEqual(ours(TRACE_ID, SPAN_ID, 1, "a=b"), {});
        assert.deepEqual(coreInject(TRACE_ID, SPAN_ID, 1, "a=b"), {});
      });
    });
  });
});
