import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Codex, Events } from "../../mod.ts";
import type { CodexExecError } from "../../mod.ts";
import { alive, disposeFixtureCodex, fixtureCodex, waitUntil } from "../support/fake-cli.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";

const RUNS = 200;
const CONCURRENCY = 4;
const dir = mkdtempSync(join(tmpdir(), "codex-random-"));
after(() => {
  disposeFixtureCodex();
  rmSync(dir, { recursive: true, force: true });
});

// Deterministic: the same 200 scenarios on every runtime and every CI run.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIXTURES = [
  "thread_basic.jsonl",
  "progress_no_ids.jsonl",
  "approval_required.jsonl",
  "compaction.jsonl",
  "malformed_line.jsonl",
  "rate_limit.jsonl",
  "cli-0.169/cmd-and-patch.jsonl",
  "cli-0.169/websearch-todo.jsonl",
];
const MODES = ["complete", "abort", "timeout", "exit_code", "signal", "break", "stop"] as const;
type Mode = typeof MODES[number];

describe("randomized runs", () => {
  it(`${RUNS} runs with random abort, timeout, exit code, signal and early break leave no process and no open span`, async () => {
    const rnd = prng(0xc0de);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const cap = captureTelemetry();
    const childFiles: string[] = [];
    const counts: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const slow: string[] = [];
    const plans = Array.from({ length: RUNS }, (_, i) => ({
      i,
      fixture: pick(FIXTURES),
      mode: pick(MODES) as Mode,
      delayMs: Math.floor(rnd() * 8),
      after: 1 + Math.floor(rnd() * 2),
      exitCode: 1 + Math.floor(rnd() * 3),
      signal: pick(["SIGKILL", "SIGTERM"]),
      withChild: rnd() < 0.25,
    }));
    const started = Date.now();
    const one = async (p: typeof plans[number]): Promise<void> => {
      counts[p.mode] = (counts[p.mode] ?? 0) + 1;
      const childPidFile = p.withChild ? join(dir, `child-${p.i}.pid`) : undefined;
      if (childPidFile) childFiles.push(childPidFile);
      const hang = p.mode === "timeout" || p.mode === "stop" || (p.mode === "abort" && p.i % 2 === 0);
      const codex = new Codex({
        codexPathOverride: fixtureCodex(p.fixture, {
          delayMs: p.delayMs,
          lines: hang || p.mode === "signal" ? p.after : undefined,
          hang,
          exitCode: p.mode === "exit_code" ? p.exitCode : undefined,
          signal: p.mode === "signal" ? p.signal : undefined,
          childPidFile,
        }),
        killGraceMs: 200,
      });
      const ac = new AbortController();
      const thread = codex.startThread({
        timeoutMs: p.mode === "timeout" ? 150 : 10_000,
        metadata: { run: p.i },
      });
      const pidOfRun = (): number =>
        Number(cap.named(Events.threadSpawned).find((x) => x.md.run === p.i)?.md.pid ?? -1);
      let seen = 0;
      let outcome = "ok";
      try {
        const { events } = await thread.runStreamed("go", { signal: ac.signal });
        for await (const _event of events) {
          seen++;
          if (p.mode === "abort" && seen === p.after) ac.abort();
          if (p.mode === "break" && seen === p.after) break;
          if (p.mode === "stop" && seen === p.after) void codex.stop(pidOfRun());
        }
      } catch (error) {
        outcome = (error as CodexExecError).code ?? "other";
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === "timeout" && p.mode !== "timeout") {
        slow.push(`${p.mode}/${p.fixture}/${p.signal}/${p.after}`);
      }
    };
    const queue = [...plans];
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) await one(p);
    }));
    const elapsed = Date.now() - started;
    const problems = cap.unmatched();
    const threadStarts = cap.named(Events.threadStart).length;
    const threadEnds = cap.named(Events.threadStop).length + cap.named(Events.threadException).length;
    const spawnedPids = cap.named(Events.threadSpawned).map((e) => Number(e.md.pid));
    cap.dispose();
    assert.equal(threadStarts, RUNS);
    assert.equal(threadEnds, RUNS);
    assert.deepEqual(problems, [], "unmatched start/end events");
    const leftCli = spawnedPids.filter((pid) => alive(pid));
    const grandchildren = childFiles.filter((f) => existsSync(f)).map((f) => Number(readFileSync(f, "utf8")))
      .filter((x) => x > 0);
    await waitUntil(() => grandchildren.every((pid) => !alive(pid)), 2000);
    const leftChildren = grandchildren.filter((pid) => alive(pid));
    console.log(
      `[randomized-runs] ${RUNS} runs in ${elapsed} ms; modes ${JSON.stringify(counts)}; outcomes ${
        JSON.stringify(outcomes)
      }; ` +
        `CLI processes left ${leftCli.length}/${spawnedPids.length}; CLI children left ${leftChildren.length}/${grandchildren.length}; unmatched starts ${problems.length}`,
    );
    assert.deepEqual(slow, [], "runs that should have ended by themselves hit the inactivity timeout");
    assert.deepEqual(leftCli, [], "CLI processes left running");
    assert.deepEqual(leftChildren, [], "processes started by the CLI left running");
    assert.deepEqual(new Codex().activePids(), []);
  });
});
