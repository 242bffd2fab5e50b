// Telemetry events as log records: severity, body, attributes, redaction, and the trace/span
// correlation with the tracer's spans, in both handler orders on the bus, on synthetic events
// and on a real fixture thread run through the bundled fake CLI (spans and logs both exported to
// the real local receiver, every payload validated).
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex } from "../../mod.ts";
import { batchProcessor, immediateProcessor } from "../../src/export/batch-processor.ts";
import { otlpHttpExporter } from "../../src/export/otlp-http-exporter.ts";
import type { LogRecordData } from "../../src/logs/data.ts";
import { otlpHttpLogExporter } from "../../src/logs/exporter.ts";
import { logEvents, severityOf } from "../../src/logs/instrumentation.ts";
import type { LogEvents, LogEventsOptions } from "../../src/logs/instrumentation.ts";
import { createLoggerProvider } from "../../src/logs/logger.ts";
import type { LoggerProvider } from "../../src/logs/logger.ts";
import { batchLogProcessor, immediateLogProcessor } from "../../src/logs/processor.ts";
import { memoryExporter } from "../../src/sdk/memory-exporter.ts";
import type { MemoryExporter } from "../../src/sdk/memory-exporter.ts";
import { emit, startSpan } from "../../src/telemetry/bus.ts";
import { formatText } from "../../src/telemetry/logger.ts";
import { redactMetadata } from "../../src/telemetry/redact.ts";
import { traceEvents } from "../../src/tracing/instrumentation.ts";
import type { EventTracing } from "../../src/tracing/instrumentation.ts";
import type { SpanRecord } from "../../src/tracing/span-record.ts";
import { createTracer } from "../../src/tracing/tracer.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

const PROMPT = "please summarise the quarterly numbers for ACME";
const API_KEY = "sk-live-0123456789abcdefSECRET";
const BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.secret-part";

let seq = 0;
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});
after(() => disposeFixtureCodex());

interface Pipeline {
  mem: MemoryExporter;
  provider: LoggerProvider;
  tracing: EventTracing;
  logs: LogEvents;
  records(): Promise<readonly LogRecordData[]>;
}

/** Spans into a memory exporter, log records into its logs facet; attach order as given. */
function pipeline(order: "tracer-first" | "logs-first" = "tracer-first", options: LogEventsOptions = {}): Pipeline {
  const n = ++seq;
  const mem = memoryExporter();
  const tracing = traceEvents(createTracer({ processor: immediateProcessor(mem, { warn: () => {} }) }), { handlerId: `t-${n}` });
  const provider = createLoggerProvider({ processor: immediateLogProcessor(mem.logsExporter, { warn: () => {} }) });
  const logs = logEvents(provider, { spanContextOf: tracing.spanContextOf, handlerId: `l-${n}`, ...options });
  if (order === "tracer-first") {
    tracing.attach();
    logs.attach();
  } else {
    logs.attach();
    tracing.attach();
  }
  cleanups.push(() => {
    logs.detach();
    tracing.detach();
  });
  return {
    mem,
    provider,
    tracing,
    logs,
    async records() {
      await provider.forceFlush();
      return mem.logs();
    },
  };
}

/** A thread with a turn, an item with a tool, token usage, a warning, and the stops. */
function syntheticRun(extra: Record<string, unknown> = {}): void {
  const thread = startSpan("codex.thread", { input: PROMPT, model: "gpt-5.1-codex", api_key: API_KEY, thread_id: "th_1", ...extra });
  emit("codex.thread.spawned", {}, { span_token: thread.token, pid: 4242 });
  const turn = startSpan("codex.turn", { parent_token: thread.token, thread_id: "th_1", turn_id: "tu_1" });
  const item = startSpan("codex.item", {
    parent_token: turn.token,
    item_id: "item_0",
    item_type: "command_execution",
    command: `curl -H 'Authorization: ${BEARER}' https://example.test`,
  });
  const tool = startSpan("codex.tool", { parent_token: item.token, tool: "exec_command", call_id: "item_0" }, {}, {
    stop: "codex.tool.success",
    exception: "codex.tool.failure",
  });
  tool.stop({}, { result: "ok", exit_code: 0 });
  emit("codex.thread.token_usage.updated", { input_tokens: 600, output_tokens: 38 }, {
    parent_token: turn.token,
    thread_id: "th_1",
    usage: { input_tokens: 600, cached_input_tokens: 300, output_tokens: 38 },
  });
  item.stop({}, { status: "completed", exit_code: 0 });
  emit("codex.warning", {}, { parent_token: turn.token, reason: "cli_error_recovered", message: `the CLI echoed: ${PROMPT}`, headers: { authorization: BEARER } });
  turn.stop({}, { status: "completed", usage: { input_tokens: 600, cached_input_tokens: 300, output_tokens: 38 } });
  thread.stop({}, { result: "ok", exit_code: 0 });
}

