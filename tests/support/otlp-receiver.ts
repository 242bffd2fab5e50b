/**
 * A local OTLP/HTTP receiver for tests: a real `node:http` (or `node:https` with client
 * certificates) server on 127.0.0.1:0 that gunzips, validates every payload against the
 * opentelemetry-proto schema, counts invalid ones, and answers with scripted responses.
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { countSpans, validateTraces } from "./otlp-schema.ts";

/** One scripted answer. */
export interface Scripted {
  /** HTTP status. @default 200 */
  status?: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** Response body. @default "{}" */
  body?: string;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** A response body of this many bytes. */
  bodyBytes?: number;
}

/** A received request. */
export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  gzip: boolean;
  payload: unknown;
  spans: number;
  errors: string[];
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL (`http://127.0.0.1:PORT`). */
  readonly url: string;
  /** `url + "/v1/traces"`. */
  readonly tracesUrl: string;
  readonly port: number;
  readonly requests: Received[];
  /** Invalid payloads seen. */
  readonly invalid: number;
  /** Spans in accepted (2xx) requests, minus `rejectedSpans` answered. */
  readonly acceptedSpans: number;
  /** Queue answers for the next requests (then the default applies). */
  script(...answers: Scripted[]): void;
  /** Sets the answer used when the script is empty. */
  setDefault(answer: Scripted): void;
  /** All span objects received (with their resource/scope flattened in). */
  spans(): Record<string, unknown>[];
  /** Resolves once `n` spans were received. */
  waitForSpans(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startOtlpReceiver}. */
export interface ReceiverOptions {
  /** Serve HTTPS requiring a client certificate signed by `ca`. */
  tls?: { key: string; cert: string; ca: string; requestCert?: boolean };
  /** Require 64-bit integers as strings. @default false */
  int64AsString?: boolean;
}

/** Starts a receiver on 127.0.0.1:0. */
export async function startOtlpReceiver(options: ReceiverOptions = {}): Promise<OtlpReceiver> {
  const requests: Received[] = [];
  const queue: Scripted[] = [];
  let fallback: Scripted = {};
  let invalid = 0;
  let accepted = 0;
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // Exporters POST. Anything else is not a payload: a probe from a test in another process that
    // was given this port after it was free (tests/export/edge-workerd.test.ts checks /health).
    if (req.method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = queue.shift() ?? fallback;
      let raw = Buffer.concat(chunks);
      const gzip = req.headers["content-encoding"] === "gzip";
      const rec: Received = { path: req.url ?? "", headers: req.headers, bytes: raw.length, gzip, payload: undefined, spans: 0, errors: [] };
      try {
        if (gzip) raw = gunzipSync(raw);
        rec.payload = JSON.parse(raw.toString("utf8"));
        rec.errors = validateTraces(rec.payload, { int64AsString: options.int64AsString });
        rec.spans = countSpans(rec.payload);
      } catch (error) {
        rec.errors = [`unparsable payload: ${(error as Error).message}`];
      }
      if (req.headers["content-type"]?.split(";")[0] !== "application/json") rec.errors.push(`content-type ${req.headers["content-type"]}`);
      if (rec.errors.length > 0) invalid++;
      requests.push(rec);
      if (answer.reset) {
        req.socket.destroy();
        return;
      }
      if (answer.hang) {
        hanging.add(res);
        return;
      }
      const status = answer.status ?? 200;
      if (status >= 200 && status < 300) {
        let rejected = 0;
        try {
          rejected = Number(JSON.parse(answer.body ?? "{}")?.partialSuccess?.rejectedSpans ?? 0);
        } catch { /* non-JSON body */ }
        accepted += rec.spans - rejected;
      }
      const body = answer.bodyBytes !== undefined ? Buffer.alloc(answer.bodyBytes, 0x20) : Buffer.from(answer.body ?? "{}");
      res.writeHead(status, { "content-type": "application/json", ...answer.headers });
      res.end(body);
      for (const w of [...waiters]) w();
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: options.tls.requestCert ?? true, rejectUnauthorized: true }, handler)
    : createHttpServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    port,
    requests,
    get invalid() {
      return invalid;
    },
    get acceptedSpans() {
      return accepted;
    },
    script(...answers: Scripted[]) {
      queue.push(...answers);
    },
    setDefault(answer: Scripted) {
      fallback = answer;
    },
    spans() {
      const out: Record<string, unknown>[] = [];
      for (const r of requests) {
        const p = r.payload as { resourceSpans?: { resource?: unknown; scopeSpans?: { scope?: unknown; spans?: Record<string, unknown>[] }[] }[] } | undefined;
        for (const rs of p?.resourceSpans ?? []) {
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) out.push({ ...s, resource: rs.resource, scope: ss.scope });
          }
        }
      }
      return out;
    },
    waitForSpans(n: number, timeoutMs = 5000): Promise<void> {
      const count = (): number => requests.reduce((a, r) => a + r.spans, 0);
      if (count() >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (count() >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: ${count()} of ${n} spans after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts a receiver before the enclosing suite and closes it after, asserting that every payload
 * it saw was valid OTLP.
 *
 * @param bind Receives the started receiver.
 */
export function useOtlpReceiver(bind: (rx: OtlpReceiver) => void): void {
  let rx: OtlpReceiver | undefined;
  before(async () => {
    rx = await startOtlpReceiver({ int64AsString: true });
    bind(rx);
  });
  after(async () => {
    await rx?.close();
    assert.equal(rx?.invalid, 0, "every payload the receiver saw was valid OTLP");
  });
}
