// All three signals through `Telemetry.configure`, end to end: a fixture thread under memory://,
// the real CLI 0.169 (exec and app-server) exporting over HTTP to a real local receiver that
// validates every payload against opentelemetry-proto, the collector faults of the trace path for
// metrics and logs, the per-signal switches and the host meter.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex, meter, startSpan, Telemetry } from "../../mod.ts";
import type { HistogramPoint, MemoryMetric, RunResult, SpanRecord, TelemetryHandle } from "../../mod.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { realCliOptions, startFakeResponses } from "../support/fake-responses.ts";
import type { FakeResponses, RealCliSetup } from "../support/fake-responses.ts";
import { command, toolTurn } from "../support/app-server.ts";
import { useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver, Scripted, Signal } from "../support/otlp-receiver.ts";

let t: TelemetryHandle | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});
after(() => disposeFixtureCodex());

const quiet = { readRuntimeEnv: false, warn: () => {} } as const;
const HOUR = String(3_600_000);

type Attr = { key: string; value: Record<string, unknown> };
const attrOf = (attrs: unknown, key: string): unknown => {
  const v = (attrs as Attr[] | undefined)?.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue;
};
const seconds = (s: { startTimeUnixNano: bigint | string; endTimeUnixNano: bigint | string }): number =>
  Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e9;
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

/** Sum of a histogram's points whose attributes match. */
function histSum(m: MemoryMetric | undefined, match: Record<string, string>): { sum: number; count: number } {
  assert.ok(m !== undefined && m.kind === "histogram", "a histogram");
  let sum = 0;
  let count = 0;
  for (const p of m.points as HistogramPoint[]) {
    if (Object.entries(match).every(([k, v]) => p.attributes[k] === v)) {
      sum += p.sum;
      count += p.count;
    }
  }
  return { sum, count };
}

describe("metrics and logs through configure (memory://)", () => {
  it("a fixture thread's token points sum to its usage, its durations equal its spans, its log records sit on its spans", async () => {
    t = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://signals" }, ...quiet });
    const codex = new Codex({ codexPathOverride: fixtureCodex("thread_basic.jsonl") });
    const result = await codex.startThread({ model: "gpt-5.5" }).run("trace check");
    await t.flush();
    const mem = t.memory!;
    const usage = result.usage!;
    const tokens = mem.metric("gen_ai.client.token.usage");
    assert.equal(histSum(tokens, { "gen_ai.token.type": "input" }).sum, usage.input_tokens);
    assert.equal(histSum(tokens, { "gen_ai.token.type": "output" }).sum, usage.output_tokens);
    const parts = mem.metric("codex.token.usage");
    assert.equal(histSum(parts, { "codex.token.type": "cached_input" }).sum, usage.cached_input_tokens);
    assert.equal(histSum(parts, { "codex.token.type": "reasoning_output" }).sum, usage.reasoning_output_tokens);
    for (const p of (tokens!.points as HistogramPoint[])) assert.equal(p.attributes["gen_ai.request.model"], "gpt-5.5");

    const spans = mem.finished();
    const turn = spans.find((s) => s.name === "codex.turn")!;
    const run = spans.find((s) => s.name.startsWith("invoke_agent"))!;
    const duration = mem.metric("gen_ai.client.operation.duration");
    near(histSum(duration, { "gen_ai.operation.name": "chat" }).sum, seconds(turn), "turn duration");
    near(histSum(duration, { "gen_ai.operation.name": "invoke_agent" }).sum, seconds(run), "run duration");
    const runs = mem.metric("codex.runs");
    assert.equal(runs?.kind, "sum");
    assert.equal(runs!.points.reduce((n, p) => n + (p as { value: number }).value, 0), 1);

    const logs = mem.logs();
    const bySpan = new Map(spans.map((s) => [s.spanId, s]));
    assert.ok(logs.length >= 6, `${logs.length} records`);
    for (const r of logs) {
      assert.ok(r.spanId !== undefined && bySpan.has(r.spanId), `${r.eventName} sits on an exported span`);
      assert.equal(r.traceId, bySpan.get(r.spanId!)!.traceId);
    }
    const turnStop = logs.find((r) => r.eventName === "codex.turn.stop")!;
    assert.equal(turnStop.spanId, turn.spanId);
    assert.equal(turnStop.severityText, "INFO");
    assert.ok(!JSON.stringify(logs, (_k, v) => typeof v === "bigint" ? String(v) : v).includes("trace check"), "no prompt in a record");
    const st = t.status();
    for (const signal of ["traces", "metrics", "logs"] as const) {
      const s = st.signals[signal];
      assert.equal(s.exporter, "memory");
      assert.equal(s.exported, s.produced, signal);
    }
  });
});

