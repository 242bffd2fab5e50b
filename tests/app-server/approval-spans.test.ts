// The codex.approval span of the app-server transport runs from the request to the answer: its
// duration is the hook's decision time (it contains the hook, and at most 40 ms more: half the
// smallest gap between the hooks' delays, so under a loaded machine's event-loop delays a span is
// still told apart from its neighbours'), it hangs under the turn, carries the decision,
// the answer, the policy and who decided, and exports as valid OTLP/JSON. And the app-server's
// own spans join each run's trace through the per-request `trace` envelope field.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import type { SpanRecord, TelemetryHandle } from "../../mod.ts";
import { encodeTraces } from "../../src/export/otlp-json.ts";
import { realCliOptions, startFakeResponses } from "../support/fake-responses.ts";
import type { FakeResponses, RealCliSetup } from "../support/fake-responses.ts";
import { validateTraces } from "../support/otlp-schema.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";
import { command, completed, message, sleep } from "../support/app-server.ts";

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";
const DELAYS = [40, 120, 250];

describe(`app-server approval spans (${runtime})`, () => {
  let server: FakeResponses;
  let setup: RealCliSetup;
  let telemetry: TelemetryHandle;
  let rx: OtlpReceiver;
  before(async () => {
    server = await startFakeResponses("message");
    rx = await startOtlpReceiver();
    setup = realCliOptions(server);
    telemetry = Telemetry.configure({ exporter: memoryExporter(), readRuntimeEnv: false, warn: () => {} });
  });
  after(async () => {
    await telemetry.shutdown();
    await server.close();
    await rx.close();
    setup.dispose();
  });

  it("each approval span lasts as long as its hook took, under the turn, and exports as valid OTLP", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    const steps = DELAYS.flatMap((_, i) => [
      [command(`c${i}`, `touch ok-${i}.txt`, { escalate: true }), completed(`r${i}a`)],
      [message(`done ${i}`), completed(`r${i}b`)],
    ]);
    server.setScript(steps);
    const measured: number[] = [];
    const codex = new Codex({ ...setup.codex, transport: "app-server" });
    try {
      const thread = codex.startThread({
        ...setup.thread,
        approvalPolicy: "on-request",
        onApproval: async () => {
          const t0 = performance.now();
          await sleep(DELAYS[measured.length]);
          measured.push(performance.now() - t0);
          return measured.length === 2 ? "acceptForSession" : "accept";
        },
      });
      for (let i = 0; i < DELAYS.length; i++) await thread.run(`turn ${i}`);
    } finally {
      await codex.close();
    }
    await telemetry.flush();
    const spans = mem.finished();
    const approvals = spans.filter((s: SpanRecord) => s.name === "codex.approval");
    const turns = spans.filter((s: SpanRecord) => s.name === "codex.turn");
    assert.equal(approvals.length, DELAYS.length);
    // The model the server resolved, on the thread and turn spans (GenAI semconv).
    const thread = spans.find((s: SpanRecord) => s.attributes["codex.span.type"] === "thread")!;
    for (const s of [thread, ...turns]) assert.equal(s.attributes["gen_ai.response.model"], "gpt-5.5", s.name);
    const diffs: string[] = [];
    approvals.forEach((span, i) => {
      const ms = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
      diffs.push(`${ms.toFixed(1)}/${measured[i].toFixed(1)}`);
      const why = `approval ${i}: span ${ms.toFixed(1)} ms vs hook ${measured[i].toFixed(1)} ms`;
      assert.ok(ms >= measured[i] - 1 && ms - measured[i] <= 40, why);
      assert.ok(Math.abs((span.attributes["codex.duration_ms"] as number) - ms) < 2);
      const turn = turns[i];
      assert.equal(span.parentSpanId, turn.spanId, "the approval hangs under its turn");
      assert.equal(span.traceId, turn.traceId);
      assert.ok(span.startTimeUnixNano >= turn.startTimeUnixNano && span.endTimeUnixNano <= turn.endTimeUnixNano);
      assert.equal(span.attributes["codex.approval.decision"], "approved");
      assert.equal(span.attributes["codex.approval.answer"], i === 1 ? "acceptForSession" : "accept");
      assert.equal(span.attributes["codex.approval.policy"], "on-request");
      assert.equal(span.attributes["codex.approval.source"], "user");
      assert.equal(span.attributes["gen_ai.tool.name"], "exec_command");
      assert.equal(span.attributes["gen_ai.tool.call.id"], `c${i}`);
    });
    const body = JSON.parse(encodeTraces(spans, { resource: { "service.name": "approval-test" } }));
    assert.deepEqual(validateTraces(body, { int64AsString: true }), []);
    console.log(`[approval-spans ${runtime}] span/hook ms: ${diffs.join(", ")}`);
  });

  it("the app-server's spans of each turn join that run's trace under its thread span", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    server.setScript([[message("one"), completed("r1")], [message("two"), completed("r2")]]);
    const codex = new Codex({
      ...setup.codex,
      transport: "app-server",
      configOverrides: [`otel.trace_exporter={otlp-http={endpoint="${rx.tracesUrl}",protocol="json"}}`],
    });
    try {
      const thread = codex.startThread(setup.thread);
      await thread.run("one");
      await thread.run("two");
    } finally {
      await codex.close(); // the server flushes its spans as it exits
    }
    await telemetry.flush();
    const threads = mem.finished().filter((s: SpanRecord) => s.name === "invoke_agent codex");
    assert.equal(threads.length, 2);
    assert.notEqual(threads[0].traceId, threads[1].traceId, "one trace per run");
    const deadline = Date.now() + 15_000;
    const starts = (): Record<string, unknown>[] => rx.spans().filter((s) => s.name === "turn/start");
    while (Date.now() < deadline && starts().length < 2) await sleep(100);
    for (const t of threads) {
      const start = starts().find((s) => s.traceId === t.traceId);
      assert.ok(start, `the app-server's turn/start span joined trace ${t.traceId}`);
      assert.equal(start.parentSpanId, t.spanId, "parented by that run's thread span");
      const joined = rx.spans().filter((s) => s.traceId === t.traceId);
      for (const s of joined) assert.ok(s.parentSpanId, `${s.name} has a parent in the joined trace`);
      console.log(`[approval-spans ${runtime}] run trace ${t.traceId.slice(0, 8)}: ${joined.length} app-server spans joined`);
    }
    assert.equal(rx.invalid, 0);
  });
});
