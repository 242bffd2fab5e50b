// A Cloudflare Worker (run by workerd in tests/export/edge-workerd.test.ts) that exercises the
// core export path: configure from an explicit env (Workers have no process env), build a span
// tree from telemetry events, export it with fetch, and hand flush() to waitUntil.
//
// mod.ts is imported at the top, as users do: nothing in the SDK draws random values or starts
// timers at module evaluation, which Workers forbid in global scope.
import { startSpan, Telemetry } from "../../mod.ts";

interface Env {
  OTLP_URL: string;
  /** Answered on /health, so the test knows it reached this worker and not whatever else took the port. */
  NONCE: string;
}
interface Ctx {
  waitUntil(p: Promise<unknown>): void;
}

export default {
  async fetch(req: Request, env: Env, ctx: Ctx): Promise<Response> {
    if (new URL(req.url).pathname === "/health") return new Response(env.NONCE);
    const warnings: string[] = [];
    const t = Telemetry.configure({
      env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: env.OTLP_URL, OTEL_SERVICE_NAME: "edge-worker" },
      compression: "gzip",
      warn: (m) => warnings.push(m),
    });
    const thread = startSpan("codex.thread", { model: "gpt-5", source: "worker" });
    const turn = startSpan("codex.turn", { parent_token: thread.token, turn_id: "t1" });
    startSpan("codex.item", { parent_token: turn.token, item_type: "agent_message", item_id: "i1" }).stop({}, { status: "completed" });
    turn.stop({}, { status: "completed", usage: { input_tokens: 3, cached_input_tokens: 0, output_tokens: 2 } });
    thread.stop({}, { result: "ok", thread_id: "edge-thread" });
    const flushed = t.flush();
    ctx.waitUntil(flushed);
    await flushed;
    const status = t.status();
    await t.shutdown();
    const g = globalThis as { process?: unknown; Deno?: unknown; Bun?: unknown };
    return Response.json({
      status,
      warnings,
      hasProcess: typeof g.process !== "undefined",
      userAgent: (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent,
    });
  },
};
