// `npm run demo`: runs a Codex thread on the bundled fake CLI (fixtures/fake-codex.mjs replaying a
// real CLI 0.169 transcript) with the default logger on, and prints the result. Runs as is with
// `node examples/demo.ts`, `bun examples/demo.ts` and `deno run -A examples/demo.ts`.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { attachDefaultLogger, Codex, detachDefaultLogger, runtimeName } from "../mod.ts";

const fixtures = resolve(fileURLToPath(new URL("../fixtures/", import.meta.url)));
const transcript = process.argv[2] ?? "cli-0.169/cmd-and-patch.jsonl";

// The fake CLI runs on whichever runtime runs this demo, so no `node` on PATH is needed.
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const runtime = deno
  ? [deno.execPath(), "run", "-A", "--quiet", "--no-config", "--no-lock"]
  : [process.execPath];
const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const dir = mkdtempSync(join(tmpdir(), "codex-demo-"));
const cli = join(dir, "codex");
writeFileSync(
  cli,
  `#!/bin/sh\nexport FAKE_CODEX_FIXTURE=${q(join(fixtures, transcript))}\nexport FAKE_CODEX_DELAY_MS=15\n` +
    `exec ${runtime.map(q).join(" ")} ${q(join(fixtures, "fake-codex.mjs"))} "$@"\n`,
);
chmodSync(cli, 0o755);

attachDefaultLogger({ verbose: true, level: "debug" });
try {
  const codex = new Codex({ codexPathOverride: cli });
  const thread = codex.startThread({ metadata: { source: "demo", workflow: "npm run demo" } });
  const result = await thread.run("Create hello.txt and notes.md");
  console.log(
    `\n[demo] runtime=${runtimeName()} thread=${result.threadId} turn=${result.turnId} status=${result.status}`,
  );
  for (const item of result.items) {
    console.log(`[demo] item ${item.type} ${JSON.stringify(item).slice(0, 100)}`);
  }
  console.log(`[demo] final response: ${result.finalResponse}`);
  console.log(`[demo] usage: ${JSON.stringify(result.usage)}`);
} finally {
  detachDefaultLogger();
  rmSync(dir, { recursive: true, force: true });
}
