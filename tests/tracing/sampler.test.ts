import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, trace } from "@opentelemetry/api";
import { attach, Codex, detach, memoryExporter, startSpan, Telemetry } from "../../mod.ts";
import { alwaysOff, alwaysOn, createTracer, immediateProcessor, newTraceId, parentBased, traceEvents, traceIdRatio } from "../../export.ts";
import { samplerFromEnv } from "../../src/tracing/sampler.ts";
import { traceEnvFor } from "../../src/telemetry/propagation.ts";
import type { MemoryExporter, Sampler } from "../../mod.ts";
import type { EventTracing } from "../../export.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { useContextManager } from "../support/otlp-context.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";

describe("samplers", () => {
  it("decide as the OpenTelemetry samplers of the same name", () => {
    assert.equal(alwaysOn.shouldSample(TRACE), true);
    assert.equal(alwaysOff.shouldSample(TRACE), false);
    const pb = parentBased(alwaysOff);
    assert.equal(pb.shouldSample(TRACE), false, "a root goes to the root sampler");
    assert.equal(pb.shouldSample(TRACE, { traceId: TRACE, spanId: "b7ad6b7169203331", traceFlags: 1 }), true);
    assert.equal(
      parentBased(alwaysOn).shouldSample(TRACE, { traceId: TRACE, spanId: "b7ad6b7169203331", traceFlags: 0, isRemote: true }),
      false,
      "an unsampled remote parent is followed",
    );
    assert.equal(String(pb), "parentbased_always_off");
  });

  it("traceIdRatio samples by the trace id's random part: deterministic, at the ratio, 0 and 1 exact", () => {
    // 0x8eb211c80319c / 2^52 = 0.557
    assert.equal(traceIdRatio(0.55).shouldSample(TRACE), false);
    assert.equal(traceIdRatio(0.56).shouldSample(TRACE), true);
    assert.equal(traceIdRatio(1).shouldSample("ffffffffffffffffffffffffffffffff"), true);
    assert.equal(traceIdRatio(0).shouldSample("00000000000000000000000000000001"), false);
    assert.equal(traceIdRatio(Number.NaN).shouldSample(TRACE), false);
    assert.equal(String(traceIdRatio(7)), "traceidratio{1}");
    const quarter = traceIdRatio(0.25);
    let hits = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const id = newTraceId();
      const d = quarter.shouldSample(id);
      assert.equal(quarter.shouldSample(id), d, "same id, same decision");
      if (d) hits++;
    }
    // 20,000 draws at p = 0.25: the standard deviation of the share is 0.003.
    assert.ok(Math.abs(hits / n - 0.25) < 0.02, `share ${hits / n}`);
  });

  it("are named by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG; bad values are errors", () => {
    const name = (n: string, arg?: string) => String(samplerFromEnv(n, arg).sampler);
    assert.equal(name("always_on"), "always_on");
    assert.equal(name("ALWAYS_OFF"), "always_off");
    assert.equal(name("traceidratio"), "traceidratio{1}");
    assert.equal(name("parentbased_traceidratio", "0.1"), "parentbased_traceidratio{0.1}");
    assert.equal(name("parentbased_always_off"), "parentbased_always_off");
    assert.match(samplerFromEnv("traceidratio", "1.5").error ?? "", /^OTEL_TRACES_SAMPLER_ARG must be a ratio/);
    assert.match(samplerFromEnv("traceidratio", "half").error ?? "", /got "half"/);
    assert.match(samplerFromEnv("jaeger_remote").error ?? "", /not supported/);
    assert.equal(samplerFromEnv("jaeger_remote").variable, "OTEL_TRACES_SAMPLER");
    assert.equal(samplerFromEnv("traceidratio", "-1").variable, "OTEL_TRACES_SAMPLER_ARG");
    assert.equal(samplerFromEnv("jaeger_remote").sampler, undefined);
  });
});