// The span each synthetic event belongs to.
const SPAN_OF: Record<string, string> = {
  "codex.thread.start": "invoke_agent codex",
  "codex.thread.spawned": "invoke_agent codex",
  "codex.thread.stop": "invoke_agent codex",
  "codex.turn.start": "codex.turn",
  "codex.thread.token_usage.updated": "codex.turn",
  "codex.warning": "codex.turn",
  "codex.turn.stop": "codex.turn",
  "codex.item.start": "codex.item command_execution",
  "codex.item.stop": "codex.item command_execution",
  "codex.tool.start": "execute_tool exec_command",
  "codex.tool.success": "execute_tool exec_command",
};

function assertCorrelated(records: readonly LogRecordData[], spans: readonly SpanRecord[]): void {
  const byName = new Map(spans.map((s) => [s.name, s]));
  assert.deepEqual(records.map((r) => r.eventName).sort(), Object.keys(SPAN_OF).sort());
  for (const r of records) {
    const span = byName.get(SPAN_OF[r.eventName!]);
    assert.ok(span, `span for ${r.eventName}`);
    assert.equal(r.traceId, span.traceId, `${r.eventName} trace`);
    assert.equal(r.spanId, span.spanId, `${r.eventName} → ${span.name}`);
    assert.equal(r.flags, span.flags & 0xff);
  }
}

