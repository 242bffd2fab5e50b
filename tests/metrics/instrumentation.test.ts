// The event metrics on real fixture threads: the bundled fake CLI replays CLI 0.169 transcripts
// through the real runner, the tracer exports spans to the in-memory exporter beside the metrics,
// and the recorded points are checked against the run's `usage` (per token type), the spans'
// durations (exactly), the failures' `error.type`, and an allowlist of attribute keys.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import type { SpanRecord, TelemetryHandle } from "../../mod.ts";
import { meterEvents } from "../../src/metrics/instrumentation.ts";
import type { EventMetrics, EventMetricsOptions } from "../../src/metrics/instrumentation.ts";
import type { HistogramOptions, InstrumentOptions, Meter, ObservableCallback } from "../../src/metrics/api.ts";
import type { Attributes } from "../../src/tracing/span-record.ts";
import { emit, startSpan } from "../../src/telemetry/bus.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";

// A meter that keeps every call: each recording is one point, so values can be compared exactly.
interface Recorded {
  name: string;
  value: number;
  attributes: Attributes;
}
interface Made {
  kind: string;
  name: string;
  options?: HistogramOptions;
  callback?: ObservableCallback;
}
function recordingMeter(): Meter & { made: Made[]; records: Recorded[]; observe(): Recorded[] } {
  const made: Made[] = [];
  const records: Recorded[] = [];
  const instrument = (kind: string) => (name: string, options?: HistogramOptions) => {
    made.push({ kind, name, options });
    const rec = (value: number, attributes: Attributes = {}): void => {
      records.push({ name, value, attributes });
    };
    return { add: rec, record: rec };
  };
  const observable = (kind: string) => (name: string, callback: ObservableCallback, options?: InstrumentOptions) => {
    made.push({ kind, name, options, callback });
  };
  return {
    made,
    records,
    counter: instrument("counter"),
    upDownCounter: instrument("upDownCounter"),
    histogram: instrument("histogram"),
    gauge: instrument("gauge"),
    observableCounter: observable("observableCounter"),
    observableUpDownCounter: observable("observableUpDownCounter"),
    observableGauge: observable("observableGauge"),
    observe(): Recorded[] {
      const out: Recorded[] = [];
      for (const m of made) {
        m.callback?.({ observe: (value, attributes = {}) => out.push({ name: m.name, value, attributes }) });
      }
      return out;
    },
  };
}

const TOKEN_BOUNDS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BOUNDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

// Every attribute key a Codex metric may carry: all of them low-cardinality by construction.
const ALLOWED_KEYS = new Set([
  "gen_ai.operation.name",
  "gen_ai.provider.name",
  "gen_ai.request.model",
  "gen_ai.response.model",
  "gen_ai.token.type",
  "gen_ai.tool.name",
  "gen_ai.agent.name",
  "server.address",
  "server.port",
  "error.type",
  "codex.token.type",
  "codex.turn.status",
  "codex.run.result",
  "codex.tool.outcome",
  "codex.approval.decision",
  "codex.approval.source",
  "codex.approval.kind",
  "codex.exporter.outcome",
  "codex.exporter.reason",
]);

let telemetry: TelemetryHandle;
let meter: ReturnType<typeof recordingMeter>;
let metrics: EventMetrics;
let seq = 0;

function start(options: EventMetricsOptions = {}): void {
  meter = recordingMeter();
  metrics = meterEvents(meter, { handlerId: `instr-test-${++seq}`, ...options });
  metrics.attach();
  telemetry.memory!.reset();
}

const named = (name: string, match: Attributes = {}): Recorded[] =>
  meter.records.filter((r) => r.name === name && Object.entries(match).every(([k, v]) => r.attributes[k] === v));
const sum = (rs: readonly Recorded[]): number => rs.reduce((s, r) => s + r.value, 0);
const seconds = (s: SpanRecord): number => Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e9;

async function spans(): Promise<readonly SpanRecord[]> {
  await telemetry.flush();
  return telemetry.memory!.finished();
}

const codexFor = (fixture: string, options: Parameters<typeof fixtureCodex>[1] = {}): Codex =>
  new Codex({ apiKey: "test", codexPathOverride: fixtureCodex(fixture, options) });

