// The vendored protocol types (src/app-server/protocol/) are what the pinned CLI generates today:
// regenerate with `codex app-server generate-ts` and diff. After a CLI upgrade this fails with the
// changed files and lines; `node scripts/app-server-types.mjs` rewrites the vendored copy.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diffVendored, generate, PROTOCOL_DIR, vendorFiles } from "../../scripts/app-server-types.mjs";

describe("vendored app-server protocol types", () => {
  it("match what the pinned CLI generates (a readable diff when they drift)", () => {
    const generated = generate();
    try {
      const files = vendorFiles(generated);
      const problems = diffVendored(files);
      assert.deepEqual(
        problems,
        [],
        `src/app-server/protocol/ drifted from ${generated.version}; run \`node scripts/app-server-types.mjs\` and review:\n${problems.join("\n")}`,
      );
      assert.ok(files.size > 100);
    } finally {
      generated.dispose();
    }
  });

  it("the manifest records the JSON-RPC envelope the transport relies on (per-request trace)", () => {
    const manifest = JSON.parse(readFileSync(join(PROTOCOL_DIR, "manifest.json"), "utf8"));
    assert.match(manifest.cli, /^codex-cli 0\.169\./);
    assert.ok(manifest.envelope.request.includes("trace"));
    assert.deepEqual(manifest.envelope.trace, ["traceparent", "tracestate"]);
  });

  it("a drifted file shows up as a line diff naming the file", () => {
    const generated = generate();
    try {
      const files = vendorFiles(generated);
      const key = "v2/TurnInterruptParams.ts";
      files.set(key, files.get(key)!.replace("turnId: string", "turnId: string, reason: string"));
      files.set("v2/NewThing.ts", "export type NewThing = string;\n");
      files.delete("RequestId.ts");
      const problems = diffVendored(files);
      assert.equal(problems.length, 3);
      assert.match(problems.join("\n"), /~ v2\/TurnInterruptParams\.ts\n {2}line \d+ vendored: .*\n {2}line \d+ generated: .*reason: string/);
      assert.ok(problems.includes("+ v2/NewThing.ts (generated, not vendored)"));
      assert.ok(problems.includes("- RequestId.ts (vendored, no longer generated)"));
    } finally {
      generated.dispose();
    }
  });
});
