// The real Codex CLI 0.169 in app-server mode (one long-lived `codex app-server` per Codex
// instance) against the fake Responses API on 127.0.0.1: approvals answered for real, interrupt,
// steer, several threads in one process, resume, and a server killed mid-turn.
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Codex, Events } from "../../mod.ts";
import type {
  ApprovalAnswer,
  ApprovalDecidedEvent,
  CodexExecError,
  CommandExecutionItem,
  FileChangeItem,
  ThreadEvent,
  ToolApprovalRequest,
} from "../../mod.ts";
import { alive, waitUntil } from "../support/fake-cli.ts";
import { loadScript, realCliOptions, startFakeResponses } from "../support/fake-responses.ts";
import type { FakeResponses, RealCliSetup } from "../support/fake-responses.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";
import { addFile, command, completed, message, readPid, sleep, toolTurn } from "../support/app-server.ts";

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";

let server: FakeResponses;
let setup: RealCliSetup;
let codex: Codex;
let cap: ReturnType<typeof captureTelemetry>;
const passed: string[] = [];

before(async () => {
  server = await startFakeResponses("message");
  setup = realCliOptions(server);
  codex = new Codex({ ...setup.codex, transport: "app-server", killGraceMs: 1500 });
});
after(async () => {
  await codex.close();
  assert.deepEqual(codex.activePids(), [], "close() leaves no app-server behind");
  await server.close();
  setup.dispose();
  console.log(`[app-server real-cli ${runtime}] ${passed.length} scenarios passed: ${passed.join(", ")}`);
});
beforeEach(() => {
  cap = captureTelemetry();
});
afterEach(() => {
  const problems = cap.unmatched();
  cap.dispose();
  assert.deepEqual(problems, [], "every start has exactly one end");
});

const file = (name: string): string => join(setup.workdir, name);

