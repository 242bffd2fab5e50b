// 200 randomized app-server runs per runtime on the scripted fixture server: four Codex instances
// (one long-lived server each, restarted when killed) run approve / decline / throw / timeout /
// interrupt / abort / kill / break scenarios with malformed lines, stray responses, unknown
// methods and child processes mixed in. Afterwards: no process left, no span open, no server
// request unanswered (counted by the server itself), no unhandled rejection.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Codex, Events } from "../../mod.ts";
import type { ApprovalAnswer, CodexExecError, Thread } from "../../mod.ts";
import { alive, waitUntil } from "../support/fake-cli.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";
import { disposeFakeAppServers, fakeAppServer, fakeTurn, readFakeLog } from "../support/app-server.ts";
import type { FakeStep } from "../support/app-server.ts";

const RUNS = 200;
const LANES = 4;
const dir = mkdtempSync(join(tmpdir(), "codex-as-random-"));
after(() => {
  disposeFakeAppServers();
  rmSync(dir, { recursive: true, force: true });
});

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

const MODES = ["approve", "decline", "throw", "timeout", "interrupt", "abort", "kill", "break"] as const;
type Mode = typeof MODES[number];
const NOISE: FakeStep[] = ["malformed", "unknown_id", "unknown_method", "message", "child"];

