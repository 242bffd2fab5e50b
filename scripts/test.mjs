#!/usr/bin/env node
// Runs the one test suite under Node's test runner, `bun test` and `deno test`, then the static
// checks, and prints per-runtime counts and the closing line `N passed, N failed`.
// Usage: npm test [-- --runtimes node,bun] [-- file filters...]
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const args = process.argv.slice(2);
let runtimes = (process.env.TEST_RUNTIMES ?? "node,bun,deno").split(",").filter(Boolean);
const ri = args.indexOf("--runtimes");
if (ri !== -1) {
  runtimes = args[ri + 1].split(",");
  args.splice(ri, 2);
}
const skipChecks = args.includes("--no-checks") || process.env.TEST_NO_CHECKS === "1";
const filters = args.filter((a) => !a.startsWith("--"));

function listTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTests(p));
    else if (entry.name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}
const files = listTests(join(root, "tests"))
  .map((f) => f.slice(root.length + 1))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));

function run(cmd, argv, env = {}) {
  return new Promise((done) => {
    const started = Date.now();
    let out = "";
    const child = spawn(cmd, argv, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onData = (stream) => (chunk) => {
      out += chunk;
      stream.write(chunk);
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    child.on("error", (error) => {
      out += String(error);
      done({ code: 127, out, seconds: (Date.now() - started) / 1000 });
    });
    child.on("close", (code, signal) =>
      done({
        code: code ?? (signal ? 128 : 1),
        // deno colours its summary even with NO_COLOR when FORCE_COLOR is set: strip ANSI codes
        out: out.replace(/\x1b\[[0-9;]*m/g, ""),
        seconds: (Date.now() - started) / 1000,
      }));
  });
}

const results = [];
const num = (re, text) => {
  let m, last;
  const g = new RegExp(re, "gm");
  while ((m = g.exec(text))) last = m;
  return last ? Number(last[1]) : undefined;
};

if (!skipChecks && filters.length === 0) {
  const checks = [
    ["tsc", [bin("tsc"), ["-p", "tsconfig.tests.json"]]],
    ["tsc edge (no runtime types)", [bin("tsc"), ["-p", "tsconfig.edge.json"]]],
    ["deno check --doc (JSDoc examples too)", [bin("deno"), ["check", "--quiet", "--doc", "mod.ts", "export.ts", "src/"]]],
    ["deno lint", [bin("deno"), ["lint", "--quiet"]]],
    // Every public symbol documented. The ./hono entry is left out: its return type is Hono's own
    // class, whose generic defaults deno doc reports as private types of the hono package.
    ["deno doc --lint", [bin("deno"), ["doc", "--lint", "mod.ts", "export.ts", "src/runtime/node/mod.ts", "src/runtime/bun/mod.ts", "src/runtime/deno/mod.ts"]]],
  ];
  let passed = 0, failed = 0;
  for (const [name, [cmd, argv]] of checks) {
    console.log(`\n=== check: ${name}`);
    const r = await run(cmd, argv);
    if (r.code === 0) passed++;
    else {
      failed++;
      console.log(`check failed: ${name} (exit ${r.code})`);
    }
  }
  results.push({ runtime: "checks", passed, failed, skipped: 0, code: failed ? 1 : 0 });
}

for (const runtime of runtimes) {
  console.log(`\n=== ${runtime}: ${files.length} test files`);
  let r, passed, failed, skipped;
  if (runtime === "node") {
    r = await run(bin("node"), ["--test", "--test-reporter=spec", "--test-concurrency=2", ...files], {
      CODEX_TEST_RUNTIME: "node",
    });
    passed = num("^ℹ pass (\\d+)", r.out);
    failed = (num("^ℹ fail (\\d+)", r.out) ?? 0) + (num("^ℹ cancelled (\\d+)", r.out) ?? 0);
    skipped = num("^ℹ skipped (\\d+)", r.out) ?? 0;
  } else if (runtime === "bun") {
    r = await run(bin("bun"), ["test", "--timeout", "180000", ...files.map((f) => `./${f}`)], {
      CODEX_TEST_RUNTIME: "bun",
    });
    passed = num("^\\s*(\\d+) pass$", r.out);
    failed = num("^\\s*(\\d+) fail$", r.out) ?? 0;
    skipped = num("^\\s*(\\d+) skip$", r.out) ?? 0;
  } else if (runtime === "deno") {
    r = await run(bin("deno"), ["test", "-A", "--no-check", ...files], { CODEX_TEST_RUNTIME: "deno" });
    // Deno counts describe() blocks as tests and it() blocks as steps: report the steps.
    const line = r.out.split("\n").reverse().find((l) => /^(ok|FAILED) \| \d+ passed/.test(l)) ?? "";
    const steps = line.match(/(\d+) passed \((\d+) steps?\) \| (\d+) failed(?: \((\d+) steps?\))?/);
    if (steps) {
      passed = Number(steps[2]);
      failed = Number(steps[4] ?? steps[3]);
    } else {
      passed = num("(\\d+) passed", line);
      failed = num("(\\d+) failed", line) ?? 0;
    }
    // "0 ignored (1 step)": skipped steps are reported as ignored steps
    const ignored = line.match(/(\d+) ignored(?: \((\d+) steps?\))?/);
    skipped = ignored ? Number(ignored[2] ?? ignored[1]) : 0;
  } else {
    console.error(`unknown runtime ${runtime}`);
    process.exit(2);
  }
  if (passed === undefined) {
    passed = 0;
    failed = Math.max(failed ?? 0, 1);
  }
  if (r.code !== 0 && failed === 0) failed = 1; // a crashed runner is a failure even without a count
  results.push({ runtime, passed, failed, skipped, code: r.code, seconds: r.seconds });
}

console.log("\n=== summary");
let totalPassed = 0, totalFailed = 0, totalSkipped = 0;
for (const r of results) {
  totalPassed += r.passed;
  totalFailed += r.failed;
  totalSkipped += r.skipped;
  console.log(
    `${r.runtime.padEnd(7)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${
      String(r.skipped).padStart(3)
    } skipped  exit ${r.code}${r.seconds ? `  ${r.seconds.toFixed(1)}s` : ""}`,
  );
}
console.log(`${totalPassed} passed, ${totalFailed} failed${totalSkipped ? `, ${totalSkipped} skipped` : ""}`);
process.exit(totalFailed === 0 && results.every((r) => r.code === 0) ? 0 : 1);
