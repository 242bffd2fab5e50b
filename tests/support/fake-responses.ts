/**
 * A fake OpenAI Responses API on 127.0.0.1:0 for running the real Codex CLI offline (PROTOCOL.md
 * "Running it offline"): scripted per request from the JSON scripts in
 * `fixtures/cli-0.169/scripts/` (an array per request of SSE events, or `{status, body}` for a
 * plain HTTP error), recording every request. Plus {@link realCliOptions}, which builds the
 * `Codex` and thread options that point the real CLI at it.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { FIXTURES_DIR } from "./fake-cli.ts";
import type { CodexOptions, ThreadOptions } from "../../mod.ts";

/** One scripted answer: SSE events, or a plain HTTP error. */
export type ScriptStep = Record<string, unknown>[] | { status: number; body: unknown };

/** A recorded request. */
export interface RecordedRequest {
  /** Method. */
  method: string;
  /** Path and query. */
  url: string;
  /** Headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (or the raw text). */
  body: unknown;
}

/** A running fake server. */
export interface FakeResponses {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Requests received, in order. */
  readonly requests: RecordedRequest[];
  /** `POST /v1/responses` requests only. */
  responsesRequests(): RecordedRequest[];
  /** Replaces the script (the next request takes its first step) and forgets recorded requests. */
  setScript(script: ScriptStep[] | string): void;
  /** Stops the server and closes open connections. */
  close(): Promise<void>;
}

/**
 * Loads a script from `fixtures/cli-0.169/scripts/<name>.json`.
 *
 * @param name Script name without extension.
 * @returns The steps.
 */
export function loadScript(name: string): ScriptStep[] {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, "cli-0.169", "scripts", `${name}.json`), "utf8"));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of req) chunks.push(c as Uint8Array);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts the fake server.
 *
 * @param script Steps, or a script name under `fixtures/cli-0.169/scripts/`.
 * @returns The server.
 */
export async function startFakeResponses(script: ScriptStep[] | string = "minimal"): Promise<FakeResponses> {
  let steps = typeof script === "string" ? loadScript(script) : script;
  let next = 0;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Duplex>();
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch { /* keep the text */ }
    const url = req.url ?? "/";
    requests.push({ method: req.method ?? "GET", url, headers: { ...req.headers }, body });
    if (url.includes("/analytics/")) {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    if (req.method === "GET" && url.endsWith("/responses")) {
      res.writeHead(426, { "content-type": "text/plain" }).end("upgrade required");
      return;
    }
    if (req.method !== "POST" || !url.endsWith("/responses")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    const step = steps[next++];
    if (step === undefined) {
      res.writeHead(400, { "content-type": "application/json" })
        .end(
          JSON.stringify({
            error: { message: "fake server: script exhausted", type: "invalid_request_error" },
          }),
        );
      return;
    }
    if (!Array.isArray(step)) {
      res.writeHead(step.status, { "content-type": "application/json" }).end(JSON.stringify(step.body));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const event of step) res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
    res.end();
  });
  server.on("connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (_req: IncomingMessage, socket: Duplex) => {
    socket.end("HTTP/1.1 426 Upgrade Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    responsesRequests: () => requests.filter((r) => r.method === "POST" && r.url.endsWith("/responses")),
    setScript(s) {
      steps = typeof s === "string" ? loadScript(s) : s;
      next = 0;
      requests.length = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What {@link realCliOptions} returns. */
export interface RealCliSetup {
  /** Options for `new Codex(...)`. */
  codex: CodexOptions;
  /** Options for `startThread` / `resumeThread`. */
  thread: ThreadOptions;
  /** The temp `CODEX_HOME`. */
  home: string;
  /** A temp working directory for the agent. */
  workdir: string;
  /** Removes both temp directories. */
  dispose(): void;
}

/**
 * Options that run the real CLI (`node_modules`' `@openai/codex`) against `server`, offline:
 * a temp `CODEX_HOME`, plugins and analytics off, metrics exporter off, a `mock` provider at the
 * fake server, model `gpt-5.5`, workspace-write sandbox in a temp directory.
 *
 * @param server The fake server.
 * @returns Codex and thread options, plus the temp directories to dispose.
 */
export function realCliOptions(server: FakeResponses): RealCliSetup {
  const home = mkdtempSync(join(tmpdir(), "codex-home-"));
  const workdir = mkdtempSync(join(tmpdir(), "codex-work-"));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // The host's own trace context and OpenAI settings must not leak into the CLI under test.
  for (const k of ["TRACEPARENT", "TRACESTATE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY"]) {
    delete env[k];
  }
  env.CODEX_HOME = home;
  // The CLI keeps lock and daemon directories under the temp dir: keep them inside CODEX_HOME.
  const tmp = join(home, "tmp");
  mkdirSync(tmp);
  env.TMPDIR = tmp;
  env.XDG_RUNTIME_DIR = tmp;
  return {
    codex: {
      env,
      config: {
        features: { plugins: false },
        analytics: { enabled: false },
        otel: { metrics_exporter: "none" },
        model_provider: "mock",
        model_providers: {
          mock: {
            name: "mock",
            base_url: `${server.url}/v1`,
            wire_api: "responses",
            supports_websockets: false,
            stream_max_retries: 0,
            request_max_retries: 0,
          },
        },
      },
    },
    thread: {
      model: "gpt-5.5",
      sandboxMode: "workspace-write",
      skipGitRepoCheck: true,
      workingDirectory: workdir,
    },
    home,
    workdir,
    dispose() {
      rmSync(home, { recursive: true, force: true });
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
