#!/usr/bin/env node
// Runs bench/main.ts on Node, Bun and Deno (one process each, one after another so that they do
// not compete for the 2 cores), prints one table per runtime and writes bench/RESULTS.md.
// Usage: npm run bench [-- --runtimes node,bun] [-- --only encode,span,emit,jsonl,pipe-rss,bundle,export,run]
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { summarize } from "./bench-summary.mjs";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : argv[i + 1];
};
const runtimes = opt("--runtimes", "node,bun,deno").split(",");
const only = opt("--only", "");
const commands = {
  node: [bin("node"), ["--expose-gc", "bench/main.ts"]],
  bun: [bin("bun"), ["bench/main.ts"]],
  deno: [bin("deno"), ["run", "-A", "--v8-flags=--expose-gc", "bench/main.ts"]],
};
const sections = [];
let missed = 0;
// One process per measure: a measure must not inherit another's heap, timers or sockets (the
// 1M-span export measure left the run-overhead measure 10% slower when they shared a process).
const measures = only ? only.split(",") : ["encode", "span", "emit", "jsonl", "pipe-rss", "bundle", "export", "run"];
for (const runtime of runtimes) {
  const [cmd, args] = commands[runtime];
  console.error(`\n=== bench on ${runtime}`);
  let name = runtime;
  const rows = [];
  for (const measure of measures) {
    const r = spawnSync(cmd, [...args, "--only", measure], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1" },
    });
    const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
    if (!line) {
      console.error(`bench ${measure} on ${runtime} failed (exit ${r.status})\n${r.stdout}`);
      rows.push({ measure, ours: "failed", versus: `exit ${r.status}`, ratio: "–", target: "–", met: false });
      continue;
    }
    const parsed = JSON.parse(line.slice("BENCH_JSON ".length));
    name = parsed.runtime;
    rows.push(...parsed.rows);
  }
  let table = `### ${name}\n\n| measure | ours | compared with | ratio | target | met |\n|---|---|---|---|---|---|\n`;
  for (const row of rows) {
    table += `| ${row.measure} | ${row.ours} | ${row.versus} | ${row.ratio} | ${row.target} | ${
      row.met === null ? "–" : row.met ? "yes" : "**no**"
    } |\n`;
    if (row.met === false) missed++;
  }
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.measure}: ${row.note}\n`).join("");
  if (notes) table += `\n${notes}`;
  sections.push(table);
  console.log(`\n${table}`);
}
const perRuntime = sections.join("\n");
const md = `# Benchmark results\n\nRun with \`npm run bench\` on ${
  new Date().toISOString().slice(0, 10)
}; ratios measured in one process per measure and runtime (interleaved rounds, medians). ✓ target met, ✗ missed.\n\n${
  summarize(perRuntime)
}\n${perRuntime}`;
if (!only) writeFileSync(join(root, "bench", "RESULTS.md"), md);
console.log(missed ? `${missed} target(s) missed` : "all targets met");
