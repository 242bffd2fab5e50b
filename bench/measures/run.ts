// Measure 7: run overhead: a fixture thread with telemetry and OTLP export on (spans built, encoded
// and POSTed to a local receiver) vs @openai/codex-sdk running the same fake CLI.
import { createServer } from "node:http";
import { Codex as OfficialCodex } from "@openai/codex-sdk";
import { Codex, configure } from "../../mod.ts";
import { fixtureCodex } from "../../tests/support/fake-cli.ts";
import { compareAsync, roundRatios, type Row } from "../harness.ts";

export async function benchRun(): Promise<Row[]> {
  let received = 0;
  const server = createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      received++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const cli = fixtureCodex("cli-0.169/cmd-and-patch.jsonl");
  const telemetry = configure({
    enabled: true,
    endpoint: `http://127.0.0.1:${port}`,
    readRuntimeEnv: false,
    warn: () => {},
  });
  const ours = new Codex({ codexPathOverride: cli, apiKey: "bench" });
  const official = new OfficialCodex({ codexPathOverride: cli, apiKey: "bench" });
  try {
    const t = await compareAsync([
      {
        name: "ours",
        // Export runs in the background, as in production (batch timer, 1 s): its cost lands on
        // the runs it overlaps, not on a flush awaited after each run.
        run: () => ours.startThread({ skipGitRepoCheck: true }).run("bench prompt"),
      },
      { name: "official", run: () => official.startThread({ skipGitRepoCheck: true }).run("bench prompt") },
    ], 31, 3);
    await telemetry.flush();
    const status = telemetry.status();
    const ratio = t.ours / t.official;
    return [{
      measure: "run overhead: fixture thread, telemetry + export on",
      ours: `${t.ours.toFixed(1)} ms (${status.exported} of ${status.produced} spans exported in ${received} requests)`,
      versus: `@openai/codex-sdk ${t.official.toFixed(1)} ms`,
      ratio: `${ratio.toFixed(3)}× its wall time`,
      target: "≤ 1.05×",
      met: ratio <= 1.05,
      value: ratio,
      better: "lower",
      goal: 1.05,
      spread: roundRatios(t, "ours", "official"),
    }];
  } finally {
    await telemetry.shutdown();
    server.close();
  }
}
