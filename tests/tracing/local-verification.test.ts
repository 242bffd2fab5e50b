// The runbook's "local verification": configure the in-memory exporter, run a fixture thread
// through the real runner (fake CLI), and get thread, turn and item spans with the right tree,
// attributes and durations.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import type { SpanRecord } from "../../mod.ts";
import { fixtureCodex } from "../support/fake-cli.ts";

const find = (spans: readonly SpanRecord[], name: string): SpanRecord[] => spans.filter((s) => s.name === name);

describe("local verification with the in-memory exporter", () => {
  const telemetry = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://local" }, exporter: memoryExporter(), warn: () => {} });
  after(async () => {
    await telemetry.shutdown();
  });

  it("a fixture thread yields thread, turn and item spans with the right tree, attributes and durations", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    const codex = new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("cli-0.169/cmd-and-patch.jsonl") });
    const thread = codex.startThread({ model: "gpt-5.1-codex", skipGitRepoCheck: true });
    const result = await thread.run("trace check");
    await telemetry.flush();
    const spans: SpanRecord[] = [];
    for await (const span of mem.spans()) spans.push(span);
    assert.equal(telemetry.status().exporter, "memory");

    const [th] = find(spans, "invoke_agent codex");
    const [tu] = find(spans, "codex.turn");
    const [cmd] = find(spans, "codex.item command_execution");
    const [patch] = find(spans, "codex.item file_change");
    const [msg] = find(spans, "codex.item agent_message");
    for (const s of [th, tu, cmd, patch, msg]) assert.ok(s, `missing span in ${spans.map((x) => x.name).join(", ")}`);
    assert.equal(th.parentSpanId, undefined);
    assert.equal(tu.parentSpanId, th.spanId);
    for (const item of [cmd, patch, msg]) {
      assert.equal(item.parentSpanId, tu.spanId);
      assert.equal(item.traceId, th.traceId);
      assert.ok(item.startTimeUnixNano >= tu.startTimeUnixNano && item.endTimeUnixNano <= tu.endTimeUnixNano);
    }
    assert.ok(tu.startTimeUnixNano >= th.startTimeUnixNano && tu.endTimeUnixNano <= th.endTimeUnixNano);
    const threadId = "01a20b76-6908-7d90-bc64-cac6229c2ac7";
    assert.equal(result.threadId ?? threadId, threadId);
    assert.equal(th.attributes["gen_ai.conversation.id"], threadId);
    assert.equal(th.attributes["gen_ai.request.model"], "gpt-5.1-codex");
    assert.equal(th.attributes["codex.thread.result"], "ok");
    assert.equal(typeof th.attributes["codex.pid"], "number");
    assert.equal(tu.attributes["codex.turn.status"], "completed");
    assert.equal(tu.attributes["gen_ai.usage.input_tokens"], 600);
    assert.equal(tu.attributes["gen_ai.usage.cache_read.input_tokens"], 300);
    assert.equal(tu.attributes["gen_ai.usage.output_tokens"], 38);
    assert.equal(cmd.attributes["codex.exit_code"], 0);
    assert.equal(cmd.attributes["codex.item.status"], "completed");
    for (const s of [th, tu, cmd, patch, msg]) {
      assert.equal(s.status.code, 0);
      const ms = s.attributes["codex.duration_ms"];
      assert.equal(typeof ms, "number");
      const wall = Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6;
      assert.ok(Math.abs(wall - (ms as number)) < 5, `${s.name}: ${wall} ms vs ${ms} ms`);
    }
    const st = telemetry.status();
    assert.equal(st.exported + st.dropped + st.queued, st.produced);
    assert.equal(st.dropped, 0);
  });

  it("a failed turn gives ERROR spans with the CLI's message", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    const codex = new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("turn_failed_status.jsonl") });
    await codex.startThread({ skipGitRepoCheck: true }).run("fail please").catch(() => undefined);
    await telemetry.flush();
    const spans = mem.finished();
    const [tu] = find(spans, "codex.turn");
    const [th] = find(spans, "invoke_agent codex");
    assert.ok(tu && th, spans.map((s) => s.name).join(", "));
    assert.equal(tu.status.code, 2);
    assert.ok((tu.status.message ?? "").length > 0);
    assert.equal(th.status.code, 2);
  });

  it("tracingDisabled in run metadata yields no spans while the thread events still flow", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    let stops = 0;
    Telemetry.attach("lv-count-stops", "codex.thread.stop", () => stops++);
    try {
      const codex = new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("thread_basic.jsonl") });
      await codex.startThread({ skipGitRepoCheck: true }).run("quiet", { metadata: { tracingDisabled: true } });
      await telemetry.flush();
      assert.equal(stops, 1);
      assert.deepEqual(mem.finished().map((s) => s.name), []);
    } finally {
      Telemetry.detach("lv-count-stops");
    }
  });

  it("traceSensitive puts the prompt on the thread span; otherwise it stays out", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    const codex = new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("thread_basic.jsonl") });
    await codex.startThread({ skipGitRepoCheck: true }).run("secret prompt A");
    await codex.startThread({ skipGitRepoCheck: true }).run("visible prompt B", { metadata: { traceSensitive: true } });
    await telemetry.flush();
    const threads = mem.finished().filter((s) => s.name === "invoke_agent codex");
    assert.equal(threads.length, 2);
    assert.equal(threads[0].attributes["codex.input"], undefined);
    assert.equal(threads[1].attributes["codex.input"], "visible prompt B");
  });

  const shapes: [string, string[]][] = [
    ["approval_required.jsonl", ["codex.approval", "execute_tool exec_command", "codex.item command_execution"]],
    ["compaction.jsonl", ["codex.turn.compaction"]],
    ["cli-0.169/mcp-tool-call.jsonl", ["execute_tool demo.echo", "codex.item mcp_tool_call"]],
    ["cli-0.169/websearch-todo.jsonl", ["execute_tool web_search", "codex.item web_search", "codex.item todo_list"]],
  ];
  for (const [fixture, expected] of shapes) {
    it(`${fixture} yields ${expected.join(", ")} under the turn`, async () => {
      const mem = telemetry.memory!;
      mem.reset();
      const codex = new Codex({ apiKey: "test", codexPathOverride: fixtureCodex(fixture) });
      await codex.startThread({ skipGitRepoCheck: true }).run("shapes").catch(() => undefined);
      await telemetry.flush();
      const spans = mem.finished();
      const [turn] = find(spans, "codex.turn");
      assert.ok(turn, spans.map((s) => s.name).join(", "));
      for (const name of expected) {
        const found = find(spans, name);
        assert.ok(found.length > 0, `${name} in ${spans.map((s) => s.name).join(", ")}`);
        for (const sp of found) assert.equal(sp.parentSpanId, turn.spanId, `${name} hangs under the turn`);
      }
      assert.equal(new Set(spans.map((s) => s.traceId)).size, 1);
    });
  }
});
