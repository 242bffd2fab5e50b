import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// The layer order of src/, lowest first (docs/ARCHITECTURE.md explains each). A module may import
// its own folder and any folder below it, never one above: a lower layer knows nothing of what is
// built on it. The entry points (mod.ts, the subpath barrels) may import anything.
const LAYERS = [
  "base",
  "runtime",
  "telemetry",
  "jsonl",
  "tracing",
  "export",
  "metrics",
  "logs",
  "config",
  "files",
  "app-server",
  "codex",
  "debug",
  "sdk",
] as const;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");
// Barrels that only re-export (the package's entry points) sit above every layer.
const ENTRIES = new Set(["src/export.ts", "src/runtime/node/mod.ts", "src/runtime/bun/mod.ts", "src/runtime/deno/mod.ts"]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Relative module specifiers of a file's static imports and re-exports (JSDoc examples excluded: they start with ` * `). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /^(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']|^import\s+["']([^"']+)["']/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1] ?? m[2]);
  const dyn = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (let m = dyn.exec(text); m !== null; m = dyn.exec(text)) {
    const line = text.slice(text.lastIndexOf("\n", m.index) + 1, m.index);
    if (!/^\s*(\*|\/\/)/.test(line)) out.push(m[1]);
  }
  return out;
}

function layerOf(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0].replace(/\.ts$/, "");
}

describe("layering", () => {
  it("no module imports a layer above its own (0 upward imports)", () => {
    const upward: string[] = [];
    const unknown = new Set<string>();
    for (const file of sources(SRC)) {
      const rel = relative(ROOT, file);
      if (ENTRIES.has(rel)) continue;
      const from = layerOf(file);
      const rank = LAYERS.indexOf(from as typeof LAYERS[number]);
      if (rank === -1) unknown.add(from);
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(file), spec);
        const t = relative(SRC, target);
        if (t.startsWith("..")) {
          upward.push(`${rel} imports ${spec} (outside src/)`);
          continue;
        }
        const to = layerOf(target);
        const r = LAYERS.indexOf(to as typeof LAYERS[number]);
        if (r === -1) unknown.add(to);
        else if (r > rank) upward.push(`${rel} (${from}) imports ${relative(ROOT, target)} (${to})`);
      }
    }
    assert.deepEqual([...unknown], [], `folders missing from the declared layer order: ${[...unknown].join(", ")}`);
    assert.deepEqual(upward, [], `upward imports:\n${upward.join("\n")}`);
  });

  it("the declared order is the one docs/ARCHITECTURE.md documents", () => {
    const doc = readFileSync(join(ROOT, "docs/ARCHITECTURE.md"), "utf8");
    const m = doc.match(/<!-- layers -->([\s\S]*?)<!-- \/layers -->/);
    assert.ok(m, "docs/ARCHITECTURE.md has no <!-- layers --> table");
    const documented = [...m[1].matchAll(/^\|\s*\d+\s*\|\s*`([a-z-]+)\/`/gm)].map((x) => x[1]);
    assert.deepEqual(documented, [...LAYERS]);
  });

  it("the scan sees multi-line imports and re-exports and skips JSDoc examples", () => {
    const text = [
      "/**",
      " * @example",
      " * ```ts",
      ' * import { x } from "../../up/example.ts";',
      " * ```",
      " */",
      'import { a,',
      '  b } from "./a.ts";',
      'import type { T } from "../base/t.ts";',
      'export { c } from "./c.ts";',
      'import "./side.ts";',
    ].join("\n");
    assert.deepEqual(importsOf(text), ["./a.ts", "../base/t.ts", "./c.ts", "./side.ts"]);
  });
});
