import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, ROOT, sh } from "../support/paths.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));

function esbuild(entry: string, extra: string[] = []): { code: string; meta: { inputs: Record<string, { imports: { path: string; external?: boolean }[] }> } } {
  const dir = mkdtempSync(join(tmpdir(), "codex-edge-"));
  try {
    const out = join(dir, "out.js");
    const metafile = join(dir, "meta.json");
    sh(bin("esbuild"), [
      entry,
      "--bundle",
      "--format=esm",
      "--platform=browser",
      "--minify",
      `--outfile=${out}`,
      `--metafile=${metafile}`,
      "--log-level=error",
      ...extra,
    ]);
    return { code: readFileSync(out, "utf8"), meta: JSON.parse(readFileSync(metafile, "utf8")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("package exports", () => {
  it("package.json and deno.json export the same entry points, each mapped to the same source", () => {
    const npmKeys = Object.keys(pkg.exports).filter((k) => k !== "./package.json").sort();
    const denoKeys = Object.keys(deno.exports).sort();
    assert.deepEqual(npmKeys, denoKeys, "the two exports maps list different entry points");
    for (const key of npmKeys) {
      const entry = pkg.exports[key];
      const source: string = deno.exports[key];
      const expectedJs = source.replace(/^\.\//, "./dist/").replace(/\.ts$/, ".js");
      const expectedTypes = expectedJs.replace(/\.js$/, ".d.ts");
      assert.equal(entry.default, expectedJs, `${key}: npm "default" does not match deno.json ${source}`);
      assert.equal(entry.types, expectedTypes, `${key}: npm "types" does not match deno.json ${source}`);
      assert.ok(existsSync(join(ROOT, source)), `${key}: ${source} does not exist`);
    }
  });

  it("package.json and deno.json carry the same name and version", () => {
    assert.equal(pkg.name, deno.name);
    assert.equal(pkg.version, deno.version);
  });

  it("package.json is ESM only, side-effect free, and hono is an optional peer", () => {
    assert.equal(pkg.type, "module");
    assert.equal(pkg.sideEffects, false);
    assert.equal(pkg.peerDependenciesMeta?.hono?.optional, true);
    assert.ok(!pkg.dependencies?.hono, "hono must not be a hard dependency");
  });

  it("the JSR package passes deno publish --dry-run (no slow types, license, every export)", () => {
    const out = sh(bin("deno"), ["publish", "--dry-run", "--allow-dirty", "--quiet"], { env: { NO_COLOR: "1" } });
    assert.doesNotMatch(out, /error/i, out);
  });

  it("deno.json import map points every bare dependency at an npm: specifier", () => {
    for (const [name, target] of Object.entries(deno.imports as Record<string, string>)) {
      assert.match(target, /^npm:/, `${name} → ${target}`);
    }
    assert.equal(deno.nodeModulesDir, "manual");
  });
});

describe("edge safety", () => {
  for (const entry of ["mod.ts", "export.ts"]) {
    it(`${entry} bundles for the browser with zero node: imports`, () => {
      const { code, meta } = esbuild(join(ROOT, entry));
      const offenders: string[] = [];
      for (const [file, input] of Object.entries(meta.inputs)) {
        if (file.startsWith("node:")) offenders.push(file);
        for (const imp of input.imports) if (imp.path.startsWith("node:")) offenders.push(`${file} → ${imp.path}`);
      }
      assert.deepEqual(offenders, []);
      assert.doesNotMatch(code, /\bfrom\s*"node:|\bimport\("node:|require\("node:/);
    });
  }

  it("the core type-checks with no Node, Bun or Deno types (lib ES2022 + DOM)", () => {
    sh(bin("tsc"), ["-p", join(ROOT, "tsconfig.edge.json")]);
  });

  it("tree-shaking keeps a bundle that only emits events small", () => {
    const dir = mkdtempSync(join(tmpdir(), "codex-shake-"));
    try {
      const entry = join(dir, "entry.ts");
      writeFileSync(entry, `import { emit } from ${JSON.stringify(join(ROOT, "mod.ts"))};\nemit("x.y", {}, {});\n`);
      const small = esbuild(entry).code;
      const full = esbuild(join(ROOT, "mod.ts")).code;
      assert.ok(small.length * 2 < full.length || full.length < 20_000, `emit-only bundle ${small.length} B vs full ${full.length} B`);
      assert.doesNotMatch(small, /resourceSpans|attachDefaultLogger/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
