// A script that ends spans and exits without calling flush() still exports them: the pipeline
// flushes on the runtime's beforeExit (Node, Bun and Deno).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { bin, ROOT } from "../support/paths.ts";
import { useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

const runtimes: Record<string, string[]> = {
  node: [bin("node")],
  bun: [bin("bun"), "run"],
  deno: [bin("deno"), "run", "-A", "--no-lock"],
};

describe("spans, metrics and log records left at exit", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));

  for (const [name, cmd] of Object.entries(runtimes)) {
    it(`are exported when a ${name} script returns without flush()`, { timeout: 60_000 }, async () => {
      const before = rx.requests.length;
      const child = spawn(cmd[0], [...cmd.slice(1), join(ROOT, "tests/support/otlp-exit-script.ts"), rx.url], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      assert.equal(code, 0, stderr);
      const got = rx.requests.slice(before);
      assert.equal(got.reduce((n, r) => n + r.spans, 0), 1, stderr);
      // The metrics collection and the log records (start and stop of the span) go out too.
      assert.ok(got.some((r) => r.signal === "metrics" && r.items > 0), `metrics at exit: ${stderr}`);
      assert.equal(got.filter((r) => r.signal === "logs").reduce((n, r) => n + r.items, 0), 2, stderr);
    });
  }
});
