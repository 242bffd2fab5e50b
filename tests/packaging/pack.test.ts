import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, sh } from "../support/paths.ts";

// Packs with npm (its prepack script builds dist/ with tsc), lints the tarball with publint, installs it into a
// scratch project and imports every entry point from plain Node ESM.
describe("npm package", () => {
  let dir = "";
  let tarball = "";

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "codex-pack-"));
    sh("npm", ["pack", "--silent", "--pack-destination", dir]);
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("publint passes on the packed tarball", () => {
    const out = sh(bin("publint"), ["run", tarball, "--strict", "--level", "warning"]);
    assert.doesNotMatch(out, /error|warning/i, out);
  });

  it("installs from the tarball and every entry point imports from plain Node ESM", () => {
    const project = join(dir, "scratch");
    sh("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
    sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--silent", tarball, "hono@4"], {
      cwd: project,
    });
    writeFileSync(
      join(project, "check.mjs"),
      `
import * as core from "@codex-otel/sdk";
import * as hono from "@codex-otel/sdk/hono";
import * as node from "@codex-otel/sdk/node";
import * as bun from "@codex-otel/sdk/bun";
import * as deno from "@codex-otel/sdk/deno";
const seen = [];
core.attach("check", "pack.check", (name) => seen.push(name));
core.emit("pack.check", {}, {});
console.log(JSON.stringify({
  core: Object.keys(core).length,
  hono: typeof hono.debugRoutes,
  node: Object.keys(node).length, bun: Object.keys(bun).length, deno: Object.keys(deno).length,
  seen,
}));
`,
    );
    const out = JSON.parse(sh(bin("node"), ["check.mjs"], { cwd: project }).trim().split("\n").pop()!);
    assert.ok(out.core > 10, `core exports: ${out.core}`);
    assert.equal(out.hono, "function");
    assert.ok(out.node > 0 && out.bun > 0 && out.deno > 0);
    assert.deepEqual(out.seen, ["pack.check"]);
  });
});
