import { after, afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attach, Codex, CodexExecError, detach, Events, Files } from "../../mod.ts";
import { registerTraceEnv } from "../../src/telemetry/propagation.ts";
import type { ThreadEvent, ToolCallRequiredEvent } from "../../mod.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";

let cap: ReturnType<typeof captureTelemetry>;
beforeEach(() => {
  cap = captureTelemetry();
});
afterEach(() => {
  const problems = cap.unmatched();
  cap.dispose();
  assert.deepEqual(problems, [], "every start has exactly one end");
});
after(() => disposeFixtureCodex());

const codexFor = (fixture: string, opts: Parameters<typeof fixtureCodex>[1] = {}): Codex =>
  new Codex({ codexPathOverride: fixtureCodex(fixture, opts) });

describe("runbook flow on the fixture CLI", () => {
  it("start thread → run → telemetry with duration_ms, originator, span_token, thread_id and turn_id", async () => {
    const codex = codexFor("thread_basic.jsonl");
    const thread = codex.startThread({ metadata: { source: "runbook", workflow: "trace-check" } });
    const result = await thread.run("trace check");
    assert.equal(result.finalResponse, "trace ok");
    assert.equal(result.threadId, "01a20b76-0000-7000-8000-000000000001");
    assert.equal(thread.id, result.threadId);
    assert.equal(result.turnId, "turn_1");
    assert.equal(result.status, "completed");
    const [start] = cap.named(Events.threadStart);
    const [stop] = cap.named(Events.threadStop);
    assert.equal(start.md.originator, "sdk");
    assert.equal(start.md.source, "runbook");
    assert.equal(start.md.input, "trace check");
    assert.equal(typeof start.m.system_time, "bigint");
    assert.equal(stop.md.span_token, start.md.span_token);
    assert.equal(stop.md.thread_id, result.threadId);
    assert.equal(stop.md.turn_id, "turn_1");
    assert.equal(stop.md.result, "ok");
    assert.equal(stop.md.exit_code, 0);
    assert.equal(stop.md.pid, result.pid);
    assert.equal(stop.md.source, "runbook");
    assert.equal(typeof stop.m.duration_ms, "number");
    assert.equal(typeof stop.m.duration, "number");
    const spawned = cap.named(Events.threadSpawned)[0];
    assert.equal(spawned.md.pid, result.pid);
    assert.equal(spawned.md.span_token, start.md.span_token);
    const turnStop = cap.named(Events.turnStop)[0];
    assert.equal(turnStop.md.parent_token, start.md.span_token);
    assert.equal(turnStop.md.status, "completed");
    assert.equal(turnStop.md.turn_id, "turn_1");
    assert.equal(turnStop.md.source, "runbook");
    assert.equal(turnStop.md.originator, "sdk");
    for (const e of cap.named(Events.itemStop)) {
      assert.equal(e.md.parent_token, turnStop.md.span_token);
      assert.equal(e.md.thread_id, result.threadId);
      assert.equal(e.md.turn_id, "turn_1");
      assert.equal(typeof e.m.duration_ms, "number");
    }
    const order = cap.events.map((e) => e.name);
    assert.ok(order.indexOf(Events.threadStart) < order.indexOf(Events.threadSpawned));
  });

  it("passes the tracer's TRACEPARENT/TRACESTATE, the API key and the originator to the CLI", async () => {
    const record = join(tmpdir(), `codex-record-${process.pid}-${Date.now()}.json`);
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { record }),
      apiKey: "sk-test",
    });
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    // A tracer registers context from its start handler, synchronously.
    attach("fake-tracer", Events.threadStart, (_n, _m, md) => {
      registerTraceEnv(String(md.span_token), { TRACEPARENT: tp, TRACESTATE: "k=v" });
    });
    try {
      await codex.startThread({ model: "gpt-5.5", sandboxMode: "read-only" }).run("hello stdin");
    } finally {
      detach("fake-tracer");
    }
    const rec = JSON.parse(readFileSync(record, "utf8"));
    rmSync(record, { force: true });
    assert.equal(rec.env.TRACEPARENT, tp);
    assert.equal(rec.env.TRACESTATE, "k=v");
    assert.equal(rec.env.CODEX_API_KEY, "sk-test");
    assert.equal(rec.env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE, "codex_sdk_ts");
    assert.equal(rec.stdin, "hello stdin");
    assert.deepEqual(rec.argv, [
      "exec",
      "--experimental-json",
      "--model",
      "gpt-5.5",
      "--sandbox",
      "read-only",
    ]);
  });
});

