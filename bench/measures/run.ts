// Measure 7: run overhead: a fixture thread with telemetry and OTLP export on (spans, metrics and
// log records built, encoded and POSTed to a local receiver) vs @openai/codex-sdk running the same
// fake CLI. The receiver runs as its own process, as a collector does: in this process it took
// event-loop time from the runs it overlapped (measured: ≈ 1 point of the ratio on Node).
import process from "node:process";
import { Codex as OfficialCodex } from "@openai/codex-sdk";
import { Codex, configure } from "../../mod.ts";
import { fixtureCodex } from "../../tests/support/fake-cli.ts";
import { compareAsync, roundRatios, type Row } from "../harness.ts";
import { startReceiver } from "../receiver-client.ts";

// 61 interleaved rounds: each run is ~30-60 ms of child process, and its per-round spread is wide.
const ROUNDS = 61;
const WARMUPS = 3;

export async function benchRun(): Promise<Row[]> {
  const receiver = await startReceiver();
  const cli = fixtureCodex("cli-0.169/cmd-and-patch.jsonl");
  const telemetry = configure({
    enabled: true,
    endpoint: `http://127.0.0.1:${receiver.port}`,
    readRuntimeEnv: false,
    warn: () => {},
  });
  const ours = new Codex({ codexPathOverride: cli, apiKey: "bench" });
  const official = new OfficialCodex({ codexPathOverride: cli, apiKey: "bench" });
  // This process's CPU time (user + system) per run, each candidate's runs summed: what the SDK
  // itself costs, which the wall time mostly hides behind the child.
  // The warm-up runs (the first WARMUPS of each candidate) are left out, as from the wall time.
  const cpu: Record<string, number> = { ours: 0, official: 0 };
  const runs: Record<string, number> = { ours: 0, official: 0 };
  const calls: Record<string, number> = { ours: 0, official: 0 };
  const timed = (name: string, run: () => Promise<unknown>) => async (): Promise<void> => {
    const u0 = process.cpuUsage();
    await run();
    const u = process.cpuUsage(u0);
    if (++calls[name] <= WARMUPS) return;
    cpu[name] += (u.user + u.system) / 1000;
    runs[name]++;
  };
  try {
    const t = await compareAsync([
      {
        name: "ours",
        // Export runs in the background, as in production (batch timer, 1 s): its cost lands on
        // the runs it overlaps, not on a flush awaited after each run.
        run: timed("ours", () => ours.startThread({ skipGitRepoCheck: true }).run("bench prompt")),
      },
      {
        name: "official",
        run: timed("official", () => official.startThread({ skipGitRepoCheck: true }).run("bench prompt")),
      },
    ], ROUNDS, WARMUPS);
    await telemetry.flush();
    const status = telemetry.status();
    const { requests } = await receiver.counts();
    const ratio = t.ours / t.official;
    const cpuOurs = cpu.ours / runs.ours;
    const cpuOfficial = cpu.official / runs.official;
    return [{
      measure: "run overhead: fixture thread, telemetry + export on",
      ours: `${t.ours.toFixed(1)} ms (${status.exported} of ${status.produced} spans exported; ${requests} requests for the three signals)`,
      versus: `@openai/codex-sdk ${t.official.toFixed(1)} ms`,
      ratio: `${ratio.toFixed(3)}× its wall time`,
      target: "≤ 1.05×",
      met: ratio <= 1.05,
      value: ratio,
      better: "lower",
      goal: 1.05,
      spread: roundRatios(t, "ours", "official"),
    }, {
      measure: "run CPU: this process's CPU time per fixture run, telemetry + export on",
      ours: `${cpuOurs.toFixed(2)} ms`,
      versus: `@openai/codex-sdk ${cpuOfficial.toFixed(2)} ms`,
      ratio: `+${(cpuOurs - cpuOfficial).toFixed(2)} ms per run`,
      target: "report",
      met: null,
      value: cpuOurs - cpuOfficial,
      better: "lower",
    }];
  } finally {
    await telemetry.shutdown();
    receiver.stop();
  }
}
