// Error text from the CLI (error items, `error` events, a failed turn's message, the stderr of a
// CLI that exits non-zero) reaches spans and log records, which leave the process: credential
// shapes in it are replaced before any of them is built. Checked on the OTLP/JSON bodies.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import { encodeTraces } from "../../src/export/otlp-json.ts";
import { encodeLogs } from "../../src/logs/otlp-json.ts";
import { fixtureCodex } from "../support/fake-cli.ts";

const SECRETS = ["sk-proj-SECRETSECRET1234", "SECRETBEARER5678", "c2VjcmV0OnNlY3JldA"];

describe("no credential from the CLI's error text in spans or log records", () => {
  const telemetry = Telemetry.configure({ exporter: memoryExporter(), readRuntimeEnv: false, warn: () => {} });
  after(async () => {
    await telemetry.shutdown();
  });

  it("a failed turn, an error item and a CLI that exits non-zero with a token in stderr", async () => {
    const mem = telemetry.memory!;
    mem.reset();
    const failing = new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("credential_in_error.jsonl") });
    await assert.rejects(failing.startThread({ skipGitRepoCheck: true }).run("x"));
    const crashing = new Codex({
      apiKey: "test",
      codexPathOverride: fixtureCodex("thread_basic.jsonl", {
        exitCode: 3,
        stderr: "fatal: POST failed, header Authorization: Basic c2VjcmV0OnNlY3JldA",
      }),
    });
    await assert.rejects(crashing.startThread({ skipGitRepoCheck: true }).run("y"));
    await telemetry.flush();
    const spans = mem.finished();
    const traces = encodeTraces(spans, { resource: { "service.name": "t" } });
    const logs = encodeLogs(mem.logs(), { resource: { "service.name": "t" } });
    for (const secret of SECRETS) {
      assert.ok(!traces.includes(secret), `spans hold ${secret}`);
      assert.ok(!logs.includes(secret), `log records hold ${secret}`);
    }
    // The errors themselves are still there, with the credential replaced.
    const turn = spans.find((s) => s.name === "codex.turn")!;
    assert.equal(turn.status.message, "unexpected status 401: Authorization: Bearer [redacted]");
    const item = spans.find((s) => s.name === "codex.item error");
    assert.ok(item, spans.map((s) => s.name).join(", "));
    assert.match(traces, /Basic \[redacted\]/, "the stderr tail is in the thread's exception, scrubbed");
  });
});
