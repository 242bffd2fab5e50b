/**
 * The OTLP/HTTP transport every signal sends through: POSTs an encoded body with `fetch` (or an
 * injected fetch-like transport, such as the runtime mTLS ones), optional gzip via
 * `CompressionStream`, retries on 429 / 502 / 503 / 504 and network errors with jittered
 * exponential backoff and `Retry-After`, all within the export deadline, and at most 4 MiB of a
 * response read. A 2xx answer's `partialSuccess` counts the rejected items of the signal
 * (`rejectedSpans`, `rejectedDataPoints`, `rejectedLogRecords`).
 * @module
 */
import type { FetchLike } from "../base/fetch.ts";
import type { ExportResult } from "./exporter.ts";

/** An OTLP signal, named as in its URL path (`/v1/traces`) and its env variables. */
export type OtlpSignal = "traces" | "metrics" | "logs";

/** Options of {@link otlpHttpTransport}. */
export interface OtlpHttpOptions {
  /** Full URL of the signal (`…/v1/traces`, `…/v1/metrics`, `…/v1/logs`). */
  url: string;
  /** Extra request headers (values are secrets: never logged). */
  headers?: Record<string, string>;
  /** `gzip` or `none`. @default "none" */
  compression?: "gzip" | "none";
  /** Export deadline for one body, retries included, ms. @default 10000 */
  timeoutMs?: number;
  /** The transport. @default globalThis.fetch */
  fetch?: FetchLike;
  /** Response bytes read at most. @default 4 MiB */
  maxResponseBytes?: number;
  /** First backoff delay, ms. @default 250 */
  initialBackoffMs?: number;
  /** Largest backoff delay, ms. @default 5000 */
  maxBackoffMs?: number;
  /** Sleep function (tests inject one to record delays). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Clock in ms (for `Retry-After` HTTP-dates). @default Date.now */
  now?: () => number;
  /** `User-Agent` header. */
  userAgent?: string;
}

/** Sends encoded bodies of one signal. */
export interface OtlpTransport {
  /** The signal. */
  readonly signal: OtlpSignal;
  /**
   * Sends one body with retries; the `items` in it share the outcome. Never rejects.
   *
   * @param body The encoded request (before compression).
   * @param items How many spans, data points or log records it holds.
   * @returns The outcome.
   */
  send(body: Uint8Array, items: number): Promise<ExportResult>;
}

const REJECTED_FIELD: Record<OtlpSignal, string> = {
  traces: "rejectedSpans",
  metrics: "rejectedDataPoints",
  logs: "rejectedLogRecords",
};

const RETRYABLE = new Set([429, 502, 503, 504]);
/** One mebibyte. */
export const MiB: number = 1024 * 1024;