describe("sampling in the tracer", () => {
  let events: EventTracing | undefined;
  afterEach(() => events?.detach());

  const pipeline = (sampler: Sampler): MemoryExporter => {
    const mem = memoryExporter();
    events = traceEvents(createTracer({ processor: immediateProcessor(mem), sampler }), { handlerId: "sampler-under-test" });
    events.attach();
    return mem;
  };

  const runTrace = (): string => {
    const thread = startSpan("codex.thread", {});
    const turn = startSpan("codex.turn", { parent_token: thread.token });
    const item = startSpan("codex.item", { parent_token: turn.token, item_type: "agent_message" });
    const tp = traceEnvFor(thread.token).TRACEPARENT ?? "";
    item.stop();
    turn.stop({}, { status: "completed" });
    thread.stop({}, { result: "ok" });
    return tp;
  };

  it("keeps or drops whole traces, and tells the CLI through the sampled flag", () => {
    const mem = pipeline(parentBased(traceIdRatio(0.5)));
    const flags: string[] = [];
    for (let i = 0; i < 400; i++) flags.push(runTrace().slice(-2));
    const spans = mem.finished();
    const byTrace = new Map<string, number>();
    for (const s of spans) {
      assert.equal(s.flags & 1, 1, "every exported span is flagged sampled");
      byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? 0) + 1);
    }
    assert.ok([...byTrace.values()].every((n) => n === 3), "a sampled trace keeps all three spans");
    const sampled = flags.filter((f) => f === "01").length;
    assert.equal(byTrace.size, sampled, "the CLI is told 01 exactly for the traces exported");
    assert.equal(flags.filter((f) => f === "00").length, 400 - sampled);
    assert.ok(sampled > 120 && sampled < 280, `sampled ${sampled} of 400`);
  });

  it("exports nothing and announces nothing for spans not sampled", () => {
    const mem = pipeline(alwaysOff);
    let announced = 0;
    attach("sampler-announce", "codex.span.finished", () => {
      announced++;
    });
    try {
      assert.match(runTrace(), /-00$/);
      assert.equal(mem.finished().length, 0);
      assert.equal(events?.openSpans, 0, "spans not sampled still end");
      assert.equal(announced, 0);
    } finally {
      detach("sampler-announce");
    }
  });

  describe("with a host span that is not sampled", () => {
    useContextManager();

    it("follows the host's decision under the default sampler", async () => {
      const mem = memoryExporter();
      events = traceEvents(createTracer({ processor: immediateProcessor(mem) }), { handlerId: "sampler-host" });
      events.attach();
      const host = trace.setSpanContext(context.active(), {
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        traceFlags: 0,
        isRemote: true,
      });
      const tp = await context.with(host, async () => {
        await Promise.resolve();
        return runTrace();
      });
      assert.match(tp, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
      assert.equal(mem.finished().length, 0);
    });
  });
});

describe("sampling from the environment, end to end", () => {
  after(() => disposeFixtureCodex());

  it("OTEL_TRACES_SAMPLER=always_off: a real run exports no span and hands the CLI flag 00", async () => {
    const mem = memoryExporter();
    const telemetry = Telemetry.configure({
      env: { CODEX_OTLP_ENDPOINT: "memory://local", OTEL_TRACES_SAMPLER: "always_off" },
      readRuntimeEnv: false,
      exporter: mem,
    });
    const record = join(tmpdir(), `codex-sampler-${process.pid}-${Date.now()}.json`);
    try {
      const codex = new Codex({ apiKey: "sk-test", codexPathOverride: fixtureCodex("thread_basic.jsonl", { record }) });
      const result = await codex.startThread({}).run("sampled?");
      assert.ok(result.finalResponse.length > 0, "the run itself is unaffected");
      await telemetry.flush();
      const rec = JSON.parse(readFileSync(record, "utf8"));
      assert.match(rec.env.TRACEPARENT, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      assert.equal(mem.finished().length, 0);
      const status = telemetry.status();
      assert.equal(status.sampler, "always_off");
      assert.equal(status.produced, 0);
      assert.deepEqual(status.problems, []);
    } finally {
      rmSync(record, { force: true });
      await telemetry.shutdown();
    }
  });

  it("a bad OTEL_TRACES_SAMPLER_ARG is a configuration problem and the default sampler stays", async () => {
    const warnings: string[] = [];
    const telemetry = Telemetry.configure({
      env: { CODEX_OTLP_ENDPOINT: "memory://local", OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" },
      readRuntimeEnv: false,
      exporter: memoryExporter(),
      warn: (m) => warnings.push(m),
    });
    try {
      const status = telemetry.status();
      assert.equal(status.sampler, "parentbased_always_on");
      assert.deepEqual(status.problems.map((p) => p.variable), ["OTEL_TRACES_SAMPLER_ARG"]);
      assert.ok(warnings.some((w) => w.includes("OTEL_TRACES_SAMPLER_ARG")), warnings.join("\n"));
    } finally {
      await telemetry.shutdown();
    }
  });
});
