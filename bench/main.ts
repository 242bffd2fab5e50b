// Benchmark entry: runs every measure on the current runtime and prints one BENCH_JSON line.
import { runtimeName, type Row } from "./harness.ts";
import { benchEmit } from "./measures/emit.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const i = args.indexOf("--only");
const only = i === -1 ? null : new Set(args[i + 1].split(","));
const want = (name: string): boolean => only === null || only.has(name);

const rows: Row[] = [];
const log = (s: string): void => console.error(s);
if (want("emit")) {
  log("emit...");
  rows.push(...benchEmit());
}
console.log(`BENCH_JSON ${JSON.stringify({ runtime: runtimeName(), rows })}`);
