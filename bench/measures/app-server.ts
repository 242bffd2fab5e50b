// Measure: the app-server transport against exec and @openai/codex-sdk, all on the pinned real
// CLI 0.169 and the same fake Responses API (tests/support/fake-responses.ts), telemetry off.
// Row 1, a cold turn: a new Codex on app-server (spawn, initialize, thread/start, turn/start,
// close) vs one exec run vs @openai/codex-sdk's run (given the same 0.169 binary). Row 2, a warm
// turn: the next turn of a thread in a running app-server vs a cold exec run.
// Rounds: BENCH_APP_SERVER_ROUNDS (default 11); `--rounds 1` style smoke runs set it to 1.
import { Codex as OfficialCodex } from "@openai/codex-sdk";
import { Codex } from "../../mod.ts";
import { resolveCodexBinary } from "../../src/codex/process.ts";
import { loadScript, realCliOptions, startFakeResponses } from "../../tests/support/fake-responses.ts";
import { compareAsync, roundRatios, type Row } from "../harness.ts";

function rounds(): number {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const n = Number(env.BENCH_APP_SERVER_ROUNDS ?? "11");
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 11;
}

export async function benchAppServer(): Promise<Row[]> {
  const step = loadScript("message")[0];
  // Every candidate takes one model request per turn: a script long enough for all rounds.
  const server = await startFakeResponses(Array.from({ length: 4000 }, () => step));
  const setup = realCliOptions(server);
  const bin = (await resolveCodexBinary(setup.codex.env ?? {})).path;
  const n = rounds();
  const refill = (): void => server.setScript(Array.from({ length: 4000 }, () => step));
  const exec = new Codex(setup.codex);
  const official = new OfficialCodex({
    codexPathOverride: bin,
    env: setup.codex.env,
    // The same `config` object (provider, analytics, plugins off); the two SDKs type it apart.
    config: setup.codex.config as never,
  });
  const warm = new Codex({ ...setup.codex, transport: "app-server" });
  const warmThread = warm.startThread(setup.thread);
  try {
    refill();
    await warmThread.run("start the warm thread");
    const cold = await compareAsync([
      {
        name: "app-server",
        run: async () => {
          const codex = new Codex({ ...setup.codex, transport: "app-server" });
          try {
            return await codex.startThread(setup.thread).run("bench prompt");
          } finally {
            await codex.close();
          }
        },
      },
      { name: "exec", run: () => exec.startThread(setup.thread).run("bench prompt") },
      { name: "official", run: () => official.startThread(setup.thread).run("bench prompt") },
    ], n, 1);
    refill();
    const hot = await compareAsync([
      { name: "warm", run: () => warmThread.run("next turn") },
      { name: "exec", run: () => exec.startThread(setup.thread).run("bench prompt") },
    ], n, 1);
    return [
      {
        measure: "a turn, cold: app-server (spawn, initialize, thread, turn, close) vs exec vs @openai/codex-sdk, real CLI 0.169",
        ours: `app-server ${cold["app-server"].toFixed(1)} ms, exec ${cold.exec.toFixed(1)} ms`,
        versus: `@openai/codex-sdk ${cold.official.toFixed(1)} ms`,
        ratio: `app-server ${(cold["app-server"] / cold.exec).toFixed(2)}× exec, ${(cold["app-server"] / cold.official).toFixed(2)}× official; exec ${
          (cold.exec / cold.official).toFixed(2)
        }× official`,
        target: "report",
        met: null,
        note: `${n} interleaved rounds, medians`,
        value: cold["app-server"] / cold.exec,
        better: "lower",
        spread: roundRatios(cold, "app-server", "exec"),
      },
      {
        measure: "a turn, warm: the next turn in a running app-server vs a cold exec run",
        ours: `${hot.warm.toFixed(1)} ms`,
        versus: `exec ${hot.exec.toFixed(1)} ms`,
        ratio: `${(hot.warm / hot.exec).toFixed(2)}× exec`,
        target: "report",
        met: null,
        value: hot.warm / hot.exec,
        better: "lower",
        spread: roundRatios(hot, "warm", "exec"),
      },
    ];
  } finally {
    await warm.close();
    await server.close();
    setup.dispose();
  }
}
