// Trace join with the real Codex CLI 0.169: the SDK hands TRACEPARENT to the CLI, the CLI exports
// its own spans (OTLP/HTTP JSON) to our receiver, and its `codex.exec` span must be a child of the
// SDK's thread span, in the same trace.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import type { SpanRecord, TelemetryHandle } from "../../mod.ts";
import { realCliOptions, startFakeResponses } from "../support/fake-responses.ts";
import type { FakeResponses, RealCliSetup } from "../support/fake-responses.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";
import { installContextManager } from "../support/otlp-context.ts";

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";

describe(`trace join with the real Codex CLI 0.169 (${runtime})`, () => {
  let server: FakeResponses;
  let rx: OtlpReceiver;
  let setup: RealCliSetup;
  let telemetry: TelemetryHandle;
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

  it("the CLI's codex.exec span is a child of the SDK thread span", { timeout: 60_000 }, async () => {
    const codex = new Codex({
      ...setup.codex,
      configOverrides: [`otel.trace_exporter={otlp-http={endpoint="${rx.tracesUrl}",protocol="json"}}`],
    });
    const result = await codex.startThread(setup.thread).run("say hello");
    assert.match(String(result.finalResponse), /Hello from fake server/);
    await telemetry.flush();
    const [thread] = telemetry.memory!.finished().filter((s: SpanRecord) => s.name === "invoke_agent codex");
    assert.ok(thread, "the SDK made a thread span");
    await rx.waitForSpans(1, 20_000);
    const deadline = Date.now() + 10_000;
    let exec: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      exec = rx.spans().find((s) => s.name === "codex.exec");
      if (exec) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const names = rx.spans().map((s) => s.name);
    assert.ok(exec, `the CLI exported codex.exec (got: ${names.join(", ")})`);
    assert.equal(exec.traceId, thread.traceId, "same trace");
    assert.equal(exec.parentSpanId, thread.spanId, "codex.exec's parent is the SDK thread span");
    const cliSpans = rx.spans();
    // The CLI also exports background spans (auth, fs.read_file, session_loop, ...) as roots of
    // their own traces: a CLI fact. Its spans in our trace have parents (none is a second root).
    const joined = cliSpans.filter((s) => s.traceId === thread.traceId);
    for (const s of joined) assert.ok(s.parentSpanId, `${s.name} has a parent in the joined trace`);
    assert.equal(rx.invalid, 0, `the CLI's payloads are valid OTLP: ${JSON.stringify(rx.requests.flatMap((r) => r.errors).slice(0, 3))}`);
    console.log(`[trace-join ${runtime}] thread ${thread.traceId}/${thread.spanId}; ${joined.length} of ${cliSpans.length} CLI spans joined (${[...new Set(joined.map((s) => s.name))].slice(0, 8).join(", ")})`);
  });

  it("inside a host span, the trace runs host → SDK thread → CLI codex.exec", { timeout: 60_000 }, async () => {
    const uninstall = installContextManager();
    try {
      telemetry.memory!.reset();
      const before = rx.spans().length;
      server.setScript("message");
      const hostTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const hostSpanId = "00f067aa0ba902b7";
      const hostCtx = trace.setSpanContext(context.active(), { traceId: hostTraceId, spanId: hostSpanId, traceFlags: 1 });
      const codex = new Codex({
        ...setup.codex,
        configOverrides: [`otel.trace_exporter={otlp-http={endpoint="${rx.tracesUrl}",protocol="json"}}`],
      });
      await context.with(hostCtx, () => codex.startThread(setup.thread).run("say hello"));
      await telemetry.flush();
      const [thread] = telemetry.memory!.finished().filter((s: SpanRecord) => s.name === "invoke_agent codex");
      assert.equal(thread.traceId, hostTraceId);
      assert.equal(thread.parentSpanId, hostSpanId);
      const deadline = Date.now() + 15_000;
      let exec: Record<string, unknown> | undefined;
      while (Date.now() < deadline && exec === undefined) {
        exec = rx.spans().slice(before).find((s) => s.name === "codex.exec");
        if (exec === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(exec, "the CLI exported codex.exec");
      assert.equal(exec.traceId, hostTraceId);
      assert.equal(exec.parentSpanId, thread.spanId);
    } finally {
      uninstall();
    }
  });
});