describe(`real Codex CLI 0.169 app-server (${runtime})`, () => {
  it("an approved command runs, with the approval span inside the turn", async () => {
    server.setScript(toolTurn(command("c1", "touch approved.txt", { escalate: true })));
    const asked: ToolApprovalRequest[] = [];
    const thread = codex.startThread({
      ...setup.thread,
      approvalPolicy: "on-request",
      onApproval: (request) => {
        asked.push(request);
        return "accept";
      },
    });
    const result = await thread.run("touch it");
    assert.equal(result.status, "completed");
    assert.equal(result.finalResponse, "finished");
    assert.ok(existsSync(file("approved.txt")), "the approved command ran");
    assert.equal(asked.length, 1);
    const req = asked[0];
    assert.equal(req.kind, "command");
    assert.equal(req.threadId, result.threadId);
    assert.equal(req.turnId, result.turnId);
    assert.equal(req.itemId, "c1");
    assert.equal(req.policy, "on-request");
    if (req.kind === "command") {
      assert.match(req.command ?? "", /touch approved\.txt/);
      assert.equal(req.reason, "the test needs it");
      assert.equal(req.cwd, setup.workdir);
    }
    const cmd = result.items.find((i) => i.type === "command_execution") as CommandExecutionItem;
    assert.equal(cmd.status, "completed");
    assert.equal(cmd.exit_code, 0);
    // Real ids from the protocol: the turn id is the server's UUIDv7, not `<thread>:<n>`.
    assert.match(result.turnId ?? "", /^[0-9a-f-]{36}$/);
    const approved = cap.named(Events.approvalApproved)[0];
    assert.equal(approved.md.answer, "accept");
    assert.equal(approved.md.source, "user");
    assert.equal(approved.md.policy, "on-request");
    assert.equal(approved.md.parent_token, cap.named(Events.turnStart)[0].md.span_token);
    assert.equal(typeof approved.m.duration_ms, "number");
    assert.equal(cap.named(Events.threadStop)[0].md.result, "ok");
    // The model thread/start answered, on the run's events from the thread's start on.
    assert.equal(cap.named(Events.turnStart)[0].md.response_model, "gpt-5.5");
    assert.equal(cap.named(Events.threadStop)[0].md.response_model, "gpt-5.5");
    assert.equal(result.usage?.input_tokens, 10);
    assert.equal(result.turnUsage?.input_tokens, 10);
    passed.push("approved");
  });

  it("a declined command does not run", async () => {
    server.setScript(toolTurn(command("c2", "touch declined.txt", { escalate: true })));
    const { events } = await codex.startThread({
      ...setup.thread,
      approvalPolicy: "on-request",
      onApproval: () => "decline",
    }).runStreamed("touch it");
    const seen: ThreadEvent[] = [];
    for await (const e of events) seen.push(e);
    assert.equal(existsSync(file("declined.txt")), false, "the declined command ran");
    const decided = seen.find((e) => e.type === "approval.decided") as ApprovalDecidedEvent;
    assert.equal(decided.answer, "decline");
    assert.equal(decided.source, "user");
    const done = seen.find((e) => e.type === "item.completed" && (e as { item: { type: string } }).item.type === "command_execution");
    assert.equal((done as { item: CommandExecutionItem }).item.status, "declined");
    assert.equal(seen.at(-1)?.type, "turn.completed");
    assert.equal(cap.named(Events.approvalDenied)[0].md.answer, "decline");
    passed.push("declined");
  });

  it("a cancelled approval interrupts the turn and the command does not run", async () => {
    server.setScript(toolTurn(command("c3", "touch cancelled.txt", { escalate: true })));
    const result = await codex.startThread({
      ...setup.thread,
      approvalPolicy: "on-request",
      onApproval: () => "cancel",
    }).run("touch it");
    assert.equal(result.status, "interrupted");
    assert.equal(existsSync(file("cancelled.txt")), false);
    assert.equal(cap.named(Events.turnStop)[0].md.status, "interrupted");
    assert.equal(cap.named(Events.approvalDenied)[0].md.answer, "cancel");
    assert.equal(cap.named(Events.threadStop)[0].md.reason, "interrupted");
    passed.push("cancelled");
  });

  it("a file change asks under untrusted, with its changes, and applies once accepted", async () => {
    server.setScript(toolTurn(addFile("p1", "notes.md")));
    const asked: ToolApprovalRequest[] = [];
    const result = await codex.startThread({
      ...setup.thread,
      approvalPolicy: "untrusted",
      onApproval: async (request): Promise<ApprovalAnswer> => {
        asked.push(request);
        await sleep(5);
        return "accept";
      },
    }).run("write notes");
    assert.equal(asked.length, 1);
    const req = asked[0];
    assert.equal(req.kind, "file_change");
    if (req.kind === "file_change") {
      assert.deepEqual(req.changes.map((c) => [c.path, c.kind]), [[file("notes.md"), "add"]]);
      assert.match(req.changes[0].diff, /written by the fake model/);
    }
    assert.equal(readFileSync(file("notes.md"), "utf8"), "written by the fake model\n");
    const patch = result.items.find((i) => i.type === "file_change") as FileChangeItem;
    assert.equal(patch.status, "completed");
    assert.deepEqual(patch.changes, [{ path: file("notes.md"), kind: "add" }]);
    assert.equal(cap.named(Events.approvalApproved)[0].md.tool, "apply_patch");
    assert.ok(cap.named(Events.diffUpdated).length > 0, "turn/diff/updated maps to codex.turn.diff.updated");
    passed.push("file change");
  });

  it("a hook that throws declines, and the error is recorded", async () => {
    server.setScript(toolTurn(command("c4", "touch thrown.txt", { escalate: true })));
    const result = await codex.startThread({
      ...setup.thread,
      approvalPolicy: "on-request",
      onApproval: () => {
        throw new Error("policy service down");
      },
    }).run("touch it");
    assert.equal(result.status, "completed");
    assert.equal(existsSync(file("thrown.txt")), false);
    const denied = cap.named(Events.approvalDenied)[0];
    assert.equal(denied.md.answer, "decline");
    assert.equal(denied.md.source, "policy");
    assert.match(String(denied.md.reason), /onApproval threw: policy service down/);
    assert.ok(result.warnings.some((w) => /policy service down/.test(w)));
    passed.push("hook throws");
  });

  it("a hook slower than approvalTimeoutMs declines (and its signal aborts)", async () => {
    server.setScript(toolTurn(command("c5", "touch slow.txt", { escalate: true })));
    let aborted = false;
    const started = Date.now();
    const result = await codex.startThread({
      ...setup.thread,
      approvalPolicy: "on-request",
      approvalTimeoutMs: 150,
      onApproval: (_request, { signal }) =>
        new Promise(() => {
          signal.addEventListener("abort", () => (aborted = true));
        }),
    }).run("touch it");
    assert.ok(Date.now() - started < 8000);
    assert.equal(result.status, "completed");
    assert.equal(existsSync(file("slow.txt")), false);
    assert.ok(aborted, "the hook's signal was aborted");
    const timeout = cap.named(Events.approvalTimeout)[0];
    assert.equal(timeout.md.answer, "decline");
    assert.ok((timeout.m.duration_ms as number) >= 140, `approval span ${timeout.m.duration_ms} ms`);
    passed.push("hook timeout");
  });

  it("without a hook a request is declined with a warning", async () => {
    server.setScript(toolTurn(command("c6", "touch nohook.txt", { escalate: true })));
    const result = await codex.startThread({ ...setup.thread, approvalPolicy: "on-request" }).run("touch it");
    assert.equal(existsSync(file("nohook.txt")), false);
    assert.ok(result.warnings.some((w) => /no onApproval hook/.test(w)), result.warnings.join("; "));
    assert.equal(cap.named(Events.warning).some((e) => e.md.reason === "approval_declined"), true);
  });

  it("interrupt() during `sleep 20` ends the command, and the next turn runs in the same process", async () => {
    const pidFile = file("sleep.pid");
    server.setScript([
      [command("s1", `echo $$ > ${pidFile}; sleep 20`, { yieldMs: 30_000 }), completed("r1")],
      [message("after the interrupt"), completed("r2")],
    ]);
    const thread = codex.startThread({ ...setup.thread, approvalPolicy: "never", sandboxMode: "danger-full-access" });
    const started = Date.now();
    const run = thread.run("slow");
    const cmdPid = await readPid(pidFile);
    // "During the command": the command writes its pid as it starts, which can come before the
    // SDK has read the item/started notification on a loaded machine; interrupt once it has.
    await waitUntil(() => cap.named(Events.toolStart).length > 0, 3000);
    const serverPid = codex.activePids()[0];
    assert.equal(await thread.interrupt(), true);
    const result = await run;
    const took = Date.now() - started;
    assert.equal(result.status, "interrupted");
    assert.ok(took < 8000, `interrupt took ${took} ms`);
    assert.ok(await waitUntil(() => !alive(cmdPid), 3000), "the command's process outlived the interrupt");
    assert.ok(alive(serverPid), "the app-server lives on");
    const toolFail = cap.named(Events.toolFailure)[0];
    assert.equal(toolFail.md.result, "interrupted");
    assert.equal(await thread.interrupt(), false, "nothing left to interrupt");
    const second = await thread.run("again");
    assert.equal(second.status, "completed");
    assert.equal(second.finalResponse, "after the interrupt");
    assert.equal(second.pid, serverPid, "same process");
    assert.equal(second.threadId, result.threadId);
    passed.push("interrupt + next turn");
  });

  it("an aborted run interrupts the turn without killing the server", async () => {
    const pidFile = file("abort.pid");
    server.setScript([[command("a1", `echo $$ > ${pidFile}; sleep 20`, { yieldMs: 30_000 }), completed("r1")]]);
    const ac = new AbortController();
    const thread = codex.startThread({ ...setup.thread, approvalPolicy: "never", sandboxMode: "danger-full-access" });
    const run = thread.run("slow", { signal: ac.signal });
    const cmdPid = await readPid(pidFile);
    const serverPid = codex.activePids()[0];
    ac.abort();
    await assert.rejects(run, (e: CodexExecError) => e.code === "aborted");
    assert.ok(await waitUntil(() => !alive(cmdPid), 3000));
    assert.ok(alive(serverPid), "abort interrupts first: the server lives on");
    passed.push("abort");
  });

  it("steer() adds input to the running turn", async () => {
    server.setScript([
      [command("st1", "sleep 1"), completed("r1")],
      [message("steered"), completed("r2")],
    ]);
    const thread = codex.startThread({ ...setup.thread, approvalPolicy: "never", sandboxMode: "danger-full-access" });
    const { events } = await thread.runStreamed("first");
    let steered = false;
    for await (const e of events) {
      if (!steered && e.type === "item.started") {
        await thread.steer("STEER: only touch src/");
        steered = true;
      }
    }
    const last = server.responsesRequests().at(-1)!;
    assert.match(JSON.stringify(last.body), /STEER: only touch src\//);
    await assert.rejects(thread.steer("late"), (e: CodexExecError) => e.code === "not_running");
    passed.push("steer");
  });

  it("two threads run at once in one process", async () => {
    server.setScript([...loadScript("message"), ...loadScript("message")]);
    const a = codex.startThread(setup.thread);
    const b = codex.startThread(setup.thread);
    const [ra, rb] = await Promise.all([a.run("first thread"), b.run("second thread")]);
    assert.equal(ra.status, "completed");
    assert.equal(rb.status, "completed");
    assert.notEqual(ra.threadId, rb.threadId);
    assert.equal(ra.pid, rb.pid, "one app-server serves both");
    assert.equal(codex.activePids().length, 1);
    assert.equal(cap.named(Events.turnStop).length, 2);
    passed.push("two threads");
  });

  it("resumeThread continues a thread from another process, with that turn's own usage", async () => {
    server.setScript([...loadScript("message"), ...loadScript("message")]);
    // Measured: a thread loaded in one app-server cannot be resumed by another ("already has an
    // active writer") until the first lets go of it, here by closing.
    const other = new Codex({ ...setup.codex, transport: "app-server" });
    let first;
    try {
      first = await other.startThread(setup.thread).run("remember FIRST-PROMPT");
    } finally {
      await other.close();
    }
    const second = await codex.resumeThread(first.threadId!, setup.thread).run("second");
    assert.equal(second.threadId, first.threadId);
    assert.notEqual(second.pid, first.pid);
    assert.match(JSON.stringify(server.responsesRequests()[1].body), /FIRST-PROMPT/);
    assert.equal(second.usage?.input_tokens, 84, "usage is cumulative for the thread, as on exec");
    assert.equal(second.turnUsage?.input_tokens, 42, "the turn's own usage, exact after resume");
    assert.equal(cap.named(Events.turnStop)[1].md.usage_baseline, undefined, "no baseline guess needed");
    assert.equal(cap.named(Events.turnStop)[1].md.response_model, "gpt-5.5", "thread/resume answers the model too");
    passed.push("resume");
  });

  it("a server killed mid-turn fails the run clearly, closes every span, and the next run restarts it", async () => {
    const pidFile = file("kill.pid");
    server.setScript([[command("k1", `echo $$ > ${pidFile}; sleep 20`, { yieldMs: 30_000 }), completed("r1")]]);
    const thread = codex.startThread({ ...setup.thread, approvalPolicy: "never", sandboxMode: "danger-full-access" });
    const run = thread.run("slow");
    const cmdPid = await readPid(pidFile);
    const serverPid = codex.activePids()[0];
    process.kill(serverPid, "SIGKILL");
    await assert.rejects(run, (e: CodexExecError) => {
      assert.equal(e.code, "exit_nonzero");
      assert.equal(e.signal, "SIGKILL");
      assert.match(e.message, /Codex app-server was killed by SIGKILL/);
      assert.equal(typeof e.stderrTail, "string");
      return true;
    });
    assert.ok(await waitUntil(() => !alive(cmdPid), 3000), "the command outlived its server");
    assert.equal(cap.named(Events.threadException).length, 1);
    server.setScript("message");
    const next = await thread.run("again");
    assert.equal(next.status, "completed");
    assert.notEqual(next.pid, serverPid, "a new server");
    passed.push("killed mid-turn");
  });

  it("exec keeps its answer for interrupt() and steer(): unsupported", async () => {
    const exec = new Codex(setup.codex).startThread(setup.thread);
    await assert.rejects(exec.interrupt(), (e: CodexExecError) => e.code === "unsupported");
    await assert.rejects(exec.steer("x"), (e: CodexExecError) => e.code === "unsupported");
    await assert.rejects(
      codex.startThread({ ...setup.thread, approvalPolicy: "on-failure" }).run("x"),
      (e: CodexExecError) => e.code === "invalid_options" && /on-failure/.test(e.message),
    );
  });
});
