import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { immediateProcessor } from "../../src/export/batch-processor.ts";
import { memoryExporter } from "../../src/sdk/memory-exporter.ts";
import type { MemoryExporter } from "../../src/sdk/memory-exporter.ts";
import { attach, detach, emit, startSpan } from "../../src/telemetry/bus.ts";
import { Events } from "../../src/telemetry/events.ts";
import { traceEnvFor } from "../../src/telemetry/propagation.ts";
import { traceEvents } from "../../src/tracing/instrumentation.ts";
import type { EventTracing } from "../../src/tracing/instrumentation.ts";
import { createTracer } from "../../src/tracing/tracer.ts";
import type { Tracer } from "../../src/tracing/tracer.ts";
import type { SpanRecord } from "../../src/tracing/span-record.ts";
import { useContextManager } from "../support/otlp-context.ts";

let mem: MemoryExporter;
let tracer: Tracer;
let events: EventTracing;

function setup(limits = {}): void {
  mem = memoryExporter();
  tracer = createTracer({ processor: immediateProcessor(mem), spanLimits: limits });
  events = traceEvents(tracer, { handlerId: "tracer-under-test" });
  events.attach();
}

const one = (spans: readonly SpanRecord[], name: string): SpanRecord => {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `exactly one ${name} in ${spans.map((s) => s.name).join(", ")}`);
  return found[0];
};