describe("the real CLI 0.169 with metrics and logs over HTTP", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));
  let server: FakeResponses;
  let setup: RealCliSetup;
  before(async () => {
    server = await startFakeResponses("message");
  });
  after(() => server.close());

  const received = (mark: number) => {
    const reqs = rx.requests.slice(mark);
    const of = (signal: Signal) => reqs.filter((r) => r.signal === signal);
    return { reqs, of };
  };

  /** Checks what the receiver got for one run against the run. */
  function checkRun(mark: number, result: RunResult): { spans: Record<string, unknown>[]; points: Record<string, unknown>[]; logs: Record<string, unknown>[] } {
    const spans = rx.spans().filter((s) => rx.requests.slice(mark).some((r) => r.signal === "traces" && JSON.stringify(r.payload).includes(s.spanId as string)));
    const points = rx.dataPoints().slice(-received(mark).of("metrics").reduce((n, r) => n + r.items, 0));
    const logs = rx.logRecords().slice(-received(mark).of("logs").reduce((n, r) => n + r.items, 0));
    const sum = (metric: string, key: string, value: string): number =>
      points.filter((p) => p.metric === metric && attrOf(p.attributes, key) === value).reduce((n, p) => n + Number(p.sum), 0);
    const usage = result.usage!;
    assert.equal(sum("gen_ai.client.token.usage", "gen_ai.token.type", "input"), usage.input_tokens);
    assert.equal(sum("gen_ai.client.token.usage", "gen_ai.token.type", "output"), usage.output_tokens);
    assert.equal(sum("codex.token.usage", "codex.token.type", "cached_input"), usage.cached_input_tokens);
    const turns = spans.filter((s) => s.name === "codex.turn");
    assert.equal(turns.length, 1);
    near(sum("gen_ai.client.operation.duration", "gen_ai.operation.name", "chat"), seconds(turns[0] as unknown as SpanRecord), "turn duration");
    const ids = new Set(spans.map((s) => s.spanId));
    assert.ok(logs.length > 0);
    // A record belongs to the span of its event; only warnings outside any span (none of its own) carry none.
    for (const r of logs) {
      if (r.spanId === undefined) assert.equal(r.eventName, "codex.warning", JSON.stringify(r.body));
      else assert.ok(ids.has(r.spanId), `log record ${String(r.eventName)} on an exported span`);
    }
    assert.ok(logs.filter((r) => r.spanId !== undefined).length >= 6);
    const server = points.find((p) => p.metric === "gen_ai.client.token.usage");
    assert.equal(attrOf(server?.attributes, "server.address"), "127.0.0.1");
    return { spans, points, logs };
  }

  it("exec: token points sum to the usage, the turn duration equals its span, every log record is on an exported span", async () => {
    setup = realCliOptions(server);
    try {
      const mark = rx.requests.length;
      t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url, OTEL_METRIC_EXPORT_INTERVAL: HOUR }, ...quiet });
      server.setScript("cmd-and-patch");
      const result = await new Codex(setup.codex).startThread(setup.thread).run("make files");
      await t.shutdown();
      const { points } = checkRun(mark, result);
      const tools = points.filter((p) => p.metric === "codex.tool.duration");
      assert.deepEqual(tools.map((p) => attrOf(p.attributes, "gen_ai.tool.name")).sort(), ["apply_patch", "exec_command"]);
      assert.ok(tools.every((p) => attrOf(p.attributes, "codex.tool.outcome") === "success"));
      const st = t.status();
      for (const signal of ["traces", "metrics", "logs"] as const) {
        assert.equal(st.signals[signal].exported, st.signals[signal].produced, signal);
        assert.equal(rx.accepted(signal) >= st.signals[signal].exported, true);
      }
    } finally {
      setup.dispose();
    }
  });

  it("app-server: an approval's codex.approval.duration equals its span, with the decision as an attribute", async () => {
    setup = realCliOptions(server);
    const codex = new Codex({ ...setup.codex, transport: "app-server" });
    try {
      const mark = rx.requests.length;
      t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url, OTEL_METRIC_EXPORT_INTERVAL: HOUR }, ...quiet });
      server.setScript(toolTurn(command("c1", "touch approved.txt", { escalate: true })));
      const thread = codex.startThread({
        ...setup.thread,
        approvalPolicy: "on-request",
        onApproval: () => new Promise((resolve) => setTimeout(() => resolve("accept"), 40)),
      });
      const result = await thread.run("touch it");
      assert.equal(result.status, "completed");
      await t.shutdown();
      const { spans, points, logs } = checkRun(mark, result);
      const approval = spans.find((s) => s.name === "codex.approval")!;
      assert.ok(approval !== undefined, "an approval span");
      const approvals = points.filter((p) => p.metric === "codex.approval.duration");
      assert.equal(approvals.length, 1);
      assert.equal(attrOf(approvals[0].attributes, "codex.approval.decision"), "approved");
      near(Number(approvals[0].sum), seconds(approval as unknown as SpanRecord), "approval duration");
      assert.ok(Number(approvals[0].sum) >= 0.035, `the hook's 40 ms wait: ${approvals[0].sum}`);
      const approved = logs.find((r) => r.eventName === "codex.approval.approved");
      assert.equal(approved?.spanId, approval.spanId);
    } finally {
      await codex.close();
      setup.dispose();
    }
  });
});

