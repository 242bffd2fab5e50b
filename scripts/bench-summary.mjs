#!/usr/bin/env node
// Turns bench/RESULTS.md (one table per runtime) into one table with a column per runtime, as the
// README carries it: the ratio where there is one, else the figure, and ✓ / ✗ against the target.
// Usage: node scripts/bench-summary.mjs [bench/RESULTS.md]
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * @param {string} md The results file.
 * @returns {string} The cross-runtime table.
 */
export function summarize(md) {
  const runtimes = [];
  const rows = new Map();
  let current;
  for (const line of md.split("\n")) {
    const h = /^### (\S+) v?(\S+)/.exec(line);
    if (h) {
      current = `${h[1]} ${h[2].replace(/^v/, "")}`;
      runtimes.push(current);
      continue;
    }
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (!current || cells.length < 6 || cells[0] === "measure" || cells[0].startsWith("---")) continue;
    const [measure, ours, , ratio, target, met, runsCell] = cells;
    const mark = met === "yes" ? " ✓" : met.startsWith("yes,") ? " ✓−" : met === "**no**" ? " ✗" : "";
    if (!rows.has(measure)) rows.set(measure, { target, cells: {} });
    const shown = ratio === "–" ? ours : ratio.endsWith("smaller") ? `${ours} (${ratio})` : ratio;
    // With several runs, the runs' min–max beside the median, so a reader sees the noise.
    const spread = cells.length === 8 && runsCell !== "–" ? ` [${runsCell.split(" / ").filter((_, i) => i !== 1).join("–")}]` : "";
    rows.get(measure).cells[current] = `${shown}${mark}${spread}`;
  }
  let out = `| measure | ${runtimes.join(" | ")} | target |\n|---|${runtimes.map(() => "---|").join("")}---|\n`;
  for (const [measure, { target, cells }] of rows) {
    out += `| ${measure} | ${runtimes.map((r) => cells[r] ?? "–").join(" | ")} | ${target} |\n`;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = resolve(process.argv[2] ?? resolve(import.meta.dirname, "..", "bench", "RESULTS.md"));
  process.stdout.write(summarize(readFileSync(file, "utf8")));
}