describe("tracer", () => {
  afterEach(() => {
    events?.detach();
  });

  it("builds thread → turn → item / tool / approval spans from contract events", async () => {
    setup();
    const thread = startSpan("codex.thread", { model: "gpt-5", source: "test", input: "secret prompt" });
    emit(Events.threadSpawned, {}, { span_token: thread.token, pid: 4242 });
    const turn = startSpan("codex.turn", { parent_token: thread.token, thread_id: "th_1", turn_id: "tu_1" });
    const item = startSpan("codex.item", { parent_token: turn.token, item_id: "i1", item_type: "command_execution", command: "ls" });
    const tool = startSpan("codex.tool", { parent_token: turn.token, tool: "exec_command", call_id: "i1", attempt: 1 }, {}, {
      stop: Events.toolSuccess,
      exception: Events.toolFailure,
    });
    emit(Events.approvalRequested, {}, { span_token: "appr-1", parent_token: turn.token, tool: "exec_command", call_id: "i1" });
    emit(Events.approvalApproved, { duration_ms: 1 }, { span_token: "appr-1", parent_token: turn.token, source: "policy" });
    tool.stop({}, { result: "ok", exit_code: 0 });
    item.stop({}, { status: "completed", exit_code: 0 });
    turn.stop({}, { status: "completed", usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 5, reasoning_output_tokens: 1 } });
    thread.stop({}, { thread_id: "th_1", result: "ok", exit_code: 0, usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 5 } });
    const spans = await mem.waitFor(5);
    const t = one(spans, "invoke_agent codex");
    const tu = one(spans, "codex.turn");
    const it_ = one(spans, "codex.item command_execution");
    const to = one(spans, "execute_tool exec_command");
    const ap = one(spans, "codex.approval");
    assert.equal(t.parentSpanId, undefined);
    for (const s of [tu, it_, to, ap]) assert.equal(s.traceId, t.traceId);
    assert.equal(tu.parentSpanId, t.spanId);
    assert.equal(it_.parentSpanId, tu.spanId);
    assert.equal(to.parentSpanId, tu.spanId);
    assert.equal(ap.parentSpanId, tu.spanId);
    assert.equal(t.attributes["gen_ai.operation.name"], "invoke_agent");
    assert.equal(t.attributes["gen_ai.provider.name"], "openai");
    assert.equal(t.attributes["gen_ai.request.model"], "gpt-5");
    assert.equal(t.attributes["gen_ai.conversation.id"], "th_1");
    assert.equal(t.attributes["codex.thread.id"], "th_1");
    assert.equal(t.attributes["codex.thread.result"], "ok");
    assert.equal(t.attributes["codex.pid"], 4242);
    assert.equal(t.attributes["codex.source"], "test");
    assert.equal(t.attributes["codex.originator"], "sdk");
    assert.equal(t.attributes["gen_ai.usage.input_tokens"], 10);
    assert.equal(t.attributes["codex.input"], undefined, "the prompt stays out without traceSensitive");
    assert.equal(typeof t.attributes["codex.duration_ms"], "number");
    assert.equal(tu.attributes["codex.turn.id"], "tu_1");
    assert.equal(tu.attributes["gen_ai.usage.cache_read.input_tokens"], 2);
    assert.equal(tu.attributes["gen_ai.usage.reasoning.output_tokens"], 1);
    assert.equal(to.attributes["gen_ai.tool.name"], "exec_command");
    assert.equal(to.attributes["gen_ai.tool.call.id"], "i1");
    assert.equal(to.attributes["gen_ai.operation.name"], "execute_tool");
    assert.equal(ap.attributes["codex.approval.decision"], "approved");
    assert.equal(ap.attributes["codex.approval.source"], "policy");
    assert.equal(it_.attributes["codex.exit_code"], 0);
    for (const s of spans) {
      assert.ok(s.endTimeUnixNano >= s.startTimeUnixNano);
      assert.equal(s.status.code, 0);
    }
    assert.ok(tu.startTimeUnixNano >= t.startTimeUnixNano && tu.endTimeUnixNano <= t.endTimeUnixNano);
    assert.equal(events.openSpans, 0);
  });

  it("takes start and end times from system_time", async () => {
    setup();
    emit(Events.threadStart, { system_time: 1_700_000_000_000_000_000n }, { span_token: "tok-times" });
    emit(Events.threadStop, { system_time: 1_700_000_002_500_000_000n, duration_ms: 2500 }, { span_token: "tok-times", result: "ok" });
    const [s] = await mem.waitFor(1);
    assert.equal(s.startTimeUnixNano, 1_700_000_000_000_000_000n);
    assert.equal(s.endTimeUnixNano, 1_700_000_002_500_000_000n);
    assert.equal(s.attributes["codex.duration_ms"], 2500);
  });

  it("sets ERROR with an exception event on exceptions, failed turns and error results", async () => {
    setup();
    const thread = startSpan("codex.thread", {});
    const turn = startSpan("codex.turn", { parent_token: thread.token });
    const item = startSpan("codex.item", { parent_token: turn.token, item_type: "mcp_tool_call" });
    item.exception(new TypeError("tool exploded"));
    turn.stop({}, { status: "failed", error: { message: "model refused" } });
    thread.stop({}, { result: "error", error: { kind: "CodexExecError", message: "exit 1" } });
    const spans = await mem.waitFor(3);
    const it_ = one(spans, "codex.item mcp_tool_call");
    assert.deepEqual(it_.status, { code: 2, message: "tool exploded" });
    assert.deepEqual(it_.events[0].attributes, { "exception.type": "TypeError", "exception.message": "tool exploded" });
    const tu = one(spans, "codex.turn");
    assert.deepEqual(tu.status, { code: 2, message: "model refused" });
    assert.equal(tu.events[0].name, "exception");
    const th = one(spans, "invoke_agent codex");
    assert.deepEqual(th.status, { code: 2, message: "exit 1" });
    assert.equal(th.events[0].attributes["exception.type"], "CodexExecError");
  });

  it("builds no span for a thread with tracingDisabled, while events still flow", async () => {
    setup();
    let stops = 0;
    attach("count-stops-disabled", [Events.threadStop], () => stops++);
    try {
      const thread = startSpan("codex.thread", { tracingDisabled: true });
      const turn = startSpan("codex.turn", { parent_token: thread.token });
      startSpan("codex.item", { parent_token: turn.token, item_type: "reasoning" }).stop();
      turn.stop({}, { status: "completed" });
      thread.stop({}, { result: "ok" });
      assert.deepEqual(traceEnvFor(thread.token), {});
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(mem.finished().length, 0);
      assert.equal(stops, 1);
    } finally {
      detach("count-stops-disabled");
    }
  });

  it("registers TRACEPARENT for the thread span while it runs and releases it after", async () => {
    setup();
    const thread = startSpan("codex.thread", {});
    const env = traceEnvFor(thread.token);
    assert.match(env.TRACEPARENT ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    thread.stop({}, { result: "ok" });
    const [s] = await mem.waitFor(1);
    assert.equal(env.TRACEPARENT, `00-${s.traceId}-${s.spanId}-01`);
    assert.deepEqual(traceEnvFor(thread.token), {});
  });

  it("emits codex.span.finished with the record after handing it to the processor", () => {
    setup();
    const seen: SpanRecord[] = [];
    attach("span-finished-test", Events.spanFinished, (_n, _m, md) => {
      seen.push(md.span as SpanRecord);
    });
    try {
      startSpan("codex.thread", {}).stop({}, { result: "ok" });
      assert.equal(seen.length, 1);
      assert.equal(seen[0].name, "invoke_agent codex");
    } finally {
      detach("span-finished-test");
    }
  });

  it("applies span limits and counts what was dropped", async () => {
    setup({ attributeCountLimit: 3, eventCountLimit: 1, attributeValueLengthLimit: 4 });
    const span = tracer.startSpan("limited", { a: "123456", b: ["abcdef", 1] });
    span.setAttribute("c", 1).setAttribute("d", 2).setAttribute("e", 3).setAttribute("a", "x");
    span.addEvent("one").addEvent("two").addEvent("three");
    span.end();
    const [s] = await mem.waitFor(1);
    assert.deepEqual(s.attributes, { a: "x", b: ["abcd", 1], c: 1 });
    assert.equal(s.droppedAttributesCount, 2);
    assert.equal(s.events.length, 1);
    assert.equal(s.droppedEventsCount, 2);
  });

  it("ends a span only once and ignores changes after the end", async () => {
    setup();
    const span = tracer.startSpan("once");
    span.end();
    span.setAttribute("late", 1);
    span.end();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(mem.finished().length, 1);
    assert.deepEqual(mem.finished()[0].attributes, {});
  });


  it("builds spans from events only through the instrumentation, and ends its open spans on endAll", async () => {
    const own = memoryExporter();
    const bare = createTracer({ processor: immediateProcessor(own) });
    const thread = startSpan("codex.thread", {});
    thread.stop({}, { result: "ok" });
    assert.equal(own.finished().length, 0, "a tracer alone does not listen to the bus");

    const instrumented = traceEvents(bare, { handlerId: "endall-under-test" });
    instrumented.attach();
    instrumented.attach(); // idempotent: one handler, one span per event
    try {
      const t = startSpan("codex.thread", {});
      startSpan("codex.turn", { parent_token: t.token });
      assert.equal(instrumented.openSpans, 2);
      instrumented.endAll("shutdown");
      assert.equal(instrumented.openSpans, 0);
      const spans = await own.waitFor(2);
      assert.deepEqual(spans.map((s) => s.attributes["codex.aborted"]), ["shutdown", "shutdown"]);
      t.stop({}, { result: "ok" }); // its span is gone: nothing more is exported
      assert.equal(own.finished().length, 2);
    } finally {
      instrumented.detach();
    }
  });

  it("starts a direct span with the given kind and start time", async () => {
    setup();
    tracer.startSpan("client", { k: 1 }, undefined, 3, 1_700_000_000_000_000_000n).end(1_700_000_000_500_000_000n);
    const [s] = await mem.waitFor(1);
    assert.equal(s.kind, 3);
    assert.equal(s.startTimeUnixNano, 1_700_000_000_000_000_000n);
    assert.equal(s.endTimeUnixNano, 1_700_000_000_500_000_000n);
    assert.match(s.traceId, /^[0-9a-f]{32}$/);
    assert.equal(s.parentSpanId, undefined);
  });
  describe("with a host span active (context manager registered)", () => {
    useContextManager();

    it("makes the thread span a child of the host's active span and propagates tracestate", async () => {
      setup();
      const hostCtx = trace.setSpanContext(context.active(), {
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        traceFlags: 1,
        isRemote: true,
        traceState: new TraceState("vendor=abc,other=1"),
      });
      let token = "";
      await context.with(hostCtx, async () => {
        await Promise.resolve();
        const thread = startSpan("codex.thread", {});
        token = thread.token;
        const env = traceEnvFor(token);
        assert.match(env.TRACEPARENT ?? "", /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
        assert.equal(env.TRACESTATE, "vendor=abc,other=1");
        thread.stop({}, { result: "ok" });
      });
      const [s] = await mem.waitFor(1);
      assert.equal(s.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      assert.equal(s.parentSpanId, "00f067aa0ba902b7");
      assert.equal(s.traceState, "vendor=abc,other=1");
      assert.equal(s.flags, 0x301, "sampled, with a remote parent");
    });

    it("a run started outside any host span is a root", async () => {
      setup();
      startSpan("codex.thread", {}).stop({}, { result: "ok" });
      const [s] = await mem.waitFor(1);
      assert.equal(s.parentSpanId, undefined);
      assert.equal(s.flags, 0x101);
    });
  });
});
