import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createDebugFeed } from "../../src/debug/feed.ts";
import type { DebugEventEntry, DebugFeed, DebugSpanEntry } from "../../src/debug/feed.ts";
import { emit, startSpan } from "../../src/telemetry/bus.ts";
import { Events } from "../../src/telemetry/events.ts";
import { attachStandInTracer, STAND_IN_SCOPE, syntheticRun } from "../support/debug-run.ts";

const feeds: DebugFeed[] = [];
const cleanups: (() => void)[] = [];
function feed(options: Parameters<typeof createDebugFeed>[0] = {}): DebugFeed {
  const f = createDebugFeed({ env: {}, ...options });
  feeds.push(f);
  return f;
}
afterEach(() => {
  for (const f of feeds.splice(0)) f.close();
  for (const c of cleanups.splice(0)) c();
});

describe("debug feed", () => {
  it("records bus events as JSON-safe entries with monotonic ids and exact times", () => {
    const f = feed();
    emit(Events.warning, { system_time: 1_700_000_000_123_456_789n, count: 2 }, { message: "hello", when: 5n });
    const { entries } = f.snapshot();
    assert.equal(entries.length, 1);
    const e = entries[0];
    assert.equal(e.id, 1);
    assert.equal(e.kind, "event");
    assert.equal(e.name, Events.warning);
    assert.equal(e.time, "1700000000123456789");
    assert.deepEqual(e.kind === "event" && e.measurements, { system_time: "1700000000123456789", count: 2 });
    assert.equal(e.kind === "event" && e.metadata.when, "5");
    assert.doesNotThrow(() => JSON.stringify(entries));
  });

  it("keeps only the newest entries when the ring is full", () => {
    const f = feed({ capacity: 5 });
    for (let i = 0; i < 12; i++) emit(Events.warning, {}, { i });
    const s = f.stats();
    assert.equal(s.size, 5);
    assert.equal(s.oldest, 8);
    assert.equal(s.latest, 12);
    assert.equal(s.evicted, 7);
    assert.deepEqual(f.snapshot().entries.map((e) => e.id), [8, 9, 10, 11, 12]);
  });

  it("pages forward with a cursor and reports entries lost to eviction", () => {
    const f = feed({ capacity: 10 });
    for (let i = 0; i < 25; i++) emit(Events.warning, {}, { i });
    const first = f.snapshot({ after: 0, limit: 4 });
    assert.deepEqual(first.entries.map((e) => e.id), [16, 17, 18, 19]);
    assert.equal(first.missed, 15);
    assert.equal(first.more, true);
    const second = f.snapshot({ after: first.cursor, limit: 100 });
    assert.deepEqual(second.entries.map((e) => e.id), [20, 21, 22, 23, 24, 25]);
    assert.equal(second.missed, 0);
    assert.equal(second.more, false);
    const empty = f.snapshot({ after: second.cursor });
    assert.deepEqual(empty.entries, []);
    assert.equal(empty.cursor, 25);
    assert.deepEqual(f.snapshot({ limit: 3 }).entries.map((e) => e.id), [23, 24, 25]);
  });

  it("redacts the prompt unless traceSensitive, and credentials always", () => {
    const plain = feed();
    const sensitive = feed({ traceSensitive: true });
    const span = startSpan("codex.thread", {
      input: "summarize the secret plan",
      api_key: "sk-live-abcdefgh12345",
      env: { CODEX_API_KEY: "k-123456", OTEL_EXPORTER_OTLP_HEADERS: "x-honeycomb-team=abc123" },
      config: { headers: { Authorization: "Bearer tok-987654" } },
    });
    span.stop();
    for (const [f, keepsPrompt] of [[plain, false], [sensitive, true]] as const) {
      const text = JSON.stringify(f.snapshot().entries);
      assert.equal(text.includes("summarize the secret plan"), keepsPrompt);
      for (const secret of ["sk-live-abcdefgh12345", "k-123456", "abc123", "tok-987654"]) {
        assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
      }
    }
  });

  it("removes known secret values, env credentials and credential shapes from free text", () => {
    const f = feed({
      env: { CODEX_API_KEY: "env-key-77777", CODEX_OTLP_HEADERS: "authorization=Basic%20dXNlcjpwYXNz,x-team=team-secret-1" },
      redact: { values: ["literal-secret-42"], keys: ["session"] },
    });
    emit(Events.warning, {}, {
      message: "request failed with env-key-77777 and literal-secret-42 and team-secret-1 and dXNlcjpwYXNz",
      stderr: "Authorization: Bearer abcdefghijklmnop sk-proj-zzzzzzzzzzzz",
      session: "whatever",
    });
    const text = JSON.stringify(f.snapshot().entries);
    for (const s of ["env-key-77777", "literal-secret-42", "team-secret-1", "dXNlcjpwYXNz", "abcdefghijklmnop", "sk-proj-zzzz", "whatever"]) {
      assert.ok(!text.includes(s), `${s} leaked: ${text}`);
    }
    assert.match(text, /Bearer \[redacted\]/);
  });

  it("bounds the size of each entry", () => {
    const f = feed({ maxStringLength: 100 });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    emit(Events.diffUpdated, {}, { diff: "x".repeat(100_000), list: Array.from({ length: 1000 }, (_, i) => i), cyclic });
    const text = JSON.stringify(f.snapshot().entries);
    assert.ok(text.length < 5000, `entry is ${text.length} chars`);
    assert.match(text, /\+99900 chars/);
    assert.match(text, /\[(circular|truncated)\]/);
  });

  it("turns finished spans into span entries matched to the start event's token", () => {
    const f = feed();
    cleanups.push(attachStandInTracer({ "http.request.header.authorization": "Bearer zzz-secret-zzz" }));
    const s = startSpan("codex.turn", { thread_id: "t1" });
    s.stop({}, { status: "completed", usage: { input_tokens: 5, output_tokens: 2 } });
    // Only the stand-in's spans: another test file's tracer may still be attached (Bun shares one process).
    const spans = f.snapshot().entries.filter((e): e is DebugSpanEntry => e.kind === "span" && e.span.scope === STAND_IN_SCOPE);
    assert.equal(spans.length, 1);
    const span = spans[0];
    assert.equal(span.name, "codex.turn");
    assert.equal(span.token, s.token);
    assert.match(span.span.startTimeUnixNano, /^\d{19}$/);
    assert.ok(span.span.durationMs >= 0);
    assert.equal(span.span.attributes["gen_ai.usage.input_tokens"], 5);
    assert.equal(span.span.attributes["http.request.header.authorization"], "[redacted]");
  });

  it("matches a whole run's spans to their starts", async () => {
    const f = feed();
    cleanups.push(attachStandInTracer());
    await syntheticRun();
    const entries = f.snapshot({ limit: 1000 }).entries;
    const starts = entries.filter((e) => e.kind === "event" && e.name.endsWith(".start"));
    const spans = entries.filter((e): e is DebugSpanEntry => e.kind === "span" && e.span.scope === STAND_IN_SCOPE);
    assert.equal(spans.length, starts.length);
    assert.ok(spans.every((s) => typeof s.token === "string"), "every span has its token");
  });

  it("attaches each run's token totals and recent durations to its end entries, equal to the spans'", async () => {
    const f = feed();
    cleanups.push(attachStandInTracer());
    const threadId = await syntheticRun({ stepMs: 2 });
    const entries = f.snapshot({ limit: 1000 }).entries;
    const stop = entries.find((e): e is DebugEventEntry => e.kind === "event" && e.name === Events.threadStop && e.metadata.thread_id === threadId)!;
    const run = stop.run!;
    assert.deepEqual(run.tokens, { input: 1200, cached_input: 800, output: 96, reasoning_output: 32 });
    assert.equal(run.result, "ok");
    const spans = entries.filter((e): e is DebugSpanEntry => e.kind === "span" && e.span.scope === STAND_IN_SCOPE);
    const secondsOf = (name: string): number[] =>
      spans.filter((s) => s.name === name).map((s) => Number(BigInt(s.span.endTimeUnixNano) - BigInt(s.span.startTimeUnixNano)) / 1e9);
    assert.deepEqual(run.turns.recent.map((r) => r.seconds), secondsOf("codex.turn"));
    assert.deepEqual(run.tools.recent.map((r) => [r.label, r.seconds]), secondsOf("execute_tool exec_command").map((s) => ["exec_command", s]));
    assert.deepEqual(secondsOf("codex.thread"), [run.seconds]);
    assert.equal(run.turns.count, 1);
    assert.equal(run.turns.recent[0].label, "completed");
    assert.equal(run.approvals.count, 0);
    // The turn's and the tool's end entries carry the summary as it was then.
    const turnStop = entries.find((e): e is DebugEventEntry => e.kind === "event" && e.name === Events.turnStop && e.metadata.thread_id === threadId)!;
    assert.equal(turnStop.run?.tokens.input, 1200);
    assert.equal(turnStop.run?.seconds, undefined);
    const toolEnd = entries.find((e): e is DebugEventEntry => e.kind === "event" && e.name === Events.toolSuccess && e.metadata.thread_id === threadId)!;
    assert.equal(toolEnd.run?.tokens.input, 0, "no usage before the turn ended");
    assert.equal(toolEnd.run?.tools.count, 1);
  });

  it("keeps the last 8 values per histogram, marks failures, and scrubs labels", () => {
    const f = feed({ redact: { values: ["srv-secret-9911"] } });
    const thread = startSpan("codex.thread", {});
    const turn = startSpan("codex.turn", { parent_token: thread.token });
    for (let i = 0; i < 12; i++) {
      const tool = startSpan("codex.tool", { parent_token: turn.token, tool: i === 11 ? "srv-secret-9911.echo" : "exec_command" }, {}, {
        stop: Events.toolSuccess,
        exception: Events.toolFailure,
      });
      tool.stop({}, { result: i % 2 ? "failed" : "completed" }, i % 2 ? Events.toolFailure : Events.toolSuccess);
    }
    const approval = startSpan("codex.approval", { parent_token: turn.token }, {}, { start: Events.approvalRequested });
    approval.stop({}, { source: "policy" }, Events.approvalDenied);
    turn.stop({}, { status: "failed", error: { message: "no" } });
    thread.exception(new Error("no"), { result: "error" });
    const stop = f.snapshot({ limit: 1000 }).entries.find((e): e is DebugEventEntry => e.kind === "event" && e.name === Events.threadException)!;
    const run = stop.run!;
    assert.equal(run.tools.count, 12);
    assert.equal(run.tools.recent.length, 8);
    assert.deepEqual(run.tools.recent.map((r) => r.error), [false, true, false, true, false, true, false, true]);
    assert.ok(run.tools.max >= Math.max(...run.tools.recent.map((r) => r.seconds)));
    assert.ok(!JSON.stringify(stop).includes("srv-secret-9911"), JSON.stringify(stop.run));
    assert.deepEqual(run.approvals.recent.map((r) => [r.label, r.error]), [["denied", true]]);
    assert.deepEqual(run.turns.recent.map((r) => [r.label, r.error]), [["failed", true]]);
    assert.equal(run.result, "error");
    assert.deepEqual(run.tokens, { input: 0, cached_input: 0, output: 0, reasoning_output: 0 });
  });

  it("replays, then delivers live entries to a subscriber without loss or duplicates", async () => {
    const f = feed({ capacity: 100 });
    for (let i = 0; i < 5; i++) emit(Events.warning, {}, { i });
    const sub = f.subscribe({ after: 2 });
    const first = await sub.next();
    assert.deepEqual(first.entries.map((e) => e.id), [3, 4, 5]);
    const pending = sub.next({ timeoutMs: 2000 });
    emit(Events.warning, {}, { i: 5 });
    emit(Events.warning, {}, { i: 6 });
    const second = await pending;
    assert.deepEqual(second.entries.map((e) => e.id), [6, 7]);
    assert.equal(sub.cursor, 7);
    const idle = await sub.next({ timeoutMs: 20 });
    assert.deepEqual(idle, { entries: [], closed: false });
    sub.close();
    assert.equal((await sub.next()).closed, true);
    assert.equal(f.stats().subscribers, 0);
  });

  it("reports a gap to a subscriber that fell behind the ring", async () => {
    const f = feed({ capacity: 10 });
    const sub = f.subscribe();
    for (let i = 0; i < 30; i++) emit(Events.warning, {}, { i });
    const batch = await sub.next();
    assert.deepEqual(batch.gap, { from: 1, to: 20, missed: 20 });
    assert.deepEqual(batch.entries.map((e) => e.id), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    assert.equal(sub.missed, 20);
    assert.equal(f.stats().missed, 20);
    sub.close();
  });

  it("never slows emitters for subscribers that do not read", () => {
    const f = feed({ capacity: 1000 });
    const subs = Array.from({ length: 200 }, () => f.subscribe());
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) emit(Events.warning, {}, { i, message: "m" });
    const withSubs = performance.now() - t0;
    for (const s of subs) s.close();
    const t1 = performance.now();
    for (let i = 0; i < 20_000; i++) emit(Events.warning, {}, { i, message: "m" });
    const without = performance.now() - t1;
    assert.equal(f.stats().size, 1000);
    // 200 idle subscribers cost nothing per event: no queue, no wake-up (they are not waiting).
    assert.ok(withSubs < without * 3 + 50, `with ${withSubs.toFixed(1)} ms vs without ${without.toFixed(1)} ms`);
  });

  it("close() detaches from the bus and ends every subscription", async () => {
    const f = feed();
    const sub = f.subscribe();
    const pending = sub.next();
    f.close();
    assert.equal((await pending).closed, true);
    emit(Events.warning, {}, {});
    assert.equal(f.snapshot().entries.length, 0);
    f.close();
  });

  it("skips events it cannot convert instead of throwing into the emitter", () => {
    const f = feed();
    const hostile = {
      get boom(): string {
        throw new Error("getter");
      },
    };
    assert.doesNotThrow(() => emit(Events.warning, {}, { hostile }));
    emit(Events.warning, {}, { ok: true });
    assert.equal(f.snapshot().entries.length, 1);
  });
});