describe("Thread on the seed scenarios", () => {
  it("a turn.completed with status early_exit ends the run as early_exit, not an error", async () => {
    const result = await codexFor("early_exit.jsonl").startThread().run("x");
    assert.equal(result.status, "early_exit");
    assert.equal(cap.named(Events.threadStop)[0].md.result, "early_exit");
    assert.equal(cap.named(Events.turnStop)[0].md.status, "early_exit");
    assert.equal(cap.named(Events.itemStop)[0].md.status, "early_exit");
  });

  it("a CLI that exits 0 without ending its turn is an early exit with the turn closed", async () => {
    const result = await codexFor("no_turn_end.jsonl").startThread().run("x");
    assert.equal(result.status, "early_exit");
    assert.equal(cap.named(Events.threadStop)[0].md.result, "early_exit");
    assert.equal(cap.named(Events.turnStop)[0].md.status, "early_exit");
    assert.equal(cap.named(Events.toolFailure)[0].md.tool, "exec_command");
  });

  it("turn.completed with status failed is a failed turn carrying the CLI's message", async () => {
    await assert.rejects(codexFor("turn_failed_status.jsonl").startThread().run("x"), (e: CodexExecError) => {
      assert.equal(e.code, "turn_failed");
      assert.match(e.message, /context window exceeded/);
      return true;
    });
    assert.equal(cap.named(Events.turnStop)[0].md.status, "failed");
    const ex = cap.named(Events.threadException)[0];
    assert.equal(ex.md.result, "error");
    assert.deepEqual((ex.md.error as { code: string }).code, "turn_failed");
  });

  it("a rate-limit failure fails the turn with the 429 message and exit code 1", async () => {
    await assert.rejects(codexFor("rate_limit.jsonl").startThread().run("x"), (e: CodexExecError) => {
      assert.equal(e.code, "turn_failed");
      assert.match(e.message, /429 Too Many Requests/);
      assert.equal(e.exitCode, 1);
      return true;
    });
    assert.equal(cap.named(Events.warning).length, 0);
    assert.equal(cap.named(Events.threadException)[0].md.exit_code, 1);
  });

  it("an error event followed by a completed turn is a warning, not a failure", async () => {
    const result = await codexFor("error_then_completed.jsonl").startThread().run("x");
    assert.equal(result.finalResponse, "recovered");
    assert.deepEqual(result.warnings, [
      "Reconnecting... 1/5 (stream disconnected before completion: connection reset)",
    ]);
    const w = cap.named(Events.warning)[0];
    assert.equal(w.md.reason, "cli_error_recovered");
    assert.equal(cap.named(Events.threadStop)[0].md.result, "ok");
  });

  it("usage events are surfaced with their delta, and the turn carries its own usage", async () => {
    const result = await codexFor("usage_events.jsonl").startThread().run("x");
    const updates = cap.named(Events.tokenUsageUpdated);
    assert.equal(updates.length, 4);
    assert.equal((updates[0].md.delta as { input_tokens: number }).input_tokens, 100);
    assert.equal((updates[1].md.delta as { input_tokens: number }).input_tokens, 150);
    assert.equal((updates[2].md.delta as { input_tokens: number }).input_tokens, 50);
    assert.equal(updates[3].m.input_tokens, 300);
    assert.equal(result.turnUsage?.output_tokens, 40);
    assert.equal(cap.named(Events.turnStop)[0].m.output_tokens, 40);
  });

  it("compaction stages in dot and slash spellings become started/completed/failed pairs", async () => {
    await codexFor("compaction.jsonl").startThread().run("x");
    assert.equal(cap.named(Events.compactionStarted).length, 2);
    const done = cap.named(Events.compactionCompleted)[0];
    assert.equal(done.m.token_savings, 1200);
    assert.equal(typeof done.m.duration_ms, "number");
    const failed = cap.named(Events.compactionFailed)[0];
    assert.deepEqual(failed.md.error, { message: "summary too long" });
    assert.equal(done.md.parent_token, cap.named(Events.turnStart)[0].md.span_token);
  });

  it("diff updates in both spellings are emitted with the diff", async () => {
    await codexFor("diff.jsonl").startThread().run("x");
    const diffs = cap.named(Events.diffUpdated);
    assert.equal(diffs.length, 2);
    assert.match(String(diffs[1].md.diff), /\+c/);
    assert.equal(cap.named(Events.toolSuccess)[0].md.tool, "apply_patch");
  });

  it("structured output is parsed into `parsed` and the schema temp file is removed", async () => {
    const record = join(tmpdir(), `codex-record-schema-${process.pid}.json`);
    const codex = new Codex({ codexPathOverride: fixtureCodex("structured_output.jsonl", { record }) });
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const result = await codex.startThread().run<{ answer: string }>("x", { outputSchema: schema });
    assert.deepEqual(result.parsed, { answer: "42", confidence: 0.9 });
    const rec = JSON.parse(readFileSync(record, "utf8"));
    rmSync(record, { force: true });
    const file = rec.argv[rec.argv.indexOf("--output-schema") + 1];
    assert.match(file, /codex-output-schema-/);
    assert.throws(() => readFileSync(file));
  });

  it("progress without ids gets synthesized turn ids and tool events for every CLI tool item", async () => {
    const codex = codexFor("progress_no_ids.jsonl");
    const thread = codex.startThread();
    const events: ThreadEvent[] = [];
    const { events: stream } = await thread.runStreamed("x");
    for await (const e of stream) events.push(e);
    assert.ok(events.some((e) => e.type === "item.agent_message.delta"));
    const turnId = `${thread.id}:1`;
    assert.equal(cap.named(Events.turnStart)[0].md.turn_id, turnId);
    const tools = cap.named(Events.toolStart).map((e) => e.md.tool);
    assert.deepEqual(tools, ["web_search", "docs.lookup"]);
    const fail = cap.named(Events.toolFailure)[0];
    assert.equal(fail.md.tool, "docs.lookup");
    assert.deepEqual(fail.md.error, { message: "server unavailable" });
    assert.equal(fail.md.call_id, "item_3");
    const ws = cap.named(Events.toolSuccess)[0];
    assert.equal(ws.md.call_id, "ws_1");
    assert.equal(cap.named(Events.itemUpdate).length, 1);
  });

  it("a line that is not JSON becomes codex.jsonl.malformed with the raw line and the run goes on", async () => {
    const result = await codexFor("malformed_line.jsonl", { chunkBytes: 5 }).startThread().run("x");
    assert.equal(result.finalResponse, "still running");
    const bad = cap.named(Events.jsonlMalformed);
    assert.equal(bad.length, 2);
    assert.equal(bad[0].md.line, "this is not json {");
    assert.equal(bad[1].md.line, "42");
    assert.equal(cap.named(Events.threadStop)[0].md.result, "ok");
  });

  it("unknown event and item types are kept whole, surfaced, never dropped", async () => {
    const { events } = await codexFor("unknown_type.jsonl").startThread().runStreamed("x");
    const seen: ThreadEvent[] = [];
    for await (const e of events) seen.push(e);
    const unknown = seen.find((e) => e.type === "session.configured") as { model?: string } | undefined;
    assert.equal(unknown?.model, "gpt-9");
    const u = cap.named(Events.eventUnknown)[0];
    assert.equal(u.md.type, "session.configured");
    assert.deepEqual((u.md.event as { sandbox: unknown }).sandbox, { mode: "read-only" });
    assert.ok(cap.named(Events.itemStop).some((e) => e.md.item_type === "hologram"));
  });

  it("tool.call.required asks the approvalHandler; a declined command is denied by policy", async () => {
    const asked: string[] = [];
    const thread = codexFor("approval_required.jsonl").startThread({
      approvalHandler: (req) => {
        asked.push(`${req.tool}:${req.callId}`);
        return { approved: true, reason: "ok by test" };
      },
    });
    await thread.run("x");
    assert.deepEqual(asked, ["exec_command:call_rm"]);
    const approved = cap.named(Events.approvalApproved)[0];
    assert.equal(approved.md.call_id, "call_rm");
    assert.equal(approved.md.source, "user");
    assert.equal(approved.md.reason, "ok by test");
    const denied = cap.named(Events.approvalDenied)[0];
    assert.equal(denied.md.source, "policy");
    assert.equal(denied.md.call_id, "item_1");
    assert.equal(cap.named(Events.toolFailure)[0].md.result, "declined");
  });

  it("an approvalHandler that does not answer in time produces codex.approval.timeout", async () => {
    const thread = codexFor("approval_required.jsonl").startThread({
      approvalHandler: (req) =>
        new Promise((resolve) => req.signal.addEventListener("abort", () => resolve(true))),
      approvalTimeoutMs: 50,
    });
    await thread.run("x");
    const t = cap.named(Events.approvalTimeout)[0];
    assert.equal(t.md.call_id, "call_rm");
    assert.equal(typeof t.m.duration_ms, "number");
  });

  it("without an approvalHandler a required approval is denied by policy", async () => {
    const { events } = await codexFor("approval_required.jsonl").startThread().runStreamed("x");
    const decisions: unknown[] = [];
    for await (const e of events) {
      if (e.type === "tool.call.required") decisions.push((e as ToolCallRequiredEvent).decision);
    }
    assert.deepEqual(decisions, ["denied"]);
    const denied = cap.named(Events.approvalDenied);
    assert.equal(denied[0].md.call_id, "call_rm");
    assert.equal(denied[0].md.source, "policy");
  });

  it("numbers turns per Thread object and reports the per-turn usage delta across resumes", async () => {
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { resumeFixture: "resume_turn.jsonl" }),
    });
    const thread = codex.startThread();
    const first = await thread.run("one");
    const second = await thread.run("two");
    assert.equal(first.turnId, "turn_1");
    assert.equal(second.turnId, `${thread.id}:2`);
    assert.equal(second.usage?.input_tokens, 300);
    assert.equal(second.turnUsage?.input_tokens, 180);
    assert.equal(second.turnUsage?.output_tokens, 18);
    const resumed = codex.resumeThread(thread.id!);
    const third = await resumed.run("three");
    assert.equal(third.turnUsage?.input_tokens, 300);
    assert.equal(cap.named(Events.turnStop).at(-1)!.md.usage_baseline, "unknown");
    const exact = codex.resumeThread(thread.id!, { usageBaseline: second.usage! });
    assert.equal((await exact.run("four")).turnUsage?.input_tokens, 0);
  });

  it("the real 0.169 transcripts replay with a thread id, items and the right outcome", async () => {
    const dir = join(import.meta.dirname ?? ".", "../../fixtures/cli-0.169");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
      const run = codexFor(`cli-0.169/${file}`).startThread().run("x");
      const failed = readFileSync(join(dir, file), "utf8").includes('"turn.failed"');
      if (failed) await assert.rejects(run, (e: CodexExecError) => e.code === "turn_failed", file);
      else assert.ok((await run).items.length > 0, file);
    }
    assert.equal(
      cap.named(Events.threadStart).length,
      readdirSync(dir).filter((f) => f.endsWith(".jsonl")).length,
    );
  });

  it("a CLI exit code without a failed turn names the code and includes the stderr tail", async () => {
    const run = codexFor("thread_basic.jsonl", { exitCode: 2, stderr: "config error: bad key\n" })
      .startThread().run("x");
    await assert.rejects(run, (e: CodexExecError) => {
      assert.equal(e.code, "exit_nonzero");
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /code 2/);
      assert.match(e.message, /config error: bad key/);
      assert.match(e.stderrTail ?? "", /bad key/);
      return true;
    });
  });

  it("a CLI killed by a signal names the signal", async () => {
    const run = codexFor("thread_basic.jsonl", { lines: 2, signal: "SIGKILL" }).startThread().run("x");
    await assert.rejects(run, (e: CodexExecError) => {
      assert.equal(e.code, "exit_nonzero");
      assert.equal(e.signal, "SIGKILL");
      assert.match(e.message, /SIGKILL/);
      return true;
    });
    assert.equal(cap.named(Events.turnStop)[0].md.status, "error");
    assert.equal(cap.named(Events.threadException)[0].md.signal, "SIGKILL");
  });

  it("a missing binary fails with not_found and says how to install the CLI", async () => {
    const codex = new Codex({ codexPathOverride: "/nonexistent/bin/codex" });
    await assert.rejects(codex.startThread().run("x"), (e: CodexExecError) => {
      assert.equal(e.code, "not_found");
      assert.match(e.message, /npm i @openai\/codex/);
      return true;
    });
    assert.equal(cap.named(Events.threadException).length, 1);
  });

  it("an invalid output schema is refused before anything is spawned", async () => {
    await assert.rejects(
      codexFor("thread_basic.jsonl").startThread().run("x", { outputSchema: [1, 2] }),
      (e: CodexExecError) => e.code === "invalid_options",
    );
    assert.equal(cap.named(Events.threadSpawned).length, 0);
  });

  it("local images in the input become --image arguments", async () => {
    const record = join(tmpdir(), `codex-record-img-${process.pid}.json`);
    const codex = new Codex({ codexPathOverride: fixtureCodex("thread_basic.jsonl", { record }) });
    await codex.startThread().run([
      { type: "text", text: "what is this" },
      { type: "local_image", path: "/tmp/a.png" },
      { type: "text", text: "and this" },
      { type: "local_image", path: "/tmp/b.jpg" },
    ]);
    const rec = JSON.parse(readFileSync(record, "utf8"));
    rmSync(record, { force: true });
    assert.equal(rec.stdin, "what is this\n\nand this");
    assert.deepEqual(rec.argv.slice(-4), ["--image", "/tmp/a.png", "--image", "/tmp/b.jpg"]);
  });

  it("staged files go to the CLI as --image when they are images, else by path in the prompt", async () => {
    const record = join(tmpdir(), `codex-record-staged-${process.pid}.json`);
    const staging = join(tmpdir(), `codex-staging-${process.pid}`);
    const files = new Files({ stagingDir: staging });
    try {
      const png = await files.stage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), {
        name: "shot.png",
      });
      const txt = await files.stage(new TextEncoder().encode("notes"), { name: "notes.txt" });
      const codex = new Codex({ codexPathOverride: fixtureCodex("thread_basic.jsonl", { record }) });
      await codex.startThread().run([
        { type: "text", text: "look" },
        { type: "staged_file", file: png },
        { type: "staged_file", file: txt },
      ]);
      const rec = JSON.parse(readFileSync(record, "utf8"));
      assert.deepEqual(rec.argv.slice(-2), ["--image", png.path]);
      assert.equal(rec.stdin, `look\n\nAttached file "notes.txt": ${txt.path}`);
    } finally {
      rmSync(record, { force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  });

  it("CodexExecError is an Error with a stable code", () => {
    const e = new CodexExecError("timeout", "slow");
    assert.ok(e instanceof Error);
    assert.equal(e.name, "CodexExecError");
    assert.equal(e.code, "timeout");
  });
});
