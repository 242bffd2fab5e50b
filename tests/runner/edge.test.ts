import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { detectSpawner } from "../../mod.ts";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../..");

describe("runner on a runtime without processes", () => {
  it("fails with no_spawner (and Files with no_fs), saying what to do, instead of crashing", async () => {
    // The probe runs on Node with process.getBuiltinModule hidden, as on an edge runtime.
    const child = await detectSpawner().spawn(
      join(root, "node_modules", ".bin", "node"),
      [join(root, "tests", "support", "runner-edge-probe.ts")],
      { cwd: root, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
    );
    const out = await new Response(child.stdout).text();
    assert.equal((await child.exited).code, 0, child.stderrTail());
    const report = JSON.parse(out);
    assert.equal(report.runtime, "edge");
    assert.equal(report.detect, "no_spawner");
    assert.match(report.message, /pass a `spawner` option/);
    assert.equal(report.run, "no_spawner");
    assert.equal(report.files, "no_fs");
  });
});
