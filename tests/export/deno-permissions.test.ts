// The core needs no permission but the network: under Deno with only --allow-net (no env, read,
// run or sys access) configure() reads the explicit env, ignores the unreadable runtime env
// without throwing, and exports to the receiver.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { bin, ROOT } from "../support/paths.ts";
import { useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

describe("Deno with only --allow-net", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));

  it("configures from the explicit env and exports without env or file permissions", { timeout: 60_000 }, async () => {
    const script = join(ROOT, "tests/support/otlp-deno-net-only.ts");
    // Asynchronous on purpose: the receiver answers from this process's event loop.
    const child = spawn(bin("deno"), ["run", "--no-prompt", "--allow-net=127.0.0.1", "--no-lock", script, rx.url], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", CODEX_OTLP_ENABLE: "not-read" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout.trim().split("\n").pop()!);
    assert.equal(out.exported, 3, out.lastError);
    assert.deepEqual(out.problems, []);
    assert.equal(out.envReadable, false);
  });
});
