import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { attach, attachMany, detach, emit, Events, hasHandlers, listHandlers, setWarningSink, startSpan, TelemetryError } from "../../mod.ts";
import { mergeMetadata } from "../../src/telemetry/bus.ts";
import type { Measurements, Metadata } from "../../mod.ts";
import { epochNanos } from "../../src/telemetry/clock.ts";

interface Seen {
  name: string;
  m: Measurements;
  md: Metadata;
}

const ids: string[] = [];
function collect(id: string, events: string[]): Seen[] {
  const seen: Seen[] = [];
  attach(id, events, (name, m, md) => {
    seen.push({ name, m: { ...m }, md: { ...md } });
  });
  ids.push(id);
  return seen;
}

afterEach(() => {
  for (const id of ids.splice(0)) detach(id);
});

describe("telemetry bus", () => {
  it("emit() adds system_time as exact epoch nanoseconds and originator sdk", () => {
    const seen = collect("t1", ["test.evt"]);
    const before = BigInt(Date.now()) * 1_000_000n;
    emit("test.evt", { count: 2 }, { a: 1 });
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    assert.equal(seen.length, 1);
    const t = seen[0].m.system_time;
    assert.equal(typeof t, "bigint");
    assert.ok(t! >= before - 5_000_000n && t! <= after + 5_000_000n, `system_time ${t} not near now`);
    assert.equal(seen[0].m.count, 2);
    assert.equal(seen[0].md.originator, "sdk");
    assert.equal(seen[0].md.a, 1);
  });

  it("emit() keeps a caller-set originator and system_time", () => {
    const seen = collect("t2", ["test.evt"]);
    emit("test.evt", { system_time: 42n }, { originator: "user" });
    assert.equal(seen[0].m.system_time, 42n);
    assert.equal(seen[0].md.originator, "user");
  });

  it("emit() with no handler attached does nothing and returns undefined", () => {
    assert.equal(hasHandlers("nobody.listens"), false);
    assert.equal(emit("nobody.listens", {}, {}), undefined);
  });

  it("startSpan() pairs start and stop with one span_token and adds duration and duration_ms", async () => {
    const seen = collect("t3", ["job.start", "job.stop", "job.exception"]);
    const span = startSpan("job", { thread_id: "th1" });
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(span.stop({ n: 1 }, { result: "ok" }), true);
    assert.deepEqual(seen.map((s) => s.name), ["job.start", "job.stop"]);
    const [start, stop] = seen;
    assert.equal(typeof start.md.span_token, "string");
    assert.equal(start.md.span_token, stop.md.span_token);
    assert.equal(start.md.span_token, span.token);
    assert.equal(start.m.duration, undefined);
    assert.ok(stop.m.duration_ms! >= 10, `duration_ms ${stop.m.duration_ms}`);
    assert.ok(Math.abs(stop.m.duration! / 1e6 - stop.m.duration_ms!) < 0.01);
    assert.equal(stop.md.result, "ok");
    assert.equal(stop.md.thread_id, "th1");
    assert.ok(stop.m.system_time! > start.m.system_time!);
  });

  it("startSpan() tokens are unique across spans", () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 1000; i++) tokens.add(startSpan("nobody", {}).token);
    assert.equal(tokens.size, 1000);
  });

  it("a span ends once: a second stop or exception is ignored", () => {
    const seen = collect("t4", ["job.start", "job.stop", "job.exception"]);
    const span = startSpan("job");
    assert.equal(span.exception(new RangeError("boom")), true);
    assert.equal(span.stop(), false);
    assert.equal(span.exception(new Error("again")), false);
    assert.deepEqual(seen.map((s) => s.name), ["job.start", "job.exception"]);
    assert.deepEqual(seen[1].md.error, { kind: "RangeError", message: "boom" });
    assert.ok(seen[1].m.duration_ms !== undefined);
    assert.equal(span.ended, true);
  });

  it("merge() adds ids once known and a later undefined never overwrites them", () => {
    const seen = collect("t5", ["job.start", "job.stop"]);
    const span = startSpan("job", { source: "cli" });
    span.merge({ thread_id: "th-1", turn_id: "th-1:1" });
    span.merge({ thread_id: undefined, turn_id: undefined, source: undefined });
    span.stop({}, { thread_id: undefined });
    const stop = seen[1].md;
    assert.equal(stop.thread_id, "th-1");
    assert.equal(stop.turn_id, "th-1:1");
    assert.equal(stop.source, "cli");
    assert.equal(seen[0].md.thread_id, undefined, "the start event was not mutated afterwards");
  });

  it("mergeMetadata() skips undefined values", () => {
    assert.deepEqual(mergeMetadata({ a: 1, b: 2 }, { a: undefined, b: 3, c: 4 }), { a: 1, b: 3, c: 4 });
  });

  it("custom stop names end a span (tool success / failure)", () => {
    const seen = collect("t6", [Events.toolStart, Events.toolSuccess, Events.toolFailure]);
    const span = startSpan("codex.tool", { tool: "exec_command" }, {}, { stop: Events.toolSuccess });
    span.stop({}, { result: "ok" });
    const failing = startSpan("codex.tool", {}, {}, { exception: Events.toolFailure });
    failing.exception(new Error("exit 1"));
    assert.deepEqual(seen.map((s) => s.name), [
      Events.toolStart,
      Events.toolSuccess,
      Events.toolStart,
      Events.toolFailure,
    ]);
    assert.equal(seen[0].md.span_token, seen[1].md.span_token);
  });

  it("startSpan() takes a custom start name and a start time: the start carries it, the duration counts from it", () => {
    const seen = collect("t6b", [Events.approvalRequested, Events.approvalApproved]);
    const startedAt = epochNanos() - 250_000_000n;
    const span = startSpan("codex.approval", { call_id: "c1" }, {}, {
      start: Events.approvalRequested,
      startTime: startedAt,
    });
    span.stop({}, { source: "user" }, Events.approvalApproved);
    assert.deepEqual(seen.map((s) => s.name), [Events.approvalRequested, Events.approvalApproved]);
    assert.equal(seen[0].m.system_time, startedAt);
    assert.equal(seen[0].md.span_token, seen[1].md.span_token);
    const ms = seen[1].m.duration_ms!;
    assert.ok(ms >= 249 && ms < 1000, `duration_ms ${ms} should count from the given start (~250 ms)`);
    // A start time in the future is clamped to now: durations never go negative.
    const later = startSpan("codex.approval", {}, {}, { start: Events.approvalRequested, startTime: epochNanos() + 60_000_000_000n });
    later.stop({}, {}, Events.approvalApproved);
    assert.ok(seen[3].m.duration_ms! >= 0 && seen[3].m.duration_ms! < 50);
  });

  it("a handler that throws is detached with a warning and never breaks the caller", () => {
    const warnings: string[] = [];
    const previous = setWarningSink((line) => warnings.push(line));
    try {
      const warned = collect("t7-warn", [Events.warning]);
      let calls = 0;
      attach("t7-bad", ["job.evt"], () => {
        calls++;
        throw new Error("handler bug");
      });
      ids.push("t7-bad");
      const good = collect("t7-good", ["job.evt"]);
      assert.doesNotThrow(() => emit("job.evt", {}, {}));
      assert.doesNotThrow(() => emit("job.evt", {}, {}));
      assert.equal(calls, 1, "detached after the first throw");
      assert.equal(good.length, 2, "other handlers still run");
      assert.equal(listHandlers().some((h) => h.id === "t7-bad"), false);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /t7-bad.*handler bug/);
      assert.equal(warned.length, 1);
      assert.equal(warned[0].md.handler_id, "t7-bad");
    } finally {
      setWarningSink(previous);
    }
  });

  it("detach() stops delivery and reports whether a handler was attached", () => {
    const seen = collect("t8", ["job.evt"]);
    emit("job.evt");
    assert.equal(detach("t8"), true);
    assert.equal(detach("t8"), false);
    emit("job.evt");
    assert.equal(seen.length, 1);
    assert.equal(hasHandlers("job.evt"), false);
  });

  it("detaching during dispatch does not skip the other handlers of that event", () => {
    const order: string[] = [];
    attach("t9-a", "job.evt", () => {
      order.push("a");
      detach("t9-b");
    });
    attach("t9-b", "job.evt", () => order.push("b"));
    ids.push("t9-a", "t9-b");
    emit("job.evt");
    emit("job.evt");
    assert.deepEqual(order, ["a", "b", "a"]);
  });

  it("attach() refuses a duplicate id with a clear error", () => {
    collect("t10", ["job.evt"]);
    assert.throws(() => attach("t10", "job.evt", () => {}), (e: unknown) => {
      assert.ok(e instanceof TelemetryError);
      assert.equal(e.code, "handler_exists");
      assert.match(e.message, /detach\("t10"\)/);
      return true;
    });
  });

  it("attachMany() delivers every listed event to one handler", () => {
    const names: string[] = [];
    attachMany("t11", ["a.one", "a.two"], (name) => names.push(name));
    ids.push("t11");
    emit("a.one");
    emit("a.two");
    emit("a.three");
    assert.deepEqual(names, ["a.one", "a.two"]);
  });

  it("the handler receives the config given to attach()", () => {
    let got: unknown;
    attach("t12", "job.evt", (_n, _m, _md, config) => {
      got = config;
    }, { level: 3 });
    ids.push("t12");
    emit("job.evt");
    assert.deepEqual(got, { level: 3 });
  });

  it("two copies of the module share one bus through a versioned global symbol", async () => {
    // A second copy of the bus module (as when npm and JSR copies are loaded together) is
    // simulated by importing the file under another URL.
    const url = new URL("../../src/telemetry/bus.ts", import.meta.url).href + "?copy=2";
    const copy = await import(url) as typeof import("../../src/telemetry/bus.ts");
    const seen = collect("t13", ["shared.evt"]);
    copy.emit("shared.evt", {}, { from: "copy" });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].md.from, "copy");
    assert.ok(copy.listHandlers().some((h) => h.id === "t13"));
  });
});
