// Bad input and faults the real CLI cannot be made to produce, on the scripted fixture server
// (fixtures/app-server/fake-app-server.mjs): malformed lines, responses to unknown ids, unknown
// methods, server requests the SDK does not handle, silence, a server that exits or ignores
// interrupts mid-turn, close() under a running turn, deltas.
import { after, afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Codex, Events } from "../../mod.ts";
import type { CodexExecError, ThreadEvent } from "../../mod.ts";
import { alive, waitUntil } from "../support/fake-cli.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";
import { disposeFakeAppServers, fakeAppServer, fakeTurn, readFakeLog } from "../support/app-server.ts";

const dir = mkdtempSync(join(tmpdir(), "codex-as-faults-"));
let cap: ReturnType<typeof captureTelemetry>;
let logSeq = 0;
const open: Codex[] = [];

function server(options: { silent?: string[]; killGraceMs?: number; requestTimeoutMs?: number } = {}): { codex: Codex; log: string } {
  const log = join(dir, `log-${++logSeq}.jsonl`);
  const codex = new Codex({
    codexPathOverride: fakeAppServer({ log, silent: options.silent }),
    transport: "app-server",
    killGraceMs: options.killGraceMs ?? 300,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  open.push(codex);
  return { codex, log };
}

beforeEach(() => {
  cap = captureTelemetry();
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  const problems = cap.unmatched();
  cap.dispose();
  assert.deepEqual(problems, [], "every start has exactly one end");
});
after(() => {
  disposeFakeAppServers();
  rmSync(dir, { recursive: true, force: true });
});

describe("app-server bad input and faults (fixture server)", () => {
  it("a malformed line becomes codex.jsonl.malformed and the run goes on", async () => {
    const { codex } = server();
    const result = await codex.startThread().run(fakeTurn("malformed", "message"));
    assert.equal(result.status, "completed");
    assert.equal(result.finalResponse, "message 2");
    const bad = cap.named(Events.jsonlMalformed)[0];
    assert.equal(bad.md.line, "this line is not JSON {");
  });

  it("a response to an unknown id is ignored with a warning", async () => {
    const { codex } = server();
    const result = await codex.startThread().run(fakeTurn("unknown_id", "message"));
    assert.equal(result.status, "completed");
    const w = cap.named(Events.warning).find((e) => e.md.reason === "rpc_unknown_response");
    assert.ok(w, "a warning for the stray response");
    assert.match(String(w.md.message), /987654/);
  });

  it("an unknown method becomes codex.event.unknown; a message that is not JSON-RPC a warning", async () => {
    const { codex } = server();
    const { events } = await codex.startThread().runStreamed(fakeTurn("unknown_method", "invalid", "message"));
    const seen: ThreadEvent[] = [];
    for await (const e of events) seen.push(e);
    assert.ok(seen.some((e) => e.type === "future/feature/updated"), "the unknown event is yielded whole");
    assert.equal(cap.named(Events.eventUnknown)[0].md.type, "future/feature/updated");
    assert.ok(cap.named(Events.warning).some((e) => e.md.reason === "rpc_invalid_message"));
    assert.equal(seen.at(-1)?.type, "turn.completed");
  });

  it("server requests the SDK does not handle are answered with a JSON-RPC error, never silence", async () => {
    const { codex, log } = server();
    const methods = ["item/tool/requestUserInput", "mcpServer/elicitation/request", "item/tool/call", "brand/new/request"];
    const result = await codex.startThread().run(fakeTurn(...methods.map((request) => ({ request })), "message"));
    assert.equal(result.status, "completed");
    assert.equal(result.warnings.filter((w) => /answered with an error/.test(w)).length, 4);
    await codex.close();
    const entries = readFakeLog(log);
    const answers = entries.filter((e) => e.answered !== undefined);
    assert.equal(answers.length, 4);
    for (const a of answers) assert.equal(a.error, -32601);
    assert.deepEqual(entries.find((e) => e.eof)?.unanswered, []);
  });

  it("a call with no response fails that call after requestTimeoutMs, not the process", async () => {
    const { codex } = server({ silent: ["turn/steer"], requestTimeoutMs: 200 });
    const thread = codex.startThread();
    const run = thread.run(fakeTurn({ sleep: 600 }, "message"));
    await waitUntil(() => codex.activePids().length === 1, 5000);
    const pid = codex.activePids()[0];
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(thread.steer("hello?"), (e: CodexExecError) => e.code === "rpc_timeout" && /turn\/steer/.test(e.message));
    const result = await run;
    assert.equal(result.status, "completed", "the turn went on");
    assert.ok(alive(pid));
    const again = await thread.run(fakeTurn("message"));
    assert.equal(again.pid, pid, "the same process serves the next turn");
  });

  it("a turn/start with no response fails the run with rpc_timeout; the server lives on", async () => {
    const { codex } = server({ silent: ["turn/start"], requestTimeoutMs: 200 });
    await assert.rejects(codex.startThread().run("x"), (e: CodexExecError) => e.code === "rpc_timeout");
    assert.equal(codex.activePids().length, 1);
    assert.ok(cap.named(Events.threadException).length === 1);
  });

  it("a server that exits mid-turn fails the run with exit status and stderr, and rejects pending calls", async () => {
    const { codex } = server({ silent: ["turn/steer"] });
    const thread = codex.startThread();
    const run = thread.run(fakeTurn("message", { sleep: 150 }, "exit"));
    await waitUntil(() => codex.activePids().length === 1, 5000);
    const steer = thread.steer("pending when the server dies");
    await assert.rejects(run, (e: CodexExecError) => {
      assert.equal(e.code, "exit_nonzero");
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /exited with code 3/);
      assert.match(e.stderrTail ?? "", /exiting mid-turn as scripted/);
      return true;
    });
    await assert.rejects(steer, (e: CodexExecError) => e.code === "exit_nonzero");
    assert.equal(cap.named(Events.turnStop)[0].md.status, "error");
    const again = await thread.run(fakeTurn("message"));
    assert.equal(again.status, "completed", "the next run starts a new server");
  });

  it("an abort on a server that ignores turn/interrupt kills it after killGraceMs", async () => {
    const { codex, log } = server({ killGraceMs: 200 });
    const ac = new AbortController();
    const run = codex.startThread().run(fakeTurn("child", "deaf"), { signal: ac.signal });
    await waitUntil(() => readFakeLog(log).some((e) => e.child !== undefined), 5000);
    const pid = codex.activePids()[0];
    const started = Date.now();
    ac.abort();
    await assert.rejects(run, (e: CodexExecError) => e.code === "aborted");
    assert.ok(Date.now() - started < 3000);
    assert.ok(await waitUntil(() => !alive(pid), 3000), "the deaf server was killed");
    const child = readFakeLog(log).find((e) => e.child !== undefined)!.child!;
    assert.ok(await waitUntil(() => !alive(child), 3000), "its process group went with it");
    assert.deepEqual(codex.activePids(), []);
  });

  it("a consumer that stops reading while an approval is pending still answers it", async () => {
    const { codex, log } = server();
    const thread = codex.startThread({ onApproval: () => new Promise(() => {}) });
    const { events } = await thread.runStreamed(fakeTurn("message", { approve: "command" }, "message"));
    for await (const e of events) {
      if (e.type === "item.completed") break;
    }
    await codex.close();
    const entries = readFakeLog(log);
    assert.equal(entries.filter((e) => e.sent !== undefined).length, 1);
    assert.deepEqual(entries.find((e) => e.eof)?.unanswered, [], "every server request was answered");
    assert.equal(entries.find((e) => e.answered !== undefined)?.decision, "cancel");
  });

  it("close() under a running turn fails it with closed", async () => {
    const { codex } = server();
    const run = codex.startThread().run(fakeTurn("hang"));
    const outcome = run.then(() => undefined, (e: CodexExecError) => e);
    await waitUntil(() => codex.activePids().length === 1, 5000);
    await new Promise((r) => setTimeout(r, 50));
    await codex.close();
    assert.equal((await outcome)?.code, "closed");
    assert.deepEqual(codex.activePids(), []);
  });

  it("deltas reach runStreamed only with streamDeltas", async () => {
    const { codex } = server();
    const thread = codex.startThread();
    const types = async (deltas: boolean): Promise<string[]> => {
      const { events } = await thread.runStreamed(fakeTurn("message"), { streamDeltas: deltas });
      const out: string[] = [];
      for await (const e of events) out.push(e.type);
      return out;
    };
    assert.ok(!(await types(false)).includes("item.agent_message.delta"));
    const on = await types(true);
    assert.ok(on.includes("item.agent_message.delta"), on.join(", "));
    assert.ok(cap.named(Events.tokenUsageUpdated).length >= 2, "usage updates map to codex.thread.token_usage.updated");
  });
});