describe("randomized app-server runs", () => {
  it(`${RUNS} runs with approvals, interrupts, aborts and kills leave no process, span, request or rejection behind`, async () => {
    const rnd = prng(0xa95e);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    const proc = (globalThis as { process?: { on(e: string, f: (r: unknown) => void): void; off(e: string, f: (r: unknown) => void): void } }).process;
    proc?.on("unhandledRejection", onRejection);
    const cap = captureTelemetry();
    const logs = Array.from({ length: LANES }, (_, i) => join(dir, `lane-${i}.jsonl`));
    const codexes = logs.map((log) =>
      new Codex({ codexPathOverride: fakeAppServer({ log }), transport: "app-server", killGraceMs: 100, requestTimeoutMs: 5000 })
    );
    const plans = Array.from({ length: RUNS }, (_, i) => ({
      i,
      mode: pick(MODES) as Mode,
      noise: Array.from({ length: Math.floor(rnd() * 3) }, () => pick(NOISE)),
      file: rnd() < 0.3,
      deaf: rnd() < 0.3,
      reuse: rnd() < 0.4,
      hookDelay: Math.floor(rnd() * 4),
    }));
    const counts: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const wrong: string[] = [];
    const started = Date.now();

    type Plan = typeof plans[number];
    const one = async (lane: number, p: Plan, threads: Thread[], current: { plan: Plan }): Promise<void> => {
      counts[p.mode] = (counts[p.mode] ?? 0) + 1;
      current.plan = p;
      const codex = codexes[lane];
      const answer: Record<string, ApprovalAnswer> = { approve: "accept", decline: "decline" };
      // A reused thread keeps its hook: the hook reads the lane's current plan.
      const thread = p.reuse && threads.length > 0 ? threads[threads.length - 1] : codex.startThread({
        approvalTimeoutMs: 40,
        metadata: { lane },
        onApproval: async (_r, { signal }) => {
          const p = current.plan;
          if (p.mode === "throw") throw new Error("hook failed");
          if (p.mode === "timeout" || p.mode === "abort") {
            return await new Promise<ApprovalAnswer>((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("given up"))));
          }
          if (p.hookDelay > 0) await new Promise((r) => setTimeout(r, p.hookDelay));
          return answer[p.mode] ?? (rnd() < 0.5 ? "acceptForSession" : "accept");
        },
      });
      threads.push(thread);
      const approve: FakeStep = { approve: p.file ? "file" : "command" };
      const steps: FakeStep[] = [...p.noise, "message"];
      if (p.mode === "interrupt") steps.push("hang");
      else if (p.mode === "abort") steps.push(pick([approve, p.deaf ? "deaf" : "hang"] as FakeStep[]));
      else if (p.mode === "kill") steps.push({ sleep: 5000 });
      else steps.push(approve, "message");
      const ac = new AbortController();
      let outcome = "ok";
      try {
        const { events } = await thread.runStreamed(fakeTurn(...steps), { signal: ac.signal, streamDeltas: rnd() < 0.5 });
        let seen = 0;
        for await (const e of events) {
          seen++;
          if (e.type !== "item.completed" || seen < 2) continue;
          if (p.mode === "interrupt") void thread.interrupt();
          if (p.mode === "abort") setTimeout(() => ac.abort(), 5);
          if (p.mode === "kill") {
            // thread.pid: activePids() lists every instance's processes.
            const pid = thread.pid;
            try {
              if (pid !== null) process.kill(pid, "SIGKILL");
            } catch (error) {
              wrong.push(`${p.i} kill: pid ${pid} (${(error as Error).message}); alive ${alive(pid ?? -1)}`);
            }
          }
          if (p.mode === "break") break;
        }
        if (p.mode === "kill") wrong.push(`${p.i} kill: the run did not fail`);
      } catch (error) {
        outcome = (error as CodexExecError).code ?? "other";
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const expected: Record<Mode, string[]> = {
        approve: ["ok"],
        decline: ["ok"],
        throw: ["ok"],
        timeout: ["ok"],
        interrupt: ["ok"],
        abort: ["aborted"],
        kill: ["exit_nonzero"],
        break: ["ok"],
      };
      if (!expected[p.mode].includes(outcome)) wrong.push(`${p.i} ${p.mode} → ${outcome}`);
    };

    await Promise.all(codexes.map(async (_c, lane) => {
      const threads: Thread[] = [];
      const current = { plan: plans[lane] };
      for (let k = lane; k < RUNS; k += LANES) await one(lane, plans[k], threads, current);
    }));
    for (const c of codexes) await c.close();
    const elapsed = Date.now() - started;

    const problems = cap.unmatched();
    const starts = cap.named(Events.threadStart).length;
    const ends = cap.named(Events.threadStop).length + cap.named(Events.threadException).length;
    const approvals = cap.named(Events.approvalRequested).length;
    // Requests answered outside a run's fold (it had stopped reading, or no turn was in flight).
    const unread = cap.named(Events.warning).filter((e) =>
      e.md.reason === "approval_cancelled_unread" || e.md.reason === "approval_without_turn"
    ).length;
    cap.dispose();
    const entries = logs.flatMap((l) => readFakeLog(l));
    const servers = entries.filter((e) => e.start).map((e) => e.pid);
    const children = entries.filter((e) => e.child !== undefined).map((e) => e.child!);
    await waitUntil(() => [...servers, ...children].every((pid) => !alive(pid)), 3000);
    const leftServers = servers.filter(alive);
    const leftChildren = children.filter(alive);
    const sent = new Map<string, string>();
    for (const e of entries) if (e.sent !== undefined) sent.set(`${e.pid}:${e.sent}`, e.method!);
    for (const e of entries) if (e.answered !== undefined) sent.delete(`${e.pid}:${e.answered}`);
    const serverRequests = entries.filter((e) => e.sent !== undefined).length;
    await new Promise((r) => setTimeout(r, 50));
    proc?.off("unhandledRejection", onRejection);
    console.log(
      `[app-server randomized] ${RUNS} runs in ${elapsed} ms on ${servers.length} server processes; modes ${JSON.stringify(counts)}; ` +
        `outcomes ${JSON.stringify(outcomes)}; server requests ${serverRequests} (approval spans ${approvals}, cancelled unread ${unread}), unanswered ${sent.size}; ` +
        `processes left ${leftServers.length}/${servers.length}, children left ${leftChildren.length}/${children.length}; ` +
        `unmatched spans ${problems.length}; unhandled rejections ${rejections.length}`,
    );
    assert.equal(starts, RUNS);
    assert.equal(ends, RUNS);
    assert.deepEqual(problems, [], "open or unmatched spans");
    assert.deepEqual(wrong, [], "runs that ended the wrong way");
    assert.deepEqual([...sent.entries()], [], "server requests left unanswered");
    assert.equal(approvals + unread, serverRequests, "every server request shows in telemetry");
    assert.deepEqual(leftServers, [], "app-server processes left running");
    assert.deepEqual(leftChildren, [], "processes started by the server left running");
    assert.deepEqual(rejections, [], "unhandled rejections");
    for (const c of codexes) assert.deepEqual(c.activePids(), []);
  });
});
