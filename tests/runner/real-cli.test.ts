// The real Codex CLI 0.169 (node_modules' @openai/codex) through Thread.run / runStreamed,
// against the fake Responses API on 127.0.0.1: no network, a temp CODEX_HOME per test.
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attach, Codex, detach, Events } from "../../mod.ts";
import { registerTraceEnv } from "../../src/telemetry/propagation.ts";
import type { CodexExecError, CommandExecutionItem, FileChangeItem, ThreadEvent } from "../../mod.ts";
import { alive, waitUntil } from "../support/fake-cli.ts";
import { loadScript, realCliOptions, startFakeResponses } from "../support/fake-responses.ts";
import type { FakeResponses, RealCliSetup } from "../support/fake-responses.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";

let server: FakeResponses;
let setup: RealCliSetup;
let cap: ReturnType<typeof captureTelemetry>;

before(async () => {
  server = await startFakeResponses("minimal");
});
after(() => server.close());
beforeEach(() => {
  setup = realCliOptions(server);
  cap = captureTelemetry();
});
afterEach(() => {
  const problems = cap.unmatched();
  cap.dispose();
  setup.dispose();
  assert.deepEqual(problems, [], "every start has exactly one end");
});

const codex = (): Codex => new Codex(setup.codex);

describe("real Codex CLI 0.169", () => {
  it("runs a plain message turn", async () => {
    server.setScript("message");
    const result = await codex().startThread(setup.thread).run("say hello");
    assert.equal(result.finalResponse, "Hello from fake server");
    assert.equal(result.status, "completed");
    assert.match(result.threadId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(result.usage?.input_tokens, 42);
    assert.equal(result.usage?.cached_input_tokens, 12);
    const stop = cap.named(Events.threadStop)[0];
    assert.equal(stop.md.result, "ok");
    assert.equal(stop.md.exit_code, 0);
    assert.equal(stop.md.thread_id, result.threadId);
    const body = server.responsesRequests()[0].body as { model: string };
    assert.equal(body.model, "gpt-5.5");
  });

  it("runs a shell command and applies a patch, with tool events for both", async () => {
    server.setScript("cmd-and-patch");
    const result = await codex().startThread(setup.thread).run("make files");
    const cmd = result.items.find((i) => i.type === "command_execution") as CommandExecutionItem;
    assert.equal(cmd.status, "completed");
    assert.equal(cmd.exit_code, 0);
    assert.match(cmd.aggregated_output, /hello-from-codex/);
    const patch = result.items.find((i) => i.type === "file_change") as FileChangeItem;
    assert.equal(patch.changes[0].kind, "add");
    assert.equal(readFileSync(join(setup.workdir, "notes.md"), "utf8"), "# Notes\nwritten by fake model\n");
    assert.equal(readFileSync(join(setup.workdir, "hello.txt"), "utf8"), "hello-from-codex\n");
    assert.deepEqual(cap.named(Events.toolSuccess).map((e) => e.md.tool), ["exec_command", "apply_patch"]);
    assert.equal(result.usage?.input_tokens, 600);
  });

  it("reports a failed command as a tool failure while the turn completes", async () => {
    server.setScript("reasoning-failedcmd-todo");
    const { events } = await codex().startThread(setup.thread).runStreamed("try it");
    const seen: ThreadEvent[] = [];
    for await (const e of events) seen.push(e);
    assert.equal(seen.at(-1)?.type, "turn.completed");
    const failure = cap.named(Events.toolFailure)[0];
    assert.equal(failure.md.tool, "exec_command");
    assert.equal(failure.md.exit_code, 3);
    assert.equal(failure.md.result, "failed");
    assert.ok(cap.named(Events.itemStop).some((e) => e.md.item_type === "reasoning"));
  });

  it("fails the turn on HTTP 401 with the server's message", async () => {
    server.setScript("http401");
    await assert.rejects(codex().startThread(setup.thread).run("x"), (e: CodexExecError) => {
      assert.equal(e.code, "turn_failed");
      assert.match(e.message, /401 Unauthorized: Incorrect API key provided/);
      assert.equal(e.exitCode, 1);
      return true;
    });
    assert.equal(cap.named(Events.turnStop)[0].md.status, "failed");
  });

  it("fails the turn when the stream closes before response.completed", async () => {
    server.setScript("stream-closed-retry");
    await assert.rejects(
      codex().startThread(setup.thread).run("x"),
      (e: CodexExecError) =>
        e.code === "turn_failed" && /stream closed before response.completed/.test(e.message),
    );
  });

  it("resumes the thread for a second turn and reports that turn's own usage", async () => {
    server.setScript([...loadScript("message"), ...loadScript("message")]);
    const thread = codex().startThread(setup.thread);
    const first = await thread.run("first");
    const second = await thread.run("second");
    assert.equal(second.threadId, first.threadId);
    assert.equal(second.usage?.input_tokens, 84, "0.169 reports usage cumulative after resume");
    assert.equal(second.turnUsage?.input_tokens, 42);
    assert.equal(second.turnUsage?.cached_input_tokens, 12);
    assert.equal(second.turnId, `${thread.id}:2`);
    const input = JSON.stringify((server.responsesRequests()[1].body as { input: unknown }).input);
    assert.match(input, /first/);
    assert.match(input, /second/);
    const stops = cap.named(Events.turnStop);
    assert.equal((stops[1].md.usage as { input_tokens: number }).input_tokens, 42);
    assert.equal((stops[1].md.usage_cumulative as { input_tokens: number }).input_tokens, 84);
  });

  it("parses structured output and removes the schema file", async () => {
    server.setScript("structured-output");
    const schema = {
      type: "object",
      properties: { answer: { type: "string" } },
      required: ["answer"],
      additionalProperties: false,
    };
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith("codex-output-schema-")).length;
    const result = await codex().startThread(setup.thread).run<{ answer: string }>("x", {
      outputSchema: schema,
    });
    assert.deepEqual(result.parsed, { answer: "42" });
    const body = server.responsesRequests()[0].body as { text?: { format?: { schema?: unknown } } };
    assert.deepEqual(body.text?.format?.schema, schema);
    const afterCount = readdirSync(tmpdir()).filter((f) => f.startsWith("codex-output-schema-")).length;
    assert.ok(afterCount <= before, "the output schema temp dir was left behind");
  });

  it("passes the run's trace context to the CLI and its commands", async () => {
    server.setScript("echo-traceparent");
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    attach("real-cli-tracer", Events.threadStart, (_n, _m, md) => {
      registerTraceEnv(String(md.span_token), { TRACEPARENT: tp, TRACESTATE: "vendor=1" });
    });
    try {
      const result = await codex().startThread({ ...setup.thread, sandboxMode: "danger-full-access" }).run(
        "x",
      );
      const cmd = result.items.find((i) => i.type === "command_execution") as CommandExecutionItem;
      assert.match(cmd.aggregated_output, /TP=00-4bf92f3577b34da6a3ce929d0e0e4736-/);
    } finally {
      detach("real-cli-tracer");
    }
  });

  it("an abort during a slow command leaves no process behind", async () => {
    const pidFile = join(setup.workdir, "cmd.pid");
    server.setScript([[
      {
        type: "response.output_item.done",
        item: {
          type: "function_call",
          call_id: "call_1",
          name: "exec_command",
          arguments: JSON.stringify({ cmd: `echo $$ > ${pidFile}; sleep 20`, yield_time_ms: 30000 }),
        },
      },
      { type: "response.completed", response: { id: "r1" } },
    ]]);
    const ac = new AbortController();
    const { events } = await codex().startThread({ ...setup.thread, sandboxMode: "danger-full-access" })
      .runStreamed("slow", { signal: ac.signal });
    const started = Date.now();
    await assert.rejects(async () => {
      for await (const e of events) {
        if (e.type === "item.started") {
          await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 5000);
          ac.abort();
        }
      }
    }, (e: CodexExecError) => e.code === "aborted");
    assert.ok(Date.now() - started < 10_000);
    const cli = Number(cap.named(Events.threadSpawned)[0].md.pid);
    const cmd = Number(readFileSync(pidFile, "utf8"));
    assert.equal(alive(cli), false, "the CLI outlived the abort");
    assert.ok(await waitUntil(() => !alive(cmd), 3000), "the slow command outlived the abort");
    assert.equal(cap.named(Events.toolFailure)[0].md.tool, "exec_command");
  });
});
