// The demo's `--serve` mode: serves the debug page on 127.0.0.1 and keeps running fixture threads
// (the fake CLI replaying real CLI 0.169 transcripts, slowed down so the waterfall grows live), so
// the page has something to show. Runs on Node, Bun and Deno:
//
//   node examples/serve.ts [--port 4400] [--token T] [--runs N] [--interval-ms 2500]
//   bun examples/serve.ts
//   deno run -A examples/serve.ts
//
// The token comes from --token, else CODEX_DEBUG_TOKEN, else a random one; the URL printed at
// start carries it once (`/?token=…`), and the page drops it from the address bar.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Codex, createDebugFeed, memoryExporter, Telemetry } from "../mod.ts";
import { debugRoutes } from "../src/debug/hono.ts";

/** Options of {@link main}, parsed from argv. */
export interface ServeOptions {
  /** Port on 127.0.0.1 (0 picks a free one). */
  port: number;
  /** Bearer token for the routes. */
  token: string;
  /** Fixture runs to make, then keep serving (Infinity: keep running). */
  runs: number;
  /** Pause between runs. */
  intervalMs: number;
  /** Delay the fake CLI puts before each line. */
  lineDelayMs: number;
}

type FetchHandler = (request: Request) => Response | Promise<Response>;
type Env = Record<string, string | undefined>;

const here = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname);
const FIXTURES = resolve(here, "../fixtures");
// Transcripts of the real CLI 0.169: commands, patches, a failed command, an MCP tool, a failed turn.
const SCRIPTS = [
  { fixture: "cli-0.169/cmd-and-patch.jsonl", prompt: "create hello.txt and notes.md" },
  { fixture: "cli-0.169/reasoning-failedcmd-todo.jsonl", prompt: "run the checks and keep a todo list" },
  { fixture: "cli-0.169/mcp-tool-call.jsonl", prompt: "look the issue up in the tracker" },
  { fixture: "cli-0.169/patch-update-delete.jsonl", prompt: "update the notes and delete the scratch file" },
  { fixture: "cli-0.169/response-failed.jsonl", prompt: "this one fails upstream" },
  { fixture: "cli-0.169/websearch-todo.jsonl", prompt: "search the docs" },
];

function env(): Env {
  try {
    return (globalThis as { process?: { env?: Env } }).process?.env ?? {};
  } catch {
    return {};
  }
}

function argvOf(): string[] {
  const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  return g.Deno !== undefined ? [...g.Deno.args] : (g.process?.argv.slice(2) ?? []);
}

/**
 * Parses `--port`, `--token`, `--runs`, `--interval-ms`, `--line-delay-ms` (other flags, such as
 * the demo's own `--serve`, are ignored).
 *
 * @param argv Arguments.
 * @returns Options.
 */
