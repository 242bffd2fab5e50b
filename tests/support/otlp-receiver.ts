/**
 * A local OTLP/HTTP receiver for tests: a real `node:http` (or `node:https` with client
 * certificates) server on 127.0.0.1:0 that gunzips, validates every payload against the
 * opentelemetry-proto schema of its signal (by path: /v1/traces, /v1/metrics, /v1/logs), counts
 * invalid ones, and answers with scripted responses.
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { countDataPoints, countLogRecords, countSpans, validateSignal } from "./otlp-schema.ts";

/** An OTLP signal, by its path. */
export type Signal = "traces" | "metrics" | "logs";

const REJECTED: Record<Signal, string> = { traces: "rejectedSpans", metrics: "rejectedDataPoints", logs: "rejectedLogRecords" };

/** The signal of a request path (`/v1/traces` when it names none). */
export function signalOfPath(path: string): Signal {
  const m = /\/v1\/(traces|metrics|logs)(?:[/?]|$)/.exec(path);
  return (m?.[1] as Signal | undefined) ?? "traces";
}

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
  /** The signal, from the path. */
  signal: Signal;
  /** Spans (traces requests only; 0 otherwise). */
  spans: number;
  /** Items of the request's signal: spans, data points or log records. */
  items: number;
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
  /** Items of a signal in accepted (2xx) requests, minus the rejected count answered. */
  accepted(signal: Signal): number;
  /** Items of a signal received, in any request. */
  received(signal: Signal): number;
  /** All data points received (each with its metric's name, unit, kind, temporality, resource and scope). */
  dataPoints(): Record<string, unknown>[];
  /** All log records received (with resource and scope). */
  logRecords(): Record<string, unknown>[];
  /** Resolves once `n` items of `signal` were received. */
  waitFor(signal: Signal, n: number, timeoutMs?: number): Promise<void>;
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
  const acceptedBy: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
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
      const path = req.url ?? "";
      const signal = signalOfPath(path);
      const rec: Received = { path, headers: req.headers, bytes: raw.length, gzip, payload: undefined, signal, spans: 0, items: 0, errors: [] };
      try {
        if (gzip) raw = gunzipSync(raw);
        rec.payload = JSON.parse(raw.toString("utf8"));
        rec.errors = validateSignal(signal, rec.payload, { int64AsString: options.int64AsString });
        rec.items = signal === "traces" ? countSpans(rec.payload) : signal === "metrics" ? countDataPoints(rec.payload) : countLogRecords(rec.payload);
        if (signal === "traces") rec.spans = rec.items;
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
          rejected = Number(JSON.parse(answer.body ?? "{}")?.partialSuccess?.[REJECTED[signal]] ?? 0);
        } catch { /* non-JSON body */ }
        acceptedBy[signal] += rec.items - rejected;
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

  const waitFor = (signal: Signal, n: number, timeoutMs = 5000): Promise<void> => {
    const count = (): number => requests.reduce((a, r) => a + (r.signal === signal ? r.items : 0), 0);
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
        reject(new Error(`receiver: ${count()} of ${n} ${signal} items after ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
    });
  };

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    port,
    requests,
    get invalid() {
      return invalid;
    },
    get acceptedSpans() {
      return acceptedBy.traces;
    },
    accepted(signal: Signal) {
      return acceptedBy[signal];
    },
    received(signal: Signal) {
      return requests.reduce((a, r) => a + (r.signal === signal ? r.items : 0), 0);
    },
    dataPoints() {
      const out: Record<string, unknown>[] = [];
      type Data = { dataPoints?: Record<string, unknown>[]; aggregationTemporality?: number; isMonotonic?: boolean };
      type Metric = { name?: string; unit?: string; description?: string } & Record<string, unknown>;
      for (const r of requests) {
        if (r.signal !== "metrics") continue;
        const p = r.payload as { resourceMetrics?: { resource?: unknown; scopeMetrics?: { scope?: unknown; metrics?: Metric[] }[] }[] } | undefined;
        for (const rm of p?.resourceMetrics ?? []) {
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) {
              for (const kind of ["sum", "gauge", "histogram", "exponentialHistogram", "summary"]) {
                const data = m[kind] as Data | undefined;
                for (const dp of data?.dataPoints ?? []) {
                  out.push({ ...dp, metric: m.name, unit: m.unit, kind, aggregationTemporality: data?.aggregationTemporality, isMonotonic: data?.isMonotonic, resource: rm.resource, scope: sm.scope });
                }
              }
            }
          }
        }
      }
      return out;
    },
    logRecords() {
      const out: Record<string, unknown>[] = [];
      for (const r of requests) {
        if (r.signal !== "logs") continue;
        const p = r.payload as { resourceLogs?: { resource?: unknown; scopeLogs?: { scope?: unknown; logRecords?: Record<string, unknown>[] }[] }[] } | undefined;
        for (const rl of p?.resourceLogs ?? []) {
          for (const sl of rl.scopeLogs ?? []) {
            for (const lr of sl.logRecords ?? []) out.push({ ...lr, resource: rl.resource, scope: sl.scope });
          }
        }
      }
      return out;
    },
    waitFor,
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
      return waitFor("traces", n, timeoutMs);
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