describe("collector faults for metrics and logs", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));

  const faults: [string, Scripted[], (s: { exported: number; dropped: number; produced: number }) => void][] = [
    ["500", [{ status: 500 }], (s) => assert.equal(s.dropped, s.produced)],
    ["503 + Retry-After", [{ status: 503, headers: { "retry-after": "0" } }], (s) => assert.equal(s.exported, s.produced)],
    ["429", [{ status: 429 }], (s) => assert.equal(s.exported, s.produced)],
    ["hang", [{ hang: true }], (s) => assert.equal(s.dropped, s.produced)],
    ["reset", [{ reset: true }], (s) => assert.equal(s.exported + s.dropped, s.produced)],
  ];

  for (const signal of ["metrics", "logs"] as const) {
    const only = { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: signal === "metrics" ? "otlp" : "none", OTEL_LOGS_EXPORTER: signal === "logs" ? "otlp" : "none" };
    for (const [name, script, check] of faults) {
      it(`${signal}: ${name} keeps exported + dropped == produced`, async () => {
        const acceptedBefore = rx.accepted(signal);
        rx.script(...script);
        t = Telemetry.configure({
          env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url, OTEL_METRIC_EXPORT_INTERVAL: HOUR, OTEL_EXPORTER_OTLP_TIMEOUT: "800", ...only },
          ...quiet,
        });
        startSpan("codex.thread", { model: "m" }).stop({}, { result: "ok", usage: { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1 } });
        await t.shutdown();
        const s = t.status().signals[signal];
        assert.ok(s.produced > 0, `${signal} produced`);
        assert.equal(s.queued, 0);
        assert.equal(s.exported + s.dropped, s.produced, JSON.stringify(s));
        assert.equal(rx.accepted(signal) - acceptedBefore, s.exported, "what the receiver accepted is what we count as exported");
        check(s);
        rx.script(); // nothing left over for the next case
        rx.setDefault({});
      });
    }

    it(`${signal}: partial success drops exactly the rejected items`, async () => {
      const field = signal === "metrics" ? "rejectedDataPoints" : "rejectedLogRecords";
      rx.script({ body: JSON.stringify({ partialSuccess: { [field]: "1", errorMessage: "one bad" } }) });
      t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url, OTEL_METRIC_EXPORT_INTERVAL: HOUR, ...only }, ...quiet });
      startSpan("codex.thread", {}).stop({}, { result: "ok" });
      await t.shutdown();
      const s = t.status().signals[signal];
      assert.equal(s.dropped, 1, JSON.stringify(s));
      assert.equal(s.exported, s.produced - 1);
    });

    it(`${signal}: a refused connection drops everything, counted by reason`, async () => {
      t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_METRIC_EXPORT_INTERVAL: HOUR, OTEL_EXPORTER_OTLP_TIMEOUT: "800", ...only }, ...quiet });
      startSpan("codex.thread", {}).stop({}, { result: "ok" });
      await t.shutdown();
      const s = t.status().signals[signal];
      assert.ok(s.produced > 0);
      assert.equal(s.dropped, s.produced, JSON.stringify(s));
      assert.deepEqual(Object.keys(s.droppedByReason), ["network"]);
    });
  }
});