export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i !== -1) return argv[i + 1];
    return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const num = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${v}`);
    return n;
  };
  const random = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return {
    port: num("--port", 4400),
    token: value("--token") ?? env().CODEX_DEBUG_TOKEN ?? random,
    runs: num("--runs", Infinity),
    intervalMs: num("--interval-ms", 2500),
    lineDelayMs: num("--line-delay-ms", 120),
  };
}

async function serve(fetch: FetchHandler, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const g = globalThis as {
    Bun?: { serve(o: { fetch: FetchHandler; port: number; hostname: string; idleTimeout: number }): { port: number; stop(force: boolean): unknown } };
    Deno?: {
      serve(o: { port: number; hostname: string; signal: AbortSignal; onListen(): void }, h: FetchHandler): {
        addr: { port: number };
        finished: Promise<void>;
      };
    };
  };
  if (g.Bun !== undefined) {
    const server = g.Bun.serve({ fetch, port, hostname: "127.0.0.1", idleTimeout: 0 });
    return { port: server.port, close: async () => void await server.stop(true) };
  }
  if (g.Deno !== undefined) {
    const ac = new AbortController();
    const server = g.Deno.serve({ port, hostname: "127.0.0.1", signal: ac.signal, onListen() {} }, fetch);
    return { port: server.addr.port, close: () => (ac.abort(), server.finished) };
  }
  const { serve: nodeServe } = await import("@hono/node-server");
  return await new Promise((ok) => {
    const server = nodeServe({ fetch, port, hostname: "127.0.0.1" }, (info) => {
      const s = server as unknown as { close(cb: () => void): void; closeAllConnections(): void };
      ok({
        port: info.port,
        close: () => new Promise<void>((done) => (s.close(() => done()), s.closeAllConnections())),
      });
    });
  });
}

// The fake CLI runs under the runtime that runs this file, so no `node` on PATH is needed.
function fakeCli(dir: string, fixture: string, lineDelayMs: number, n: number): string {
  const g = globalThis as { Deno?: { execPath(): string }; process?: { execPath: string } };
  const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  const cmd = g.Deno !== undefined
    ? [g.Deno.execPath(), "run", "-A", "--quiet", "--no-config", "--no-lock"]
    : [g.process!.execPath];
  const path = join(dir, `codex-${n}`);
  writeFileSync(
    path,
    `#!/bin/sh\nexport FAKE_CODEX_FIXTURE=${q(join(FIXTURES, fixture))}\nexport FAKE_CODEX_DELAY_MS=${lineDelayMs}\n` +
      `exec ${cmd.map(q).join(" ")} ${q(join(FIXTURES, "fake-codex.mjs"))} "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

/**
 * Starts the debug server and the fixture runs; resolves with a `stop()` once serving.
 *
 * @param argv Command-line arguments.
 * @returns The URL (with the token) and a function that stops everything.
 */
export async function main(argv: readonly string[] = argvOf()): Promise<{ url: string; stop(): Promise<void> }> {
  const options = parseServeArgs(argv);
  const telemetry = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://demo" }, exporter: memoryExporter() });
  const feed = createDebugFeed({ capacity: 5000 });
  const server = await serve(debugRoutes({ feed, token: options.token }).fetch, options.port);
  const url = `http://127.0.0.1:${server.port}/?token=${encodeURIComponent(options.token)}`;
  console.log(`[codex demo] debug page: ${url}`);
  const dir = mkdtempSync(join(tmpdir(), "codex-demo-serve-"));
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    for (let n = 0; n < options.runs && !stopped; n++) {
      const { fixture, prompt } = SCRIPTS[n % SCRIPTS.length];
      const codex = new Codex({ apiKey: "demo", codexPathOverride: fakeCli(dir, fixture, options.lineDelayMs, n) });
      const started = Date.now();
      const outcome = await codex.startThread({ skipGitRepoCheck: true, model: "gpt-5.5", metadata: { source: "demo" } })
        .run(prompt)
        .then(() => "ok", (e: unknown) => `error: ${e instanceof Error ? e.message : String(e)}`);
      console.log(`[codex demo] run ${n + 1} ${fixture}: ${outcome} (${Date.now() - started} ms)`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, options.intervalMs);
      });
    }
  })();
  return {
    url,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      feed.close();
      await server.close();
      await telemetry.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs {@link main} until SIGINT or SIGTERM, then stops everything and exits 0. What
 * `examples/demo.ts --serve` calls.
 *
 * @param argv Command-line arguments.
 */
export async function serveUntilSignal(argv: readonly string[] = argvOf()): Promise<void> {
  const { stop } = await main(argv);
  const g = globalThis as {
    Deno?: { addSignalListener(s: string, f: () => void): void; exit(code: number): never };
    process?: { once(s: string, f: () => void): void; exit(code: number): never };
  };
  let stopping = false;
  const quit = (): void => {
    if (stopping) return;
    stopping = true;
    void stop().then(() => (g.Deno !== undefined ? g.Deno.exit(0) : g.process?.exit(0)));
  };
  if (g.Deno !== undefined) {
    g.Deno.addSignalListener("SIGINT", quit);
    g.Deno.addSignalListener("SIGTERM", quit);
  } else {
    g.process?.once("SIGINT", quit);
    g.process?.once("SIGTERM", quit);
  }
}

if ((import.meta as { main?: boolean }).main) await serveUntilSignal();