describe("logEvents: records from telemetry events", () => {
  it("grades severity by event kind: errors ERROR, warnings WARN, the rest INFO", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["codex.thread.exception", {}, "ERROR"],
      ["codex.turn.exception", {}, "ERROR"],
      ["codex.tool.failure", {}, "ERROR"],
      ["codex.turn.compaction.failed", {}, "ERROR"],
      ["codex.exporter.failed", {}, "ERROR"],
      ["codex.thread.stop", { result: "error" }, "ERROR"],
      ["codex.turn.stop", { status: "failed" }, "ERROR"],
      ["codex.item.stop", { status: "failed" }, "ERROR"],
      ["codex.warning", {}, "WARN"],
      ["codex.jsonl.malformed", {}, "WARN"],
      ["codex.exporter.dropped", {}, "WARN"],
      ["codex.approval.denied", {}, "WARN"],
      ["codex.approval.timeout", {}, "WARN"],
      ["codex.turn.stop", { status: "interrupted" }, "WARN"],
      ["codex.turn.stop", { status: "timeout" }, "WARN"],
      ["codex.thread.stop", { result: "early_exit" }, "INFO"],
      ["codex.thread.stop", { result: "ok" }, "INFO"],
      ["codex.turn.stop", { status: "completed" }, "INFO"],
      ["codex.item.stop", { status: "completed" }, "INFO"],
      ["codex.thread.start", {}, "INFO"],
      ["codex.approval.approved", {}, "INFO"],
      ["codex.thread.token_usage.updated", {}, "INFO"],
    ];
    const numbers = { ERROR: 17, WARN: 13, INFO: 9 };
    for (const [name, md, text] of cases) {
      const s = severityOf(name, md);
      assert.equal(s.text, text, `${name} ${JSON.stringify(md)}`);
      assert.equal(s.number, numbers[text as keyof typeof numbers]);
    }
  });

  it("a record has the event name, the event's time, the logger's text line as body, measurements and flattened metadata as attributes", async () => {
    const p = pipeline();
    const at = 1_700_000_000_123_456_789n;
    const md = { reason: "config", message: "bad value", usage: { input_tokens: 5, nested: { deep: [1, { x: "y" }] } }, list: ["a", 2], nothing: null, fn: () => 1 };
    emit("codex.warning", { system_time: at, count: 2, big: 2n ** 62n }, md);
    const [r] = await p.records();
    assert.equal(r.eventName, "codex.warning");
    assert.equal(r.timeUnixNano, at);
    assert.ok(r.observedTimeUnixNano > 0n);
    assert.equal(r.severityNumber, 13);
    assert.equal(r.severityText, "WARN");
    // The body is the default logger's text line for the event (after the same redaction).
    assert.equal(r.body, formatText("codex.warning", { system_time: at, count: 2, big: 2n ** 62n }, redactMetadata({ ...md, originator: "sdk" })));
    assert.deepEqual(r.attributes, {
      count: 2,
      big: 2n ** 62n,
      reason: "config",
      message: "bad value",
      "usage.input_tokens": 5,
      "usage.nested.deep": [1, { x: "y" }],
      list: ["a", 2],
      originator: "sdk",
    });
    assert.equal("system_time" in r.attributes, false);
    assert.deepEqual(r.scope, { name: "codex-otel-sdk", version: "0.1.0" });
  });

  it("correlates every record with its span when the tracer's handler runs first", async () => {
    const p = pipeline("tracer-first");
    syntheticRun();
    assertCorrelated(await p.records(), p.mem.finished());
    assert.equal(p.tracing.openSpans, 0);
  });

  it("correlates the same way when the log handler runs first (the start is opened on demand, once)", async () => {
    const p = pipeline("logs-first");
    syntheticRun();
    const spans = p.mem.finished();
    assert.equal(spans.length, 4, spans.map((s) => s.name).join(", "));
    assertCorrelated(await p.records(), spans);
    assert.equal(p.tracing.openSpans, 0);
    // The spans are the ones the tracer-first order builds: same tree, same attributes.
    const thread = spans.find((s) => s.name === "invoke_agent codex")!;
    const turn = spans.find((s) => s.name === "codex.turn")!;
    assert.equal(turn.parentSpanId, thread.spanId);
    assert.equal(thread.attributes["codex.pid"], 4242);
    assert.equal(thread.attributes["gen_ai.request.model"], "gpt-5.1-codex");
  });

  it("a stop event's record carries the span it ended, in both orders", async () => {
    for (const order of ["tracer-first", "logs-first"] as const) {
      const p = pipeline(order);
      const s = startSpan("codex.turn", { turn_id: "tu_x" });
      s.stop({}, { status: "completed" });
      const [span] = p.mem.finished();
      const stop = (await p.records()).find((r) => r.eventName === "codex.turn.stop")!;
      assert.equal(stop.spanId, span.spanId, order);
      cleanups.pop()!();
    }
  });

  it("untraced work (tracingDisabled) has no trace context; an untraced custom span falls back to its parent's", async () => {
    const p = pipeline();
    const off = startSpan("codex.thread", { tracingDisabled: true });
    const offTurn = startSpan("codex.turn", { parent_token: off.token });
    emit("codex.warning", {}, { parent_token: offTurn.token, reason: "x" });
    offTurn.stop({}, { status: "completed" });
    off.stop({}, { result: "ok" });
    const turn = startSpan("codex.turn", { turn_id: "tu_2" });
    const custom = startSpan("my_app.step", { parent_token: turn.token });
    custom.stop();
    turn.stop({}, { status: "completed" });
    const records = await p.records();
    const untraced = records.slice(0, 5);
    for (const r of untraced) assert.equal(r.traceId, undefined, r.eventName);
    assert.equal(p.mem.finished().length, 1);
    assert.equal(records.find((r) => r.eventName === "my_app.step.stop"), undefined, "custom events are not in the default list");

    const q = pipeline("tracer-first", { events: ["codex.turn.start", "my_app.step.start", "my_app.step.stop"] });
    const t2 = startSpan("codex.turn", { turn_id: "tu_3" });
    const c2 = startSpan("my_app.step", { parent_token: t2.token });
    c2.stop();
    t2.stop({}, { status: "completed" });
    const recs = await q.records();
    assert.deepEqual(recs.map((r) => r.eventName), ["codex.turn.start", "my_app.step.start", "my_app.step.stop"]);
    const span = q.mem.finished().find((s) => s.name === "codex.turn")!;
    for (const r of recs) assert.equal(r.spanId, span.spanId, r.eventName);
  });

  it("redacts as the logger and the debug feed do: credentials always, prompts and their copies unless traceSensitive, credential shapes in text", async () => {
    const p = pipeline();
    syntheticRun();
    const records = await p.records();
    const text = JSON.stringify(records, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? [...v] : v));
    for (const secret of [PROMPT, API_KEY, "eyJhbGciOiJIUzI1NiJ9", "secret-part"]) assert.equal(text.includes(secret), false, secret);
    const start = records.find((r) => r.eventName === "codex.thread.start")!;
    assert.equal(start.attributes.input, "[redacted]");
    assert.equal(start.attributes.api_key, "[redacted]");
    assert.match(String(start.body), /input=\[redacted\]/);
    const warning = records.find((r) => r.eventName === "codex.warning")!;
    assert.equal(warning.attributes.message, "the CLI echoed: [redacted]");
    assert.equal(warning.attributes["headers"], "[redacted]");
    const item = records.find((r) => r.eventName === "codex.item.start")!;
    assert.equal(item.attributes.command, "curl -H 'Authorization: Bearer [redacted]' https://example.test");

    // traceSensitive (the option, or the thread's own metadata) keeps prompts; never credentials.
    for (const q of [pipeline("tracer-first", { traceSensitive: true }), undefined]) {
      const target = q ?? pipeline();
      syntheticRun(q === undefined ? { traceSensitive: true } : {});
      const recs = await target.records();
      const s = recs.find((r) => r.eventName === "codex.thread.start")!;
      assert.equal(s.attributes.input, PROMPT);
      assert.equal(s.attributes.api_key, "[redacted]");
      assert.equal(JSON.stringify(recs, (_k, v) => (typeof v === "bigint" ? v.toString() : v)).includes(API_KEY), false);
    }
  });

  it("listens to the whole catalogue but codex.span.finished by default, to a list or a filter when given", async () => {
    const all = pipeline();
    const some = pipeline("tracer-first", { events: (name) => name.startsWith("codex.turn.") });
    const s = startSpan("codex.turn", {});
    s.stop({}, { status: "completed" });
    emit("codex.attachment.staged", { size_bytes: 3 }, { name: "a.png" });
    const names = (await all.records()).map((r) => r.eventName);
    assert.deepEqual(names, ["codex.turn.start", "codex.turn.stop", "codex.attachment.staged"]);
    assert.equal(names.includes("codex.span.finished"), false);
    assert.deepEqual((await some.records()).map((r) => r.eventName), ["codex.turn.start", "codex.turn.stop"]);
  });

  it("does not log the logs pipeline's own exporter trouble (no feedback loop), but does log the spans'", async () => {
    const p = pipeline();
    emit("codex.exporter.failed", { count: 3 }, { reason: "http_500", signal: "logs" });
    emit("codex.exporter.dropped", { count: 3 }, { reason: "http_500", signal: "logs" });
    emit("codex.exporter.failed", { count: 2 }, { reason: "http_500" });
    emit("codex.exporter.dropped", { count: 2 }, { reason: "queue_full", signal: "metrics" });
    const records = await p.records();
    assert.deepEqual(records.map((r) => [r.eventName, r.severityText, r.attributes.signal]), [
      ["codex.exporter.failed", "ERROR", undefined],
      ["codex.exporter.dropped", "WARN", "metrics"],
    ]);
  });

  it("an event that cannot be turned into a record is skipped and the handler stays attached", async () => {
    const p = pipeline();
    const hostile = { get boom(): string {
      throw new Error("getter");
    } };
    emit("codex.warning", {}, { reason: "x", nested: hostile });
    emit("codex.warning", {}, { reason: "y" });
    const records = await p.records();
    assert.deepEqual(records.map((r) => r.attributes.reason), ["y"]);
  });
});

