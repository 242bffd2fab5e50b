// Run by tests/export/exit-flush.test.ts under node, bun and deno: configures an HTTP exporter,
// ends a span, and returns without flushing; the beforeExit hook must still send it.
import { startSpan, Telemetry } from "../../mod.ts";

const url = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? process.argv[2];
Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: url }, readRuntimeEnv: false, warn: () => {} });
startSpan("codex.thread", {}).stop({}, { result: "ok" });
