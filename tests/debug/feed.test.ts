import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createDebugFeed } from "../../src/debug/feed.ts";
import type { DebugFeed, DebugSpanEntry } from "../../src/debug/feed.ts";
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