/**
 * Parses `Retry-After`: delta seconds or an HTTP-date.
 *
 * @param value Header value.
 * @param now Current time, epoch ms.
 * @returns Delay in ms, or `undefined` when absent or unparsable.
 * @example
 * ```ts
 * import { parseRetryAfter } from "./otlp-http-exporter.ts";
 * parseRetryAfter("2", 0); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

// Nothing aborts a backoff today: the signal is part of the `sleep` option's contract only, so
// every backoff gets the same one, never aborted.
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const NEVER_ABORTED = new AbortController().signal;

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads a body as text; past `max` bytes it cancels the rest and gives `undefined`. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  const reader = res.body?.getReader();
  if (reader === undefined) return "";
  const decoder = new TextDecoder();
  let text = "";
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text + decoder.decode();
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock?.();
  }
}

/** The items a 2xx answer rejected (`partialSuccess`); none when the body is not such JSON. */
function rejectedFrom(text: string | undefined, field: string): { rejected: number; message?: string } {
  try {
    const ps = (JSON.parse(text!) as { partialSuccess?: Record<string, unknown> })?.partialSuccess;
    const n = Number(ps?.[field] ?? 0);
    const message = ps?.errorMessage;
    return {
      rejected: Number.isFinite(n) && n > 0 ? n : 0,
      ...(typeof message === "string" && message !== "" ? { message } : {}),
    };
  } catch {
    return { rejected: 0 };
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  const code = typeof e?.code === "string" && !(e.message ?? "").includes(e.code) ? ` [${e.code}]` : "";
  return `${e?.name ?? "Error"}: ${e?.message ?? String(error)}${code}${cause ? ` (${cause})` : ""}`;
}

// Certificate and handshake failures are permanent for this configuration: retrying cannot help.
const TLS_FAILURE = /certificate|handshake|\bTLS\b|\bSSL\b|EPROTO|unknown ?issuer|self[- ]signed|alert/i;

/**
 * Creates the OTLP/HTTP transport of one signal.
 *
 * @param options Endpoint, headers, transport and limits.
 * @param signal Which signal the bodies carry (for `partialSuccess`). @default "traces"
 * @returns The transport.
 * @example
 * ```ts
 * import { otlpHttpTransport } from "./otlp-http.ts";
 * const transport = otlpHttpTransport({ url: "http://127.0.0.1:4318/v1/logs" }, "logs");
 * ```
 */
export function otlpHttpTransport(options: OtlpHttpOptions, signal: OtlpSignal = "traces"): OtlpTransport {
  const url = options.url;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponse = options.maxResponseBytes ?? 4 * MiB;
  const initialBackoff = options.initialBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const rejectedField = REJECTED_FIELD[signal];
  const gzipped = options.compression === "gzip";
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
  const headers: Record<string, string> = {
    ...options.headers,
    "content-type": "application/json",
    "user-agent": options.userAgent ?? "codex-otel-sdk/0.1.0",
  };
  if (gzipped) headers["content-encoding"] = "gzip";

  /** Sends one body with retries; every span in it shares the outcome. */
  async function send(body: Uint8Array, count: number): Promise<ExportResult> {
    const deadline = now() + timeoutMs;
    const payload = gzipped ? await gzip(body) : body;
    const failed = (reason: string, error: string, attempts: number): ExportResult => ({
      ok: false,
      rejected: count,
      reason,
      error,
      attempts,
    });
    const noTimeLeft = (f: ExportResult): ExportResult => ({
      ...f,
      error: `${f.error}; no time left to retry within ${timeoutMs} ms`,
    });
    let last: ExportResult | undefined;
    for (let attempt = 1;; attempt++) {
      const remaining = deadline - now();
      // A backoff that ends a hair past the deadline (timers are late) still failed for the
      // reason of the last attempt, not for a timeout.
      if (remaining <= 0) return last ? noTimeLeft(last) : failed("timeout", `export deadline of ${timeoutMs} ms passed`, 0);
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), remaining);
      let retryDelay: number | undefined;
      let failure: ExportResult;
      try {
        const res = await doFetch(url, { method: "POST", headers, body: payload, signal: ctrl.signal });
        const text = await readCapped(res, maxResponse);
        if (res.status >= 200 && res.status < 300) {
          const { rejected, message } = rejectedFrom(text, rejectedField);
          return rejected > 0
            ? { ok: true, rejected: Math.min(rejected, count), reason: "partial_success", error: message ?? "partial success", attempts: attempt }
            : { ok: true, rejected: 0, attempts: attempt };
        }
        failure = failed(`http_${res.status}`, `collector answered HTTP ${res.status}`, attempt);
        if (!RETRYABLE.has(res.status)) return failure;
        retryDelay = parseRetryAfter(res.headers.get("retry-after"), now());
      } catch (error) {
        const text = describe(error);
        if (ctrl.signal.aborted) return failed("timeout", `no answer within the ${timeoutMs} ms export deadline`, attempt);
        if (TLS_FAILURE.test(text)) {
          return failed(
            "tls",
            `TLS failure talking to the collector: ${text}; check CODEX_OTLP_CERTFILE, CODEX_OTLP_KEYFILE and CODEX_OTLP_CACERTFILE`,
            attempt,
          );
        }
        const hint = url.startsWith("https:") && /ECONNRESET|hang up|closed|EOF/i.test(text)
          ? " (over TLS this often means the collector rejected the client certificate)"
          : "";
        failure = failed("network", text + hint, attempt);
      } finally {
        clearTimeout(timer);
      }
      // Full jitter on the exponential step; Retry-After wins when the server sent one.
      const backoff = Math.min(maxBackoff, initialBackoff * 2 ** (attempt - 1));
      const wait = retryDelay ?? Math.round(backoff / 2 + Math.random() * backoff / 2);
      if (now() + wait >= deadline) return noTimeLeft(failure);
      last = failure;
      await sleep(wait, NEVER_ABORTED);
    }
  }

  return {
    signal,
    async send(body: Uint8Array, items: number): Promise<ExportResult> {
      try {
        return await send(body, items);
      } catch (error) {
        return { ok: false, rejected: items, reason: "exporter_error", error: describe(error) };
      }
    },
  };
}

/**
 * Encodes `items` and sends them, halving the batch until every body is at most `maxBody` bytes
 * (an item that alone exceeds it is dropped as `too_large`); the outcomes are merged.
 *
 * @param transport Where bodies go.
 * @param items Spans or log records.
 * @param encode Encodes a part of them.
 * @param maxBody Body bound before compression, bytes.
 * @param noun What an item is, for the `too_large` message.
 * @returns The merged outcome.
 */
export async function sendSplit<T>(
  transport: OtlpTransport,
  items: readonly T[],
  encode: (part: readonly T[]) => Uint8Array,
  maxBody: number,
  noun: string,
): Promise<ExportResult> {
  const bytes = encode(items);
  if (bytes.byteLength <= maxBody) return transport.send(bytes, items.length);
  if (items.length === 1) {
    return { ok: false, rejected: 1, reason: "too_large", error: `one ${noun} encodes to ${bytes.byteLength} bytes, above ${maxBody}` };
  }
  const mid = items.length >>> 1;
  const a = await sendSplit(transport, items.slice(0, mid), encode, maxBody, noun);
  const b = await sendSplit(transport, items.slice(mid), encode, maxBody, noun);
  return merge(a, b);
}

/** Combines the outcomes of a split batch: any accepted part makes it `ok` with the rest rejected. */
function merge(a: ExportResult, b: ExportResult): ExportResult {
  const ok = a.ok || b.ok;
  const worst = !a.ok ? a : !b.ok ? b : a.rejected > 0 ? a : b;
  const result: ExportResult = {
    ok,
    rejected: a.rejected + b.rejected,
    attempts: (a.attempts ?? 1) + (b.attempts ?? 1),
  };
  if (worst.reason !== undefined) result.reason = worst.reason;
  if (worst.error !== undefined) result.error = worst.error;
  return result;
}
