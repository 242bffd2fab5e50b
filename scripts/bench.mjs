#!/usr/bin/env node
// Runs bench/main.ts on Node, Bun and Deno (one process per measure and runtime, one after another
// so that they do not compete for the 2 cores) and writes bench/RESULTS.md.
//
// Usage: npm run bench [-- --runs 3] [-- --runtimes node,bun] [-- --only encode,metrics,span,...] [-- --check]
//   --runs N   N consecutive full runs; each measure is reported as the median of the runs' medians
//              with the spread across runs and across the rounds of each run; a target counts as
//              met only when that median meets it with 10% to spare.
//   --check    one run compared with the ratios committed in bench/RESULTS.md: any measure more
//              than 15% worse is flagged and the exit code is 1 (not part of `npm test`).
//   --merge    with --only and --runs N: re-measure those measures and put their rows into the
//              saved runs (bench/results/<runtime>-run<i>.json), then rewrite bench/RESULTS.md
//              from the merged runs (its header names the re-measured ones).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
const check = argv.includes("--check");
const merge = argv.includes("--merge") && only !== "";
const runs = check ? 1 : Math.max(1, Number(opt("--runs", "1")));
const MARGIN = 1.1; // a target is met with 10% to spare
const REGRESSION = 1.15; // --check flags a measure more than 15% worse than committed
const commands = {
  node: [bin("node"), ["--expose-gc", "bench/main.ts"]],
  bun: [bin("bun"), ["bench/main.ts"]],
  deno: [bin("deno"), ["run", "-A", "--v8-flags=--expose-gc", "bench/main.ts"]],
};
// One process per measure: a measure must not inherit another's heap, timers or sockets (the
// 1M-span export measure left the run-overhead measure 10% slower when they shared a process).
const measures = only
  ? only.split(",")
  : spawnSync(bin("node"), ["bench/main.ts", "--list"], { cwd: root, encoding: "utf8" }).stdout.trim().split("\n");

/** One full run on one runtime: its rows. */
function runOnce(runtime) {
  const [cmd, args] = commands[runtime];
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
  derive(rows);
  return { name, rows };
}

