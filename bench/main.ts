// Benchmark entry: runs every measure on the current runtime and prints one BENCH_JSON line.
// Measures: encode, metrics, span, emit, jsonl, pipe-rss, bundle, export, run, app-server (select with --only a,b).
import { runtimeName, type Row } from "./harness.ts";
import { benchEmit } from "./measures/emit.ts";
import { benchEncode } from "./measures/encode.ts";
import { benchMetrics } from "./measures/metrics.ts";
import { benchSpan } from "./measures/span.ts";
import { benchJsonl, benchPipeRss } from "./measures/jsonl.ts";
import { benchBundle } from "./measures/bundle.ts";
import { benchExport } from "./measures/export.ts";
import { benchRun } from "./measures/run.ts";
import { benchAppServer } from "./measures/app-server.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const i = args.indexOf("--only");
const only = i === -1 ? null : new Set(args[i + 1].split(","));
const want = (name: string): boolean => only === null || only.has(name);

const rows: Row[] = [];
const steps: [string, () => Row[] | Promise<Row[]>][] = [
  ["encode", benchEncode],
  ["metrics", benchMetrics],
  ["span", benchSpan],
  ["emit", () => benchEmit()],
  ["jsonl", benchJsonl],
  ["pipe-rss", benchPipeRss],
  ["bundle", benchBundle],
  ["export", benchExport],
  ["run", benchRun],
  ["app-server", benchAppServer],
];
if (args.includes("--list")) {
  console.log(steps.map(([name]) => name).join("\n"));
} else await runSteps();

async function runSteps(): Promise<void> {
for (const [name, fn] of steps) {
  if (!want(name)) continue;
  console.error(`${runtimeName()}: ${name}...`);
  try {
    rows.push(...await fn());
  } catch (error) {
    rows.push({
      measure: name,
      ours: "failed",
      versus: String(error instanceof Error ? error.message : error).slice(0, 200),
      ratio: "–",
      target: "–",
      met: false,
    });
  }
}
console.log(`BENCH_JSON ${JSON.stringify({ runtime: runtimeName(), rows })}`);
}
