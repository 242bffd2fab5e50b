import { after, afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Codex, detectSpawner, Events } from "../../mod.ts";
import type { CodexExecError, Spawner } from "../../mod.ts";
import { alive, disposeFixtureCodex, fixtureCodex, waitUntil } from "../support/fake-cli.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";

let cap: ReturnType<typeof captureTelemetry>;
const dir = mkdtempSync(join(tmpdir(), "codex-teardown-"));
let n = 0;
const pidFile = (): string => join(dir, `child-${++n}.pid`);

beforeEach(() => {
  cap = captureTelemetry();
});
afterEach(() => {
  const problems = cap.unmatched();
  cap.dispose();
  assert.deepEqual(problems, [], "every start has exactly one end");
});
after(() => {
  disposeFixtureCodex();
  rmSync(dir, { recursive: true, force: true });
});

function spawnedPid(): number {
  return Number(cap.named(Events.threadSpawned)[0]?.md.pid);
}

async function grandchildGone(file: string): Promise<boolean> {
  await waitUntil(() => existsSync(file) && readFileSync(file, "utf8") !== "", 3000);
  const pid = Number(readFileSync(file, "utf8"));
  return await waitUntil(() => !alive(pid), 3000);
}

describe("teardown", () => {
  it("an abort kills the CLI and the processes it started, and ends the run as aborted", async () => {
    const child = pidFile();
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { lines: 3, hang: true, childPidFile: child }),
    });
    const ac = new AbortController();
    const { events } = await codex.startThread().runStreamed("x", { signal: ac.signal });
    await assert.rejects(async () => {
      for await (const e of events) if (e.type === "item.completed") ac.abort(new Error("user cancelled"));
    }, (e: CodexExecError) => e.code === "aborted" && /user cancelled/.test(e.message));
    assert.equal(alive(spawnedPid()), false);
    assert.ok(await grandchildGone(child), "the CLI's child outlived the run");
    assert.equal(cap.named(Events.turnStop)[0].md.status, "aborted");
    const ex = cap.named(Events.threadException)[0];
    assert.equal(ex.md.result, "error");
    assert.equal((ex.md.error as { code: string }).code, "aborted");
    assert.deepEqual(codex.activePids(), []);
  });

  it("a signal that is already aborted fails before spawning", async () => {
    const codex = new Codex({ codexPathOverride: fixtureCodex("thread_basic.jsonl") });
    await assert.rejects(
      codex.startThread().run("x", { signal: AbortSignal.abort() }),
      (e: CodexExecError) => e.code === "aborted",
    );
    assert.equal(cap.named(Events.threadSpawned).length, 0);
    assert.equal(cap.named(Events.threadException).length, 1);
  });

  it("an abort kills the CLI even while the consumer is not pulling events", async () => {
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { lines: 1, hang: true }),
    });
    const ac = new AbortController();
    const { events } = await codex.startThread().runStreamed("x", { signal: ac.signal });
    const first = await events.next();
    assert.equal(first.done, false);
    const pid = spawnedPid();
    ac.abort();
    assert.ok(await waitUntil(() => !alive(pid)), "the CLI is still running");
    await assert.rejects(events.next(), (e: CodexExecError) => e.code === "aborted");
  });

  it("the inactivity timeout ends a silent CLI with a timeout error", async () => {
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { lines: 2, hang: true }),
    });
    const started = Date.now();
    await assert.rejects(
      codex.startThread({ timeoutMs: 1000 }).run("x"),
      (e: CodexExecError) => e.code === "timeout" && /1000 ms/.test(e.message),
    );
    assert.ok(Date.now() - started < 4000);
    assert.equal(alive(spawnedPid()), false);
    assert.equal(cap.named(Events.turnStop)[0].md.status, "timeout");
  });

  it("the inactivity timeout restarts on every line, so a slow but steady CLI completes", async () => {
    const codex = new Codex({ codexPathOverride: fixtureCodex("thread_basic.jsonl", { delayMs: 250 }) });
    const result = await codex.startThread().run("x", { timeoutMs: 900 });
    assert.equal(result.finalResponse, "trace ok");
  });

  it("breaking out of runStreamed kills the CLI and ends every span", async () => {
    const child = pidFile();
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { delayMs: 30, hang: true, childPidFile: child }),
    });
    const { events } = await codex.startThread().runStreamed("x");
    for await (const e of events) if (e.type === "turn.started") break;
    assert.equal(alive(spawnedPid()), false);
    assert.ok(await grandchildGone(child));
    const stop = cap.named(Events.threadStop)[0];
    assert.equal(stop.md.result, "early_exit");
    assert.equal(stop.md.reason, "consumer_stopped");
    assert.equal(cap.named(Events.turnStop)[0].md.status, "aborted");
  });

  it("Codex.stop(pid) ends a wedged run: SIGTERM, then SIGKILL after the grace period", async () => {
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { lines: 2, hang: true, ignoreTerm: true }),
      killGraceMs: 150,
    });
    const thread = codex.startThread();
    const run = thread.run("x");
    const failed = run.then(() => undefined, (e: CodexExecError) => e);
    // Once a line is out, the fake CLI has installed its SIGTERM handler.
    assert.ok(await waitUntil(() => cap.named(Events.turnStart).length === 1));
    const pid = spawnedPid();
    assert.equal(thread.pid, pid);
    const started = Date.now();
    assert.equal(await codex.stop(pid), true);
    assert.ok(Date.now() - started >= 140, "SIGKILL came before the grace period");
    assert.equal(alive(pid), false);
    assert.equal((await failed)?.code, "stopped");
    assert.equal(thread.pid, null);
    assert.equal(await codex.stop(pid), false);
    assert.equal(cap.named(Events.threadException)[0].md.signal, "SIGKILL");
  });

  it("a CLI that exits normally leaves none of its processes behind", async () => {
    const child = pidFile();
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { childPidFile: child }),
    });
    await codex.startThread().run("x");
    assert.ok(await grandchildGone(child));
  });
});