describe("per-signal switches and the host meter", () => {
  it("OTEL_<SIGNAL>_EXPORTER=none turns one signal off; console prints one OTLP/JSON line per export", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "console", OTEL_LOGS_EXPORTER: "none" }, ...quiet });
      const st = t.status();
      assert.equal(st.signals.traces.enabled, false);
      assert.equal(st.signals.logs.enabled, false);
      assert.equal(st.signals.metrics.exporter, "console");
      assert.equal(t.tracer, undefined);
      startSpan("codex.thread", {}).stop({}, { result: "ok" });
      await t.flush();
    } finally {
      console.log = log;
    }
    assert.equal(lines.length, 1);
    const body = JSON.parse(lines[0]) as { resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[] };
    const names = body.resourceMetrics[0].scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name));
    assert.ok(names.includes("codex.runs"), names.join());
  });

  it("an unknown exporter name is reported and skipped, naming the variable", () => {
    const problems: string[] = [];
    t = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://x", OTEL_LOGS_EXPORTER: "otlp,zipkin" }, readRuntimeEnv: false, warn: (m) => problems.push(m) });
    assert.equal(t.status().signals.logs.exporter, "memory");
    assert.ok(t.status().problems.some((p) => p.variable === "OTEL_LOGS_EXPORTER" && /zipkin/.test(p.message)));
  });

  it("host instruments made before configure record into it, and follow a reconfigure", async () => {
    const m = meter("host-app", "1.2.3");
    const jobs = m.counter("jobs", { description: "jobs run" });
    const took = m.histogram("job.duration", { unit: "s", boundaries: [0.1, 1] });
    jobs.add(5); // metrics are off: dropped
    t = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://host" }, ...quiet });
    jobs.add(2, { outcome: "ok" });
    took.record(0.5, { outcome: "ok" });
    await t.flush();
    const counted = t.memory!.metric("jobs")!;
    assert.deepEqual(counted.scope, { name: "host-app", version: "1.2.3" });
    assert.deepEqual(counted.points.map((p) => [(p as { value: number }).value, p.attributes]), [[2, { outcome: "ok" }]]);
    const h = t.memory!.metric("job.duration")!.points[0] as HistogramPoint;
    assert.deepEqual([h.count, h.sum, [...h.bucketCounts]], [1, 0.5, [0, 1, 0]]);
    await t.shutdown();
    t = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://host2" }, ...quiet });
    jobs.add(1, { outcome: "ok" });
    await t.flush();
    assert.deepEqual(t.memory!.metric("jobs")!.points.map((p) => (p as { value: number }).value), [1]);
  });
});
