// The JSON-RPC connection on its own (src/app-server/rpc.ts), over an in-memory line pipe: calls
// and their deadlines, server requests always answered, problems reported, close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { INTERNAL_ERROR, RpcConnection, RpcError } from "../../src/app-server/rpc.ts";
import type { RpcHandlers, RpcProblem } from "../../src/app-server/rpc.ts";
import { CodexExecError } from "../../src/base/errors.ts";
import { MalformedLine } from "../../src/jsonl/decoder.ts";

const enc = new TextEncoder();

function pipe(handlers: Partial<RpcHandlers> = {}): {
  rpc: RpcConnection;
  sent: Record<string, unknown>[];
  problems: RpcProblem[];
  feed(text: string): void;
  failWrites(): void;
} {
  const sent: Record<string, unknown>[] = [];
  const problems: RpcProblem[] = [];
  let broken = false;
  const rpc = new RpcConnection(
    (line) => {
      if (broken) return Promise.reject(Object.assign(new Error("stdin closed"), { code: "EPIPE" }));
      sent.push(JSON.parse(line));
      return Promise.resolve();
    },
    {
      notification: handlers.notification ?? (() => {}),
      request: handlers.request ?? (() => Promise.resolve({})),
      problem: (p) => {
        problems.push(p);
        handlers.problem?.(p);
      },
    },
  );
  return { rpc, sent, problems, feed: (t) => rpc.receive(enc.encode(t)), failWrites: () => (broken = true) };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe("RpcConnection", () => {
  it("call() resolves with the result, carries the trace envelope, and rejects an error response with rpc_error", async () => {
    const p = pipe();
    const ok = p.rpc.call("thread/start", { a: 1 }, { trace: { traceparent: "00-1-2-01" } });
    const bad = p.rpc.call("turn/start", {});
    assert.deepEqual(p.sent[0], { id: 1, method: "thread/start", params: { a: 1 }, trace: { traceparent: "00-1-2-01" } });
    // Split across chunks, CRLF, responses out of order.
    p.feed('{"id":2,"error":{"code":-32600,"message":"missing field `threadId`"}}\r\n{"id":1,"res');
    p.feed('ult":{"thread":{"id":"t1"}}}\n');
    assert.deepEqual(await ok, { thread: { id: "t1" } });
    await assert.rejects(bad, (e: CodexExecError) => {
      assert.equal(e.code, "rpc_error");
      assert.match(e.message, /rejected turn\/start: missing field `threadId` \(JSON-RPC -32600\)/);
      assert.equal((e.cause as RpcError).rpcCode, -32600);
      return true;
    });
    assert.equal(p.rpc.pendingCalls, 0);
  });

  it("a call past its deadline fails alone; its late response is reported as an unknown id", async () => {
    const p = pipe();
    const slow = p.rpc.call("turn/steer", {}, { timeoutMs: 30 });
    const other = p.rpc.call("turn/start", {});
    await assert.rejects(slow, (e: CodexExecError) => e.code === "rpc_timeout" && /turn\/steer within 30 ms/.test(e.message));
    p.feed('{"id":1,"result":{}}\n{"id":2,"result":{"turn":{"id":"x"}}}\n');
    assert.deepEqual(await other, { turn: { id: "x" } });
    assert.equal(p.problems.length, 1);
    assert.equal(p.problems[0].kind, "unknown_response");
  });

  it("every server request is answered: the result, an RpcError as is, anything else as -32603", async () => {
    const p = pipe({
      request: (method) => {
        if (method === "ok") return Promise.resolve({ decision: "accept" });
        if (method === "refused") return Promise.reject(new RpcError(-32601, "not supported"));
        if (method === "sync-throw") throw new Error("boom");
        return Promise.reject(new Error("handler failed"));
      },
    });
    p.feed('{"id":0,"method":"ok","params":{}}\n{"id":"s1","method":"refused"}\n{"id":7,"method":"sync-throw"}\n{"id":8,"method":"async-throw"}\n');
    await tick();
    await tick();
    assert.deepEqual(p.sent, [
      { id: 0, result: { decision: "accept" } },
      { id: "s1", error: { code: -32601, message: "not supported" } },
      { id: 7, error: { code: INTERNAL_ERROR, message: "boom" } },
      { id: 8, error: { code: INTERNAL_ERROR, message: "handler failed" } },
    ]);
    assert.deepEqual({ ...p.rpc.stats }, { calls: 0, serverRequests: 4, answered: 4, abandoned: 0 });
    assert.equal(p.rpc.openServerRequests, 0);
  });

  it("a line that is not JSON, a message that is not JSON-RPC and an unreadable notification are problems; the stream goes on", () => {
    const seen: string[] = [];
    const p = pipe({
      notification: (method, params) => {
        if (method === "bad") throw new TypeError((params as { x: { y: number } }).x.y.toString());
        seen.push(method);
      },
    });
    p.feed('not json\n[1,2]\n{"nothing":true}\n{"id":{},"method":"weird-id"}\n{"method":"bad"}\n{"method":"turn/started","params":{}}\n');
    assert.deepEqual(p.problems.map((x) => x.kind), ["malformed", "invalid", "invalid", "invalid", "invalid"]);
    assert.ok(p.problems[0].kind === "malformed" && p.problems[0].line instanceof MalformedLine);
    assert.deepEqual(seen, ["turn/started"]);
  });

  it("close() rejects every pending call with its error, later calls too; answers after it are abandoned", async () => {
    let answer!: (v: unknown) => void;
    const p = pipe({ request: () => new Promise((r) => (answer = r)) });
    const a = p.rpc.call("a", {});
    const b = p.rpc.call("b", {}, { timeoutMs: 10_000 });
    p.feed('{"id":0,"method":"item/commandExecution/requestApproval","params":{}}\n');
    const error = new CodexExecError("exit_nonzero", "the Codex app-server exited with code 1");
    p.rpc.close(error);
    await assert.rejects(a, (e) => e === error);
    await assert.rejects(b, (e) => e === error);
    await assert.rejects(p.rpc.call("c", {}), (e) => e === error);
    answer({ decision: "decline" });
    await tick();
    assert.equal(p.sent.filter((m) => "result" in m).length, 0);
    assert.deepEqual({ ...p.rpc.stats }, { calls: 2, serverRequests: 1, answered: 0, abandoned: 1 });
  });

  it("a write that fails rejects its call with closed", async () => {
    const p = pipe();
    p.failWrites();
    await assert.rejects(p.rpc.call("turn/start", {}), (e: CodexExecError) => e.code === "closed" && /stdin closed/.test(e.message));
    assert.equal(p.rpc.pendingCalls, 0);
  });
});