describe("logEvents on a real fixture thread run (fake CLI), spans and logs through the local receiver", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));

  for (const order of ["tracer-first", "logs-first"] as const) {
    it(`every record of the run carries the trace and span of an exported span of that run (${order})`, async () => {
      const spanProcessor = batchProcessor(otlpHttpExporter({ url: rx.tracesUrl }), {}, { warn: () => {} });
      const tracing = traceEvents(createTracer({ processor: spanProcessor }), { handlerId: `fx-t-${order}` });
      const processor = batchLogProcessor(otlpHttpLogExporter({ url: `${rx.url}/v1/logs`, encode: { resource: { "service.name": "logs-fixture" } } }), {}, { warn: () => {} });
      const provider = createLoggerProvider({ processor });
      const logs = logEvents(provider, { spanContextOf: tracing.spanContextOf, handlerId: `fx-l-${order}` });
      if (order === "tracer-first") {
        tracing.attach();
        logs.attach();
      } else {
        logs.attach();
        tracing.attach();
      }
      const spansBefore = rx.spans().length;
      const logsBefore = rx.logRecords().length;
      try {
        const codex = new Codex({ apiKey: API_KEY, codexPathOverride: fixtureCodex("cli-0.169/cmd-and-patch.jsonl") });
        const result = await codex.startThread({ model: "gpt-5.1-codex", skipGitRepoCheck: true }).run(PROMPT);
        assert.equal(result.status, "completed");
      } finally {
        logs.detach();
        tracing.detach();
      }
      await provider.shutdown();
      await spanProcessor.shutdown();
      const spans = rx.spans().slice(spansBefore);
      assert.equal(spanProcessor.stats().exported, spans.length);
      assert.equal(tracing.openSpans, 0);
      const records = rx.logRecords().slice(logsBefore);
      assert.equal(processor.stats().exported, records.length);
      assert.equal(processor.stats().dropped, 0);

      // One span per start event, in both orders (the logs-first order opens no span twice).
      const starts = records.filter((r) => /\.(start|requested|compaction\.started)$/.test(r.eventName as string));
      assert.equal(spans.length, starts.length);
      if (process.env.LOGS_FIXTURE_DUMP) console.log(records.map((r) => `${r.severityText} ${r.eventName} ${r.spanId} ${(r.body as { stringValue: string }).stringValue}`).join("\n"));
      const spanById = new Map(spans.map((s) => [s.spanId as string, s]));
      const names = records.map((r) => r.eventName as string);
      for (const name of ["codex.thread.start", "codex.thread.spawned", "codex.turn.start", "codex.item.start", "codex.item.stop", "codex.tool.start", "codex.thread.token_usage.updated", "codex.turn.stop", "codex.thread.stop"]) {
        assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
      }
      const kindOf = (s: Record<string, unknown>): string =>
        String(((s.attributes as { key: string; value: { stringValue?: string } }[]).find((a) => a.key === "codex.span.type"))?.value.stringValue);
      for (const r of records) {
        const span = spanById.get(r.spanId as string);
        assert.ok(span, `${r.eventName}: span ${r.spanId} is one of the run's exported spans`);
        assert.equal(r.traceId, span.traceId);
        assert.equal(r.flags, 1);
        const name = r.eventName as string;
        // Events of a span type name it (`codex.<type>.…`); token usage belongs to its turn.
        const expected = name.startsWith("codex.thread.token_usage") ? "turn" : name.split(".")[1];
        if (["thread", "turn", "item", "tool", "approval"].includes(expected)) {
          assert.equal(kindOf(span), expected, `${name} belongs to a ${expected} span`);
        }
      }
      // One trace for the whole run; item records point at their own item span.
      assert.equal(new Set(records.map((r) => r.traceId)).size, 1);
      const itemStops = records.filter((r) => r.eventName === "codex.item.stop");
      assert.equal(new Set(itemStops.map((r) => r.spanId)).size, itemStops.length);
      assert.equal(itemStops.length, 3);

      // Nothing secret left the process: neither the prompt nor the API key, in any record.
      const wire = JSON.stringify(rx.requests.filter((q) => q.signal === "logs").map((q) => q.payload));
      assert.equal(wire.includes(PROMPT), false);
      assert.equal(wire.includes(API_KEY), false);
      const stop = records.find((r) => r.eventName === "codex.thread.stop")!;
      assert.equal((stop.severityText as string), "INFO");
      assert.match(String((stop.body as { stringValue: string }).stringValue), /^\[codex\] thread stop duration_ms=/);
    });
  }
});
