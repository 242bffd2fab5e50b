// `npm run demo`: runs a Codex thread on the bundled fake CLI (fixtures/fake-codex.mjs replaying a
// real CLI 0.169 transcript) with the default logger on, and prints the result. Runs as is with
// `node examples/demo.ts`, `bun examples/demo.ts` and `deno run -A examples/demo.ts`.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { attachDefaultLogger, Codex, configure, detachDefaultLogger } from "../mod.ts";
import type { MemoryExporter, SpanRecord } from "../mod.ts";

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const runtimeLabel = g.Deno ? "deno" : g.Bun ? "bun" : "node";

// `npm run demo -- --serve` serves the debug page instead (examples/serve.ts).
if (process.argv.includes("--serve")) {
  const { serveUntilSignal } = await import("./serve.ts");
  await serveUntilSignal(process.argv.slice(2).filter((a) => a !== "--serve"));
  process.exit(0);
}

const fixtures = resolve(fileURLToPath(new URL("../fixtures/", import.meta.url)));
const transcript = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "cli-0.169/cmd-and-patch.jsonl";

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
// Spans go to the in-memory exporter: the local verification, no collector needed.
const telemetry = configure({ env: { CODEX_OTLP_ENDPOINT: "memory://demo" }, serviceName: "codex-demo" });
try {
  const codex = new Codex({ codexPathOverride: cli });
  const thread = codex.startThread({ metadata: { source: "demo", workflow: "npm run demo" } });
  const result = await thread.run("Create hello.txt and notes.md");
  console.log(
    `\n[demo] runtime=${runtimeLabel} thread=${result.threadId} turn=${result.turnId} status=${result.status}`,
  );
  for (const item of result.items) {
    console.log(`[demo] item ${item.type} ${JSON.stringify(item).slice(0, 100)}`);
  }
  console.log(`[demo] final response: ${result.finalResponse}`);
  console.log(`[demo] usage: ${JSON.stringify(result.usage)}`);
  await telemetry.flush();
  printTree(telemetry.memory?.finished() ?? []);
  printSignals(telemetry.memory);
} finally {
  await telemetry.shutdown();
  detachDefaultLogger();
  rmSync(dir, { recursive: true, force: true });
}

/** The same run as metrics and log records (the in-memory exporter keeps all three signals). */
function printSignals(mem: MemoryExporter | undefined): void {
  if (mem === undefined) return;
  const sums = (name: string, key: string): string =>
    (mem.metric(name)?.points ?? [])
      .map((p) => `${String(p.attributes[key])}=${"sum" in p ? p.sum : p.value}`)
      .join(" ");
  console.log(`\n[demo] metrics: gen_ai.client.token.usage ${sums("gen_ai.client.token.usage", "gen_ai.token.type")}; codex.token.usage ${sums("codex.token.usage", "codex.token.type")}`);
  console.log(`[demo] metrics: gen_ai.client.operation.duration ${sums("gen_ai.client.operation.duration", "gen_ai.operation.name")} (s)`);
  const logs = mem.logs();
  console.log(`[demo] ${logs.length} log records, e.g. ${logs.slice(0, 3).map((r) => `${r.eventName} ${r.severityText} span=${r.spanId}`).join("; ")}`);
}

function printTree(spans: readonly SpanRecord[]): void {
  console.log(`\n[demo] ${spans.length} spans (in-memory exporter):`);
  const children = new Map<string | undefined, SpanRecord[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const parent = s.parentSpanId !== undefined && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const walk = (parent: string | undefined, depth: number): void => {
    const list = (children.get(parent) ?? []).sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
    for (const s of list) {
      const ms = Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6;
      const status = s.status.code === 2 ? ` ERROR ${s.status.message ?? ""}` : "";
      console.log(`[demo] ${"  ".repeat(depth)}${s.name}  ${ms.toFixed(1)} ms${status}`);
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 1);
}