/** Rows computed from two others of the same run. */
function derive(rows) {
  const decoder = rows.find((r) => r.measure.startsWith("JSONL RSS over"));
  const pipe = rows.find((r) => r.measure.startsWith("RSS reading the same 1 GB"));
  if (decoder?.value !== undefined && pipe?.value !== undefined) {
    const beyond = decoder.value - pipe.value;
    rows.splice(rows.indexOf(pipe) + 1, 0, {
      measure: "JSONL RSS over 1 GB beyond the pipe read alone (same run, each cold)",
      ours: `${beyond >= 0 ? "+" : ""}${beyond.toFixed(1)} MB`,
      versus: `decoder +${decoder.value.toFixed(1)} MB, pipe alone +${pipe.value.toFixed(1)} MB`,
      ratio: "–",
      target: "≤ 20 MB",
      met: beyond <= 20,
      value: beyond,
      better: "lower",
      goal: 20,
    });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const meets = (v, goal, better, factor = 1) => (better === "higher" ? v >= goal * factor : v <= goal / factor);

/** Combines N runs of one runtime: per measure, the median value, the runs' spread, the rounds' spread. */
function aggregate(all) {
  const first = all[0].rows;
  return first.map((row) => {
    const same = all.map((r) => r.rows.find((x) => x.measure === row.measure)).filter(Boolean);
    const values = same.map((r) => r.value).filter((v) => typeof v === "number" && Number.isFinite(v));
    if (values.length === 0 || row.value === undefined) return { ...row, runs: same.length };
    const med = median(values);
    const rounds = same.map((r) => r.spread).filter(Boolean);
    const out = {
      ...row,
      value: med,
      runValues: values,
      roundMin: rounds.length ? Math.min(...rounds.map((s) => s[0])) : undefined,
      roundMax: rounds.length ? Math.max(...rounds.map((s) => s[1])) : undefined,
    };
    // The texts are the first run's: show the median where they print the value.
    const near = (text) => {
      const n = parseFloat(String(text).replace(/^\+/, ""));
      return Number.isFinite(n) && Math.abs(n - row.value) <= Math.max(0.01, Math.abs(row.value) * 0.01);
    };
    const put = (text) => String(text).replace(/^(\+?)-?[\d.]+/, (_, plus) => `${med >= 0 ? plus : ""}${fmt(med)}`);
    if (runs > 1 && near(row.ratio)) out.ratio = put(row.ratio);
    else if (runs > 1 && near(row.ours)) out.ours = put(row.ours);
    if (row.goal !== undefined) {
      out.met = meets(med, row.goal, row.better);
      out.margin = meets(med, row.goal, row.better, MARGIN);
    }
    return out;
  });
}

function table(name, rows) {
  let t = `### ${name}\n\n| measure | ours | compared with | ratio | target | met |` +
    (runs > 1 ? " runs (min / median / max) | rounds (min–max) |" : " rounds (min–max) |") + "\n" +
    `|---|---|---|---|---|---|${runs > 1 ? "---|---|" : "---|"}\n`;
  for (const row of rows) {
    const met = row.met === null || row.met === undefined
      ? "–"
      : row.met
      ? row.margin === false ? "yes, < 10% to spare" : "yes"
      : "**no**";
    const runsCell = row.runValues ? `${fmt(Math.min(...row.runValues))} / ${fmt(row.value)} / ${fmt(Math.max(...row.runValues))}` : "–";
    const roundsCell = row.roundMin !== undefined
      ? `${fmt(row.roundMin)}–${fmt(row.roundMax)}`
      : row.spread
      ? `${fmt(row.spread[0])}–${fmt(row.spread[1])}`
      : "–";
    t += `| ${row.measure} | ${row.ours} | ${row.versus} | ${row.ratio} | ${row.target} | ${met} |` +
      (runs > 1 ? ` ${runsCell} | ${roundsCell} |` : ` ${roundsCell} |`) + "\n";
  }
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.measure}: ${row.note}\n`).join("");
  if (notes) t += `\n${notes}`;
  return t;
}

/** The committed figures: the JSON block at the end of bench/RESULTS.md. */
function committed() {
  const md = readFileSync(join(root, "bench", "RESULTS.md"), "utf8");
  const m = md.match(/<!-- bench-data\n([\s\S]*?)\n-->/);
  return m ? JSON.parse(m[1]) : undefined;
}

const sections = [];
const data = {};
let missed = 0;
let thin = 0;
const regressions = [];
const baseline = check ? committed() : undefined;
if (check && baseline === undefined) {
  console.error("bench --check: bench/RESULTS.md has no bench-data block; run `npm run bench -- --runs 3` first");
  process.exit(2);
}
for (const runtime of runtimes) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    console.error(`\n=== bench on ${runtime}${runs > 1 ? `, run ${i + 1} of ${runs}` : ""}`);
    let r = runOnce(runtime);
    if (merge) {
      // The saved run of the same index keeps its other measures; these rows replace theirs.
      const saved = JSON.parse(readFileSync(join(root, "bench", "results", `${runtime}-run${i + 1}.json`), "utf8"));
      const fresh = new Map(r.rows.map((row) => [row.measure, row]));
      const rows = saved.rows.map((row) => fresh.get(row.measure) ?? row);
      for (const row of r.rows) if (!saved.rows.some((x) => x.measure === row.measure)) rows.push(row);
      r = { name: saved.name, rows };
    }
    all.push(r);
    if (runs > 1) {
      mkdirSync(join(root, "bench", "results"), { recursive: true });
      writeFileSync(join(root, "bench", "results", `${runtime}-run${i + 1}.json`), JSON.stringify(r, null, 1));
    }
  }
  const name = all[0].name;
  const rows = aggregate(all);
  data[runtime] = Object.fromEntries(
    rows.filter((r) => typeof r.value === "number" && Number.isFinite(r.value)).map((r) => [r.measure, { value: r.value, better: r.better }]),
  );
  for (const row of rows) {
    if (row.met === false) missed++;
    else if (row.margin === false) thin++;
    const was = baseline?.[runtime]?.[row.measure];
    if (was !== undefined && typeof row.value === "number" && row.better !== undefined) {
      const worse = row.better === "higher" ? was.value / row.value : row.value / was.value;
      // Sizes and MB near zero: compare absolute differences instead of ratios of tiny numbers.
      const tiny = Math.abs(was.value) < 1 && row.measure.includes("RSS");
      if (!tiny && worse > REGRESSION) {
        regressions.push(`${runtime}: ${row.measure}: ${fmt(row.value)} vs committed ${fmt(was.value)} (${((worse - 1) * 100).toFixed(0)}% worse)`);
      }
    }
  }
  const t = table(name, rows);
  sections.push(t);
  console.log(`\n${t}`);
}
if (check) {
  if (regressions.length > 0) {
    console.log(`\n${regressions.length} measure(s) more than 15% worse than bench/RESULTS.md:\n${regressions.join("\n")}`);
    process.exit(1);
  }
  console.log("\nno measure more than 15% worse than bench/RESULTS.md");
  process.exit(0);
}
const perRuntime = sections.join("\n");
const how = merge
  ? `${runs} consecutive full runs, with ${only} re-measured afterwards in ${runs} runs of their own and merged into them (--merge)`
  : runs > 1
  ? `${runs} consecutive full runs; each figure is the median of the runs' medians (each run: one process per measure and runtime, interleaved rounds, medians), with the runs' min / median / max and the rounds' min–max beside it`
  : "one run; ratios measured in one process per measure and runtime (interleaved rounds, medians)";
const md = `# Benchmark results\n\nRun with \`npm run bench${runs > 1 ? ` -- --runs ${runs}` : ""}\` on ${
  new Date().toISOString().slice(0, 10)
}; ${how}. ✓ target met with at least 10% to spare, ✓− met with less, ✗ missed. \`npm run bench -- --check\` compares a run with the figures below.\n\n${
  summarize(perRuntime)
}\n${perRuntime}\n<!-- bench-data\n${JSON.stringify(data)}\n-->\n`;
if ((!only || merge) && runtimes.length === 3) writeFileSync(join(root, "bench", "RESULTS.md"), md);
console.log(missed ? `${missed} target(s) missed` : thin ? `all targets met, ${thin} with less than 10% to spare` : "all targets met with 10% to spare");