describe("host exit", () => {
  const g = globalThis as { Deno?: { execPath(): string } };
  const host = g.Deno ? [g.Deno.execPath(), "run", "-A", "--quiet"] : [process.execPath];
  const probe = join(import.meta.dirname ?? ".", "../support/runner-exit-probe.ts");
  const startHost = (mode: "exit" | "wait" | "handle") =>
    detectSpawner().spawn(
      host[0],
      [...host.slice(1), probe, fixtureCodex("thread_basic.jsonl", { lines: 1, hang: true }), mode],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" } },
    );
  const firstLine = async (stream: ReadableStream<Uint8Array>): Promise<string> => {
    const reader = stream.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    return text.trim();
  };

  it("a host that exits while a run is in flight takes the CLI's process group with it", async () => {
    const child = await startHost("exit");
    const out = await new Response(child.stdout).text();
    assert.equal((await child.exited).code, 0, child.stderrTail());
    const pid = Number(out.trim());
    assert.ok(pid > 0, out);
    assert.ok(await waitUntil(() => !alive(pid), 3000), "the CLI outlived its host");
  });

  for (const signal of ["SIGTERM", "SIGINT"]) {
    it(`a host killed by an unhandled ${signal} still dies of it, and takes the CLI's process group with it`, async () => {
      const child = await startHost("wait");
      const pid = Number(await firstLine(child.stdout));
      assert.ok(pid > 0 && alive(pid), child.stderrTail());
      child.kill(signal);
      const status = await child.exited;
      assert.equal(status.signal, signal, `host ended with ${JSON.stringify(status)}: ${child.stderrTail()}`);
      assert.ok(await waitUntil(() => !alive(pid), 3000), "the CLI outlived its host");
    });
  }

  it("a host with its own SIGTERM handler decides for itself; its exit still takes the CLI's group", async () => {
    const child = await startHost("handle");
    const pid = Number(await firstLine(child.stdout));
    assert.ok(pid > 0 && alive(pid), child.stderrTail());
    child.kill("SIGTERM");
    assert.deepEqual(await child.exited, { code: 3, signal: null }, child.stderrTail());
    assert.ok(await waitUntil(() => !alive(pid), 3000), "the CLI outlived its host");
  });

  it("leaves no signal listener behind once the runs are over", async () => {
    const counts = () => ["SIGINT", "SIGTERM", "SIGHUP"].map((s) => process.listenerCount(s));
    const before = counts();
    const codex = new Codex({ codexPathOverride: fixtureCodex("thread_basic.jsonl") });
    const { events } = await codex.startThread().runStreamed("x");
    await events.next();
    assert.deepEqual(counts(), before.map((n) => n + 1), "one listener per signal while the run is in flight");
    for await (const _ of events) { /* drain */ }
    assert.deepEqual(counts(), before);
  });
});

describe("the spawner option", () => {
  it("a stdout that errors mid-stream fails the run with stream_error, kills the CLI and ends every span", async () => {
    const real = detectSpawner();
    let pid = 0;
    const broken: Spawner = {
      name: "broken-stdout",
      async spawn(cmd, args, options) {
        const p = await real.spawn(cmd, args, options);
        pid = p.pid;
        let chunks = 0;
        const stdout = p.stdout.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              if (++chunks > 1) controller.error(new Error("pipe broke"));
              else controller.enqueue(chunk);
            },
          }),
        );
        return {
          ...p,
          pid: p.pid,
          stdout,
          stderrTail: p.stderrTail,
          exited: p.exited,
          kill: p.kill,
          get hasExited() {
            return p.hasExited;
          },
        };
      },
    };
    const codex = new Codex({
      codexPathOverride: fixtureCodex("thread_basic.jsonl", { delayMs: 20, hang: true }),
      spawner: broken,
    });
    await assert.rejects(
      codex.startThread().run("x"),
      (e: CodexExecError) => e.code === "stream_error" && /pipe broke/.test(e.message),
    );
    assert.ok(pid > 0);
    assert.equal(alive(pid), false);
    assert.equal(cap.named(Events.threadException)[0].md.result, "error");
  });
});