describe("meterEvents() on fixture threads", () => {
  before(() => {
    telemetry = Telemetry.configure({
      env: { CODEX_OTLP_ENDPOINT: "memory://local" },
      exporter: memoryExporter(),
      warn: () => {},
    });
  });
  afterEach(() => metrics?.detach());
  after(async () => {
    await telemetry.shutdown();
    disposeFixtureCodex();
  });

  it("creates the GenAI instruments with the spec's units and recommended bucket boundaries", () => {
    start();
    const by = new Map(meter.made.map((m) => [m.name, m]));
    const usage = by.get("gen_ai.client.token.usage")!;
    assert.equal(usage.kind, "histogram");
    assert.equal(usage.options?.unit, "{token}");
    assert.deepEqual(usage.options?.boundaries, TOKEN_BOUNDS);
    const duration = by.get("gen_ai.client.operation.duration")!;
    assert.equal(duration.kind, "histogram");
    assert.equal(duration.options?.unit, "s");
    assert.deepEqual(duration.options?.boundaries, DURATION_BOUNDS);
    assert.deepEqual(by.get("codex.token.usage")?.options?.boundaries, TOKEN_BOUNDS);
    assert.deepEqual(by.get("codex.tool.duration")?.options?.boundaries, DURATION_BOUNDS);
    assert.equal(by.get("codex.tool.duration")?.options?.unit, "s");
    assert.equal(by.get("codex.approval.duration")?.options?.unit, "s");
    assert.equal(by.get("codex.runs")?.kind, "counter");
    assert.equal(by.get("codex.exporter.spans")?.kind, "counter");
    assert.equal(by.has("gen_ai.invoke_agent.duration"), false, "the newest agent metrics only on request");
  });

  it("token usage points per type sum to the run's usage", async () => {
    start();
    const result = await codexFor("cli-0.169/cmd-and-patch.jsonl").startThread({ model: "gpt-5.5", skipGitRepoCheck: true })
      .run("add notes.md and hello.txt");
    const usage = result.usage!;
    assert.deepEqual(result.turnUsage, usage, "a first turn's own usage is the reported usage");
    const base = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5.5" };
    const input = named("gen_ai.client.token.usage", { ...base, "gen_ai.token.type": "input" });
    const output = named("gen_ai.client.token.usage", { ...base, "gen_ai.token.type": "output" });
    assert.equal(input.length, 1, "one input point per turn");
    assert.equal(output.length, 1, "one output point per turn");
    assert.equal(sum(input), usage.input_tokens);
    assert.equal(sum(output), usage.output_tokens);
    assert.equal(named("gen_ai.client.token.usage").length, 2, "no other token type on the spec instrument");
    assert.equal(sum(named("codex.token.usage", { ...base, "codex.token.type": "cached_input" })), usage.cached_input_tokens);
    assert.equal(
      sum(named("codex.token.usage", { ...base, "codex.token.type": "reasoning_output" })),
      usage.reasoning_output_tokens,
    );
    assert.equal(
      sum(named("codex.token.usage", { ...base, "codex.token.type": "cache_write_input" })),
      usage.cache_write_input_tokens,
    );
  });

  it("token usage across a thread's turns sums to the turns' own usage (the per-turn delta, not the cumulative)", async () => {
    start();
    const codex = codexFor("thread_basic.jsonl", { resumeFixture: "resume_turn.jsonl" });
    const thread = codex.startThread();
    const first = await thread.run("one");
    const second = await thread.run("two");
    assert.notDeepEqual(second.turnUsage, second.usage, "the second turn reports cumulative usage");
    const input = named("gen_ai.client.token.usage", { "gen_ai.token.type": "input" });
    assert.deepEqual(input.map((r) => r.value), [first.turnUsage!.input_tokens, second.turnUsage!.input_tokens]);
    assert.equal(sum(input), second.usage!.input_tokens);
    const reasoning = named("codex.token.usage", { "codex.token.type": "reasoning_output" });
    assert.equal(sum(reasoning), second.usage!.reasoning_output_tokens);
    for (const r of meter.records) assert.equal(r.attributes["gen_ai.request.model"], undefined, "no model configured");
  });

  it("a resumed thread without a usage baseline reports no token usage (its turn's own count is unknown)", async () => {
    start();
    const codex = codexFor("thread_basic.jsonl", { resumeFixture: "resume_turn.jsonl" });
    const result = await codex.resumeThread("01a20b76-0000-7000-8000-000000000001").run("again");
    assert.ok(result.usage);
    assert.deepEqual(named("gen_ai.client.token.usage"), []);
    assert.deepEqual(named("codex.token.usage"), []);
    assert.equal(named("gen_ai.client.operation.duration").length, 2, "the turn and the run are still timed");
  });

  it("turn, run and tool durations equal their spans' durations exactly", async () => {
    start();
    await codexFor("cli-0.169/cmd-and-patch.jsonl", { delayMs: 5 }).startThread({ model: "gpt-5.5", skipGitRepoCheck: true })
      .run("add notes.md and hello.txt");
    const all = await spans();
    const thread = all.find((s) => s.name === "invoke_agent codex")!;
    const turn = all.find((s) => s.name === "codex.turn")!;
    const tools = all.filter((s) => s.name.startsWith("execute_tool "));
    assert.equal(tools.length, 2, all.map((s) => s.name).join(", "));
    const [run] = named("gen_ai.client.operation.duration", { "gen_ai.operation.name": "invoke_agent" });
    const [chat] = named("gen_ai.client.operation.duration", { "gen_ai.operation.name": "chat" });
    assert.equal(run.value, seconds(thread));
    assert.equal(chat.value, seconds(turn));
    assert.equal(run.attributes["codex.run.result"], "ok");
    assert.equal(chat.attributes["codex.turn.status"], "completed");
    assert.equal(run.attributes["error.type"], undefined);
    assert.equal(chat.attributes["error.type"], undefined);
    const toolPoints = named("codex.tool.duration");
    assert.deepEqual(
      toolPoints.map((r) => [r.attributes["gen_ai.tool.name"], r.value]).sort(),
      tools.map((s) => [s.attributes["gen_ai.tool.name"], seconds(s)]).sort(),
    );
    for (const r of toolPoints) assert.equal(r.attributes["codex.tool.outcome"], "success");
    assert.deepEqual(named("codex.runs").map((r) => [r.value, r.attributes]), [[1, {
      "gen_ai.provider.name": "openai",
      "codex.run.result": "ok",
      "gen_ai.request.model": "gpt-5.5",
    }]]);
    assert.equal(metrics.openSpans, 0, "every start seen was ended");
  });

  it("a failed turn carries error.type on the turn and run durations and on codex.runs", async () => {
    start();
    const error = await codexFor("cli-0.169/response-failed.jsonl").startThread({ skipGitRepoCheck: true }).run("fail")
      .then(() => undefined, (e: unknown) => e as { code?: string });
    assert.equal(error?.code, "turn_failed");
    const all = await spans();
    const [chat] = named("gen_ai.client.operation.duration", { "gen_ai.operation.name": "chat" });
    const [run] = named("gen_ai.client.operation.duration", { "gen_ai.operation.name": "invoke_agent" });
    assert.equal(chat.attributes["error.type"], "turn_failed");
    assert.equal(chat.attributes["codex.turn.status"], "failed");
    assert.equal(run.attributes["error.type"], "turn_failed");
    assert.equal(run.attributes["codex.run.result"], "error");
    assert.equal(run.value, seconds(all.find((s) => s.name === "invoke_agent codex")!));
    assert.equal(chat.value, seconds(all.find((s) => s.name === "codex.turn")!));
    const [runs] = named("codex.runs");
    assert.equal(runs.attributes["error.type"], "turn_failed");
    assert.equal(runs.attributes["codex.run.result"], "error");
    assert.deepEqual(named("gen_ai.client.token.usage"), [], "a failed turn reported no usage");
  });

  it("a CLI that exits non-zero records error.type exit_nonzero; a failed command is a tool failure", async () => {
    start();
    await codexFor("cli-0.169/reasoning-failedcmd-todo.jsonl", { exitCode: 3 }).startThread({ skipGitRepoCheck: true })
      .run("run the checks").catch(() => undefined);
    const [run] = named("gen_ai.client.operation.duration", { "gen_ai.operation.name": "invoke_agent" });
    assert.equal(run.attributes["error.type"], "exit_nonzero");
    const [tool] = named("codex.tool.duration");
    assert.equal(tool.attributes["gen_ai.tool.name"], "exec_command");
    assert.equal(tool.attributes["codex.tool.outcome"], "failure");
    assert.equal(tool.attributes["error.type"], "failed");
    const [reasoning] = named("codex.token.usage", { "codex.token.type": "reasoning_output" });
    assert.equal(reasoning.value, 2);
  });

  it("approval durations by decision and source equal the approval spans", async () => {
    start();
    await codexFor("approval_required.jsonl").startThread({
      approvalHandler: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { approved: true, reason: "ok by test" };
      },
    }).run("x");
    const all = await spans();
    const approvals = all.filter((s) => s.name === "codex.approval");
    const points = named("codex.approval.duration");
    assert.deepEqual(
      points.map((r) => [r.attributes["codex.approval.decision"], r.attributes["codex.approval.source"], r.value]).sort(),
      approvals.map((s) => [s.attributes["codex.approval.decision"], s.attributes["codex.approval.source"], seconds(s)]).sort(),
    );
    assert.deepEqual(points.map((r) => r.attributes["codex.approval.decision"]).sort(), ["approved", "denied"]);
    const user = points.find((r) => r.attributes["codex.approval.source"] === "user")!;
    assert.ok(user.value >= 0.015, `the user's decision took the hook's time: ${user.value} s`);
    const declined = named("codex.tool.duration", { "codex.tool.outcome": "failure" });
    assert.equal(declined[0]?.attributes["error.type"], "declined");
  });

  it("an approval hook that never answers is recorded as a timeout", async () => {
    start();
    await codexFor("approval_required.jsonl").startThread({
      approvalHandler: (req) => new Promise((resolve) => req.signal.addEventListener("abort", () => resolve(true))),
      approvalTimeoutMs: 50,
    }).run("x");
    const [timeout] = named("codex.approval.duration", { "codex.approval.decision": "timeout" });
    assert.ok(timeout && timeout.value >= 0.045, `timed out after the 50 ms limit: ${timeout?.value}`);
  });

  it("keeps metric attributes to an allowlist of low-cardinality keys: no ids, prompts, paths or commands", async () => {
    start({ latestExperimental: true, serverAddress: "api.openai.com", serverPort: 443 });
    const prompt = "PROMPT-7781 refactor /home/dev/project/billing.ts";
    const fixtures = [
      "cli-0.169/cmd-and-patch.jsonl",
      "cli-0.169/mcp-tool-call.jsonl",
      "cli-0.169/reasoning-failedcmd-todo.jsonl",
      "cli-0.169/websearch-todo.jsonl",
      "cli-0.169/response-failed.jsonl",
      "approval_required.jsonl",
      "thread_basic.jsonl",
      "compaction.jsonl",
    ];
    const threadIds: string[] = [];
    for (const f of fixtures) {
      const thread = codexFor(f).startThread({ model: "gpt-5.5", skipGitRepoCheck: true, workingDirectory: "/tmp" });
      await thread.run(prompt, { metadata: { source: "cardinality", workflow: "wf-123" } }).catch(() => undefined);
      if (thread.id) threadIds.push(thread.id);
    }
    const all = await spans();
    const forbidden = [
      prompt,
      ...threadIds,
      ...all.map((s) => s.attributes["codex.turn.id"]).filter((v) => typeof v === "string") as string[],
      ...all.map((s) => s.attributes["gen_ai.tool.call.id"]).filter((v) => typeof v === "string") as string[],
      "/home/dev/project",
      "/tmp",
      "/bin/bash",
      "wf-123",
    ];
    const keys = new Set<string>();
    const values = new Map<string, Set<unknown>>();
    for (const r of meter.records) {
      for (const [k, v] of Object.entries(r.attributes)) {
        keys.add(k);
        assert.ok(ALLOWED_KEYS.has(k), `${r.name} carries ${k}=${String(v)}`);
        assert.ok(typeof v === "string" || typeof v === "number", `${k} is a scalar`);
        for (const bad of forbidden) assert.ok(!String(v).includes(bad), `${r.name} ${k}=${String(v)} holds ${bad}`);
        if (!values.has(k)) values.set(k, new Set());
        values.get(k)!.add(v);
      }
    }
    // Eight runs, and still a handful of values per key.
    for (const [k, vs] of values) assert.ok(vs.size <= 6, `${k}: ${[...vs].join(", ")}`);
    assert.deepEqual([...values.get("gen_ai.tool.name")!].sort(), ["apply_patch", "demo.echo", "exec_command", "web_search"]);
    assert.deepEqual([...values.get("server.address")!], ["api.openai.com"]);
    assert.ok(keys.has("error.type"));
    const agent = named("gen_ai.invoke_agent.duration");
    assert.equal(agent.length, fixtures.length, "one agent duration per run");
    assert.ok(agent.every((r) => r.attributes["gen_ai.agent.name"] === "codex"));
    assert.equal(named("gen_ai.execute_tool.duration").length, named("codex.tool.duration").length);
  });

  it("interrupted and early-exit runs are counted by result without error.type", async () => {
    start();
    await codexFor("early_exit.jsonl").startThread().run("x").catch(() => undefined);
    const [runs] = named("codex.runs");
    assert.equal(runs.attributes["codex.run.result"], "early_exit");
    assert.equal(runs.attributes["error.type"], undefined);
    // The app-server's interrupt ends a run with result early_exit and reason interrupted.
    const thread = startSpan("codex.thread", { model: "gpt-5.5" });
    thread.stop({}, { result: "early_exit", reason: "interrupted" });
    assert.equal(named("codex.runs", { "codex.run.result": "interrupted" }).length, 1);
  });

  it("counts dropped spans from codex.exporter.dropped events, by reason, and ignores other signals' drops", () => {
    start();
    emit("codex.exporter.dropped", { count: 3, dropped_total: 3 }, { reason: "queue_full" });
    emit("codex.exporter.dropped", { count: 2, dropped_total: 5 }, { reason: "http_503" });
    emit("codex.exporter.dropped", { count: 7, dropped_total: 7 }, { reason: "queue_full", signal: "metrics" });
    assert.deepEqual(named("codex.exporter.spans").map((r) => [r.value, r.attributes]), [
      [3, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "queue_full" }],
      [2, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "http_503" }],
    ]);
  });

  it("with exporterStats, codex.exporter.spans observes the pipeline's exact exported and dropped totals", () => {
    const stats = { exported: 40, droppedByReason: { queue_full: 2, timeout: 1 } as Record<string, number> };
    start({ exporterStats: () => stats });
    assert.equal(meter.made.find((m) => m.name === "codex.exporter.spans")?.kind, "observableCounter");
    emit("codex.exporter.dropped", { count: 3 }, { reason: "queue_full" });
    assert.deepEqual(named("codex.exporter.spans"), [], "no double count from events");
    assert.deepEqual(meter.observe().map((r) => [r.value, r.attributes]), [
      [40, { "codex.exporter.outcome": "exported" }],
      [2, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "queue_full" }],
      [1, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "timeout" }],
    ]);
    metrics.detach();
    assert.deepEqual(meter.observe(), [], "nothing observed once detached");
  });

  it("takes the provider and the server from options and a thread's base_url", () => {
    start({ provider: "azure.ai.openai" });
    const thread = startSpan("codex.thread", { model: "gpt-5.5", base_url: "https://proxy.internal:8443/v1" });
    const turn = startSpan("codex.turn", { parent_token: thread.token });
    turn.stop({}, { status: "completed", usage: { input_tokens: 5, cached_input_tokens: 0, output_tokens: 1 } });
    thread.stop({}, { result: "ok" });
    for (const r of named("gen_ai.client.token.usage")) {
      assert.equal(r.attributes["gen_ai.provider.name"], "azure.ai.openai");
      assert.equal(r.attributes["server.address"], "proxy.internal");
      assert.equal(r.attributes["server.port"], 8443);
      assert.equal(r.attributes["gen_ai.request.model"], "gpt-5.5");
    }
    assert.equal(named("gen_ai.client.token.usage").length, 2);
  });

  it("attach and detach are idempotent, and a detached instrumentation records nothing", () => {
    start();
    metrics.attach();
    metrics.detach();
    metrics.detach();
    startSpan("codex.thread", {}).stop({}, { result: "ok" });
    assert.deepEqual(meter.records, []);
  });
});
