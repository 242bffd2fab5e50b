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
import { createMeterProvider } from "../../src/metrics/meter.ts";
import type { MeterProvider, TemporalityPreference } from "../../src/metrics/meter.ts";
import { encodeMetrics } from "../../src/metrics/otlp-json.ts";
import type { HistogramPoint, MetricData, NumberPoint } from "../../src/metrics/data.ts";
import type { Attributes } from "../../src/tracing/span-record.ts";
import { emit, startSpan } from "../../src/telemetry/bus.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { countDataPoints, validateMetrics } from "../support/otlp-schema.ts";

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
let provider: MeterProvider;
let metrics: EventMetrics;
let seq = 0;

function start(options: EventMetricsOptions = {}, temporality: TemporalityPreference = "cumulative"): void {
  provider = createMeterProvider({ temporality, warn: (m) => assert.fail(m) });
  metrics = meterEvents(provider.meter("codex-otel-sdk"), { handlerId: `instr-test-${++seq}`, ...options });
  metrics.attach();
  telemetry.memory!.reset();
}

/** The collected metrics, by name (cumulative: each collection holds the totals so far). */
function collect(): Map<string, MetricData> {
  const out = new Map<string, MetricData>();
  for (const scope of provider.collect()) for (const m of scope.metrics) out.set(m.name, m);
  return out;
}
const matches = (a: Attributes, match: Attributes): boolean => Object.entries(match).every(([k, v]) => a[k] === v);
/** Histogram points of `name` whose attributes include `match`. */
function hist(name: string, match: Attributes = {}): HistogramPoint[] {
  const m = collect().get(name);
  if (m === undefined) return [];
  assert.equal(m.kind, "histogram", name);
  return (m.points as HistogramPoint[]).filter((p) => matches(p.attributes, match));
}
/** Sum points of `name` whose attributes include `match`. */
function sums(name: string, match: Attributes = {}): NumberPoint[] {
  const m = collect().get(name);
  if (m === undefined) return [];
  assert.equal(m.kind, "sum", name);
  return (m.points as NumberPoint[]).filter((p) => matches(p.attributes, match));
}
/** The one recording of a series: its value (count 1, so sum = min = max). */
function only(p: HistogramPoint | undefined, what: string): number {
  assert.ok(p, `${what}: no point`);
  assert.equal(p.count, 1, `${what}: one recording`);
  assert.equal(p.min, p.sum);
  assert.equal(p.max, p.sum);
  return p.sum;
}
const total = (ps: readonly HistogramPoint[]): number => ps.reduce((s, p) => s + p.sum, 0);
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
  afterEach(() => {
    metrics?.detach();
    provider?.shutdown();
  });
  after(async () => {
    await telemetry.shutdown();
    disposeFixtureCodex();
  });

  it("records the GenAI instruments with the spec's units and recommended bucket boundaries", async () => {
    start();
    await codexFor("cli-0.169/cmd-and-patch.jsonl").startThread({ skipGitRepoCheck: true }).run("x");
    const by = collect();
    const usage = by.get("gen_ai.client.token.usage")!;
    assert.equal(usage.kind, "histogram");
    assert.equal(usage.unit, "{token}");
    assert.equal(usage.valueType, "int");
    for (const p of usage.points as HistogramPoint[]) assert.deepEqual(p.bounds, TOKEN_BOUNDS);
    const duration = by.get("gen_ai.client.operation.duration")!;
    assert.equal(duration.kind, "histogram");
    assert.equal(duration.unit, "s");
    for (const p of duration.points as HistogramPoint[]) assert.deepEqual(p.bounds, DURATION_BOUNDS);
    assert.equal(by.get("codex.token.usage")?.unit, "{token}");
    for (const p of by.get("codex.token.usage")!.points as HistogramPoint[]) assert.deepEqual(p.bounds, TOKEN_BOUNDS);
    assert.equal(by.get("codex.tool.duration")?.unit, "s");
    for (const p of by.get("codex.tool.duration")!.points as HistogramPoint[]) assert.deepEqual(p.bounds, DURATION_BOUNDS);
    const runs = by.get("codex.runs")!;
    assert.equal(runs.kind === "sum" && runs.monotonic, true);
    assert.equal(runs.kind === "sum" && runs.temporality, "cumulative");
    assert.equal(by.has("gen_ai.invoke_agent.duration"), false, "the newest agent metrics only on request");
  });

  it("token usage points per type sum to the run's usage", async () => {
    start();
    const result = await codexFor("cli-0.169/cmd-and-patch.jsonl").startThread({ model: "gpt-5.5", skipGitRepoCheck: true })
      .run("add notes.md and hello.txt");
    const usage = result.usage!;
    assert.deepEqual(result.turnUsage, usage, "a first turn's own usage is the reported usage");
    const base = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5.5" };
    assert.equal(only(hist("gen_ai.client.token.usage", { ...base, "gen_ai.token.type": "input" })[0], "input"), usage.input_tokens);
    assert.equal(only(hist("gen_ai.client.token.usage", { ...base, "gen_ai.token.type": "output" })[0], "output"), usage.output_tokens);
    assert.equal(hist("gen_ai.client.token.usage").length, 2, "no other token type on the spec instrument");
    const part = (type: string): number => only(hist("codex.token.usage", { ...base, "codex.token.type": type })[0], type);
    assert.equal(part("cached_input"), usage.cached_input_tokens);
    assert.equal(part("reasoning_output"), usage.reasoning_output_tokens);
    assert.equal(part("cache_write_input"), usage.cache_write_input_tokens);
    // 600 input tokens fall in the (256, 1024] bucket, 38 output tokens in (16, 64].
    const [input] = hist("gen_ai.client.token.usage", { "gen_ai.token.type": "input" });
    assert.equal(input.bucketCounts[TOKEN_BOUNDS.indexOf(1024)], 1);
    const [output] = hist("gen_ai.client.token.usage", { "gen_ai.token.type": "output" });
    assert.equal(output.bucketCounts[TOKEN_BOUNDS.indexOf(64)], 1);
  });

  it("token usage across a thread's turns sums to the turns' own usage (the per-turn delta, not the cumulative)", async () => {
    start();
    const codex = codexFor("thread_basic.jsonl", { resumeFixture: "resume_turn.jsonl" });
    const thread = codex.startThread();
    const first = await thread.run("one");
    const second = await thread.run("two");
    assert.notDeepEqual(second.turnUsage, second.usage, "the second turn reports cumulative usage");
    const [input] = hist("gen_ai.client.token.usage", { "gen_ai.token.type": "input" });
    assert.equal(input.count, 2, "one point per turn");
    assert.equal(input.sum, first.turnUsage!.input_tokens + second.turnUsage!.input_tokens);
    assert.equal(input.sum, second.usage!.input_tokens);
    assert.equal(input.min, Math.min(first.turnUsage!.input_tokens, second.turnUsage!.input_tokens));
    assert.equal(input.max, Math.max(first.turnUsage!.input_tokens, second.turnUsage!.input_tokens));
    assert.equal(total(hist("codex.token.usage", { "codex.token.type": "reasoning_output" })), second.usage!.reasoning_output_tokens);
    for (const p of hist("gen_ai.client.token.usage")) assert.equal(p.attributes["gen_ai.request.model"], undefined, "no model configured");
  });

  it("a resumed thread without a usage baseline reports no token usage (its turn's own count is unknown)", async () => {
    start();
    const codex = codexFor("thread_basic.jsonl", { resumeFixture: "resume_turn.jsonl" });
    const result = await codex.resumeThread("01a20b76-0000-7000-8000-000000000001").run("again");
    assert.ok(result.usage);
    assert.deepEqual(hist("gen_ai.client.token.usage"), []);
    assert.deepEqual(hist("codex.token.usage"), []);
    assert.equal(hist("gen_ai.client.operation.duration").length, 2, "the turn and the run are still timed");
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
    const [run] = hist("gen_ai.client.operation.duration", { "gen_ai.operation.name": "invoke_agent" });
    const [chat] = hist("gen_ai.client.operation.duration", { "gen_ai.operation.name": "chat" });
    assert.equal(only(run, "run"), seconds(thread));
    assert.equal(only(chat, "turn"), seconds(turn));
    assert.equal(run.attributes["codex.run.result"], "ok");
    assert.equal(chat.attributes["codex.turn.status"], "completed");
    assert.equal(run.attributes["error.type"], undefined);
    assert.equal(chat.attributes["error.type"], undefined);
    for (const span of tools) {
      const name = span.attributes["gen_ai.tool.name"] as string;
      const [p] = hist("codex.tool.duration", { "gen_ai.tool.name": name });
      assert.equal(only(p, name), seconds(span));
      assert.equal(p.attributes["codex.tool.outcome"], "success");
    }
    assert.deepEqual(sums("codex.runs").map((p) => [p.value, p.attributes]), [[1, {
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
    const [chat] = hist("gen_ai.client.operation.duration", { "gen_ai.operation.name": "chat" });
    const [run] = hist("gen_ai.client.operation.duration", { "gen_ai.operation.name": "invoke_agent" });
    assert.equal(chat.attributes["error.type"], "turn_failed");
    assert.equal(chat.attributes["codex.turn.status"], "failed");
    assert.equal(run.attributes["error.type"], "turn_failed");
    assert.equal(run.attributes["codex.run.result"], "error");
    assert.equal(only(run, "run"), seconds(all.find((s) => s.name === "invoke_agent codex")!));
    assert.equal(only(chat, "turn"), seconds(all.find((s) => s.name === "codex.turn")!));
    const [runs] = sums("codex.runs");
    assert.equal(runs.attributes["error.type"], "turn_failed");
    assert.equal(runs.attributes["codex.run.result"], "error");
    assert.deepEqual(hist("gen_ai.client.token.usage"), [], "a failed turn reported no usage");
  });

  it("a CLI that exits non-zero records error.type exit_nonzero; a failed command is a tool failure", async () => {
    start();
    await codexFor("cli-0.169/reasoning-failedcmd-todo.jsonl", { exitCode: 3 }).startThread({ skipGitRepoCheck: true })
      .run("run the checks").catch(() => undefined);
    const [run] = hist("gen_ai.client.operation.duration", { "gen_ai.operation.name": "invoke_agent" });
    assert.equal(run.attributes["error.type"], "exit_nonzero");
    const [tool] = hist("codex.tool.duration");
    assert.equal(tool.attributes["gen_ai.tool.name"], "exec_command");
    assert.equal(tool.attributes["codex.tool.outcome"], "failure");
    assert.equal(tool.attributes["error.type"], "failed");
    assert.equal(only(hist("codex.token.usage", { "codex.token.type": "reasoning_output" })[0], "reasoning"), 2);
  });

  it("approval durations by decision and source equal the approval spans", async () => {
    start();
    await codexFor("approval_required.jsonl").startThread({
      approvalHandler: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { approved: true, reason: "ok by test" };
      },
    }).run("x");
    const approvals = (await spans()).filter((s) => s.name === "codex.approval");
    assert.equal(approvals.length, 2);
    for (const span of approvals) {
      const decision = span.attributes["codex.approval.decision"] as string;
      const source = span.attributes["codex.approval.source"] as string;
      const points = hist("codex.approval.duration", { "codex.approval.decision": decision, "codex.approval.source": source });
      assert.equal(only(points[0], decision), seconds(span));
    }
    assert.deepEqual(hist("codex.approval.duration").map((p) => p.attributes["codex.approval.decision"]).sort(), ["approved", "denied"]);
    const [user] = hist("codex.approval.duration", { "codex.approval.source": "user" });
    assert.ok(user.sum >= 0.015, `the user's decision took the hook's time: ${user.sum} s`);
    const [declined] = hist("codex.tool.duration", { "codex.tool.outcome": "failure" });
    assert.equal(declined?.attributes["error.type"], "declined");
  });

  it("an approval hook that never answers is recorded as a timeout", async () => {
    start();
    await codexFor("approval_required.jsonl").startThread({
      approvalHandler: (req) => new Promise((resolve) => req.signal.addEventListener("abort", () => resolve(true))),
      approvalTimeoutMs: 50,
    }).run("x");
    const [timeout] = hist("codex.approval.duration", { "codex.approval.decision": "timeout" });
    assert.ok(timeout && timeout.sum >= 0.045, `timed out after the 50 ms limit: ${timeout?.sum}`);
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
      "cardinality",
    ];
    const values = new Map<string, Set<unknown>>();
    let points = 0;
    for (const [name, m] of collect()) {
      for (const p of m.points) {
        points++;
        for (const [k, v] of Object.entries(p.attributes)) {
          assert.ok(ALLOWED_KEYS.has(k), `${name} carries ${k}=${String(v)}`);
          assert.ok(typeof v === "string" || typeof v === "number", `${k} is a scalar`);
          for (const bad of forbidden) assert.ok(!String(v).includes(bad), `${name} ${k}=${String(v)} holds ${bad}`);
          if (!values.has(k)) values.set(k, new Set());
          values.get(k)!.add(v);
        }
      }
    }
    // Eight runs, and still a handful of values per key, and of series.
    for (const [k, vs] of values) assert.ok(vs.size <= 6, `${k}: ${[...vs].join(", ")}`);
    assert.ok(points < 60, `${points} series`);
    assert.deepEqual([...values.get("gen_ai.tool.name")!].sort(), ["apply_patch", "demo.echo", "exec_command", "web_search"]);
    assert.deepEqual([...values.get("server.address")!], ["api.openai.com"]);
    assert.ok(values.has("error.type"));
    const agent = hist("gen_ai.invoke_agent.duration");
    assert.equal(agent.reduce((n, p) => n + p.count, 0), fixtures.length, "one agent duration per run");
    assert.ok(agent.every((p) => p.attributes["gen_ai.agent.name"] === "codex"));
    const count = (ps: HistogramPoint[]): number => ps.reduce((n, p) => n + p.count, 0);
    assert.equal(count(hist("gen_ai.execute_tool.duration")), count(hist("codex.tool.duration")));
  });

  for (const temporality of ["cumulative", "delta"] as const) {
    it(`every instrument's points encode to a valid OTLP metrics request (${temporality})`, async () => {
      const stats = { exported: 12, droppedByReason: { queue_full: 1 } as Record<string, number> };
      start({ latestExperimental: true, exporterStats: () => stats, serverAddress: "api.openai.com", serverPort: 443 }, temporality);
      await codexFor("cli-0.169/cmd-and-patch.jsonl").startThread({ model: "gpt-5.5", skipGitRepoCheck: true }).run("x");
      await codexFor("approval_required.jsonl").startThread({ approvalHandler: () => true }).run("x");
      await codexFor("cli-0.169/response-failed.jsonl").startThread({ skipGitRepoCheck: true }).run("x").catch(() => undefined);
      const scopes = provider.collect();
      const names = scopes.flatMap((sc) => sc.metrics.map((m) => m.name)).sort();
      assert.deepEqual(names, [
        "codex.approval.duration",
        "codex.exporter.spans",
        "codex.runs",
        "codex.token.usage",
        "codex.tool.duration",
        "gen_ai.client.operation.duration",
        "gen_ai.client.token.usage",
        "gen_ai.execute_tool.duration",
        "gen_ai.invoke_agent.duration",
      ]);
      const payload = JSON.parse(encodeMetrics(scopes, { resource: { "service.name": "instrumentation-test" } }));
      assert.deepEqual(validateMetrics(payload, { int64AsString: true }), []);
      assert.equal(countDataPoints(payload), scopes.reduce((n, sc) => n + sc.metrics.reduce((k, m) => k + m.points.length, 0), 0));
      const temporalities = new Set(scopes.flatMap((sc) => sc.metrics.map((m) => (m.kind === "gauge" ? undefined : m.temporality))));
      assert.deepEqual([...temporalities], [temporality]);
    });
  }

  it("interrupted and early-exit runs are counted by result without error.type", async () => {
    start();
    await codexFor("early_exit.jsonl").startThread().run("x").catch(() => undefined);
    const [runs] = sums("codex.runs");
    assert.equal(runs.attributes["codex.run.result"], "early_exit");
    assert.equal(runs.attributes["error.type"], undefined);
    // The app-server's interrupt ends a run with result early_exit and reason interrupted.
    const thread = startSpan("codex.thread", { model: "gpt-5.5" });
    thread.stop({}, { result: "early_exit", reason: "interrupted" });
    assert.equal(sums("codex.runs", { "codex.run.result": "interrupted" })[0]?.value, 1);
  });

  it("counts dropped spans from codex.exporter.dropped events, by reason, and ignores other signals' drops", () => {
    start();
    emit("codex.exporter.dropped", { count: 3, dropped_total: 3 }, { reason: "queue_full" });
    emit("codex.exporter.dropped", { count: 2, dropped_total: 5 }, { reason: "http_503" });
    emit("codex.exporter.dropped", { count: 4, dropped_total: 9 }, { reason: "queue_full" });
    emit("codex.exporter.dropped", { count: 7, dropped_total: 7 }, { reason: "queue_full", signal: "metrics" });
    assert.deepEqual(sums("codex.exporter.spans").map((p) => [p.value, p.attributes]), [
      [7, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "queue_full" }],
      [2, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "http_503" }],
    ]);
  });

  it("with exporterStats, codex.exporter.spans observes the pipeline's exact exported and dropped totals", () => {
    const stats = { exported: 40, droppedByReason: { queue_full: 2, timeout: 1 } as Record<string, number> };
    start({ exporterStats: () => stats });
    emit("codex.exporter.dropped", { count: 3 }, { reason: "queue_full" });
    const m = collect().get("codex.exporter.spans")!;
    assert.equal(m.kind === "sum" && m.monotonic, true);
    assert.deepEqual((m.points as NumberPoint[]).map((p) => [p.value, p.attributes]), [
      [40, { "codex.exporter.outcome": "exported" }],
      [2, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "queue_full" }],
      [1, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": "timeout" }],
    ], "the pipeline's totals, not the drop event's count again");
    stats.exported = 45;
    assert.equal(sums("codex.exporter.spans", { "codex.exporter.outcome": "exported" })[0].value, 45);
    metrics.detach();
    assert.deepEqual(sums("codex.exporter.spans"), [], "nothing observed once detached");
  });

  it("takes the provider and the server from options and a thread's base_url", () => {
    start({ provider: "azure.ai.openai" });
    const thread = startSpan("codex.thread", { model: "gpt-5.5", base_url: "https://proxy.internal:8443/v1" });
    const turn = startSpan("codex.turn", { parent_token: thread.token });
    turn.stop({}, { status: "completed", usage: { input_tokens: 5, cached_input_tokens: 0, output_tokens: 1 } });
    thread.stop({}, { result: "ok" });
    const points = hist("gen_ai.client.token.usage");
    assert.equal(points.length, 2);
    for (const p of points) {
      assert.equal(p.attributes["gen_ai.provider.name"], "azure.ai.openai");
      assert.equal(p.attributes["server.address"], "proxy.internal");
      assert.equal(p.attributes["server.port"], 8443);
      assert.equal(p.attributes["gen_ai.request.model"], "gpt-5.5");
    }
  });

  it("attach and detach are idempotent, and a detached instrumentation records nothing", () => {
    start();
    metrics.attach();
    metrics.detach();
    metrics.detach();
    startSpan("codex.thread", {}).stop({}, { result: "ok" });
    assert.deepEqual(provider.collect(), []);
  });
});
