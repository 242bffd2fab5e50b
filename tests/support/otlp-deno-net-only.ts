// Run by tests/export/deno-permissions.test.ts as `deno run --allow-net=127.0.0.1 <this> <url>`.
import { startSpan, Telemetry } from "../../mod.ts";
import { runtimeEnv } from "../../src/runtime/env.ts";

const url = (globalThis as unknown as { Deno: { args: string[] } }).Deno.args[0];
const t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: url }, warn: () => {} });
const thread = startSpan("codex.thread", {});
const turn = startSpan("codex.turn", { parent_token: thread.token });
startSpan("codex.item", { parent_token: turn.token, item_type: "reasoning" }).stop({}, { status: "completed" });
turn.stop({}, { status: "completed" });
thread.stop({}, { result: "ok" });
await t.flush();
const st = t.status();
await t.shutdown();
console.log(JSON.stringify({ exported: st.exported, lastError: st.lastError, problems: st.problems, envReadable: Object.keys(runtimeEnv()).length > 0 }));
