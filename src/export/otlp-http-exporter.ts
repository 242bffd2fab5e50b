/**
 * The OTLP/HTTP JSON exporter: POSTs encoded spans with `fetch` (or an injected fetch-like
 * transport, such as the mTLS ones), optional gzip via `CompressionStream`, retries on 429 / 502 /
 * 503 / 504 and network errors with jittered exponential backoff and `Retry-After`, all within the
 * export deadline; bodies split below 64 MiB; at most 4 MiB of a response read.
 * @module
 */
import type { FetchLike } from "../base/fetch.ts";
import type { SpanRecord } from "../tracing/span-record.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";
import { encodeTracesBytes } from "./otlp-json.ts";
import type { EncodeOptions } from "./otlp-json.ts";


/** Options of {@link otlpHttpExporter}. */
export interface OtlpHttpExporterOptions {
  /** Full traces URL (`…/v1/traces`). */
  url: string;
  /** Extra request headers (values are secrets: never logged). */
  headers?: Record<string, string>;
  /** `gzip` or `none`. @default "none" */
  compression?: "gzip" | "none";
  /** Export deadline for one batch, retries included, ms. @default 10000 */
  timeoutMs?: number;
  /** The transport. @default globalThis.fetch */
  fetch?: FetchLike;
  /** Resource attributes and schema URL. */
  encode?: EncodeOptions;
  /** Request body bound before compression, bytes. @default 64 MiB */
  maxBodyBytes?: number;
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

const RETRYABLE = new Set([429, 502, 503, 504]);
const MiB = 1024 * 1024;

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

/** The spans a 2xx answer rejected (`partialSuccess`); none when the body is not such JSON. */
function rejectedFrom(text: string | undefined): { rejected: number; message?: string } {
  try {
    const ps = (JSON.parse(text!) as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } })
      ?.partialSuccess;
    const n = Number(ps?.rejectedSpans ?? 0);
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
 * Creates the OTLP/HTTP JSON exporter.
 *
 * @param options Endpoint, headers, transport and limits.
 * @returns The exporter.
 * @example
 * ```ts
 * import { otlpHttpExporter } from "./otlp-http-exporter.ts";
 * const exporter = otlpHttpExporter({ url: "http://127.0.0.1:4318/v1/traces", compression: "gzip" });
 * ```
 */
export function otlpHttpExporter(options: OtlpHttpExporterOptions): SpanExporter {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBody = options.maxBodyBytes ?? 64 * MiB;
  const maxResponse = options.maxResponseBytes ?? 4 * MiB;
  const initialBackoff = options.initialBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
  const headers: Record<string, string> = {
    ...options.headers,
    "content-type": "application/json",
    "user-agent": options.userAgent ?? "codex-otel-sdk/0.1.0",
  };
  if (options.compression === "gzip") headers["content-encoding"] = "gzip";

  /** Sends one body with retries; every span in it shares the outcome. */
  async function send(body: Uint8Array, count: number): Promise<ExportResult> {
    const deadline = now() + timeoutMs;
    const payload = options.compression === "gzip" ? await gzip(body) : body;
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
        const res = await doFetch(options.url, { method: "POST", headers, body: payload, signal: ctrl.signal });
        const text = await readCapped(res, maxResponse);
        if (res.status >= 200 && res.status < 300) {
          const { rejected, message } = rejectedFrom(text);
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
        const hint = options.url.startsWith("https:") && /ECONNRESET|hang up|closed|EOF/i.test(text)
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

  /** Encodes and splits so that no request body exceeds the bound. */
  async function exportChunk(spans: readonly SpanRecord[]): Promise<ExportResult> {
    const bytes = encodeTracesBytes(spans, options.encode);
    if (bytes.byteLength <= maxBody) return send(bytes, spans.length);
    if (spans.length === 1) {
      return { ok: false, rejected: 1, reason: "too_large", error: `one span encodes to ${bytes.byteLength} bytes, above ${maxBody}` };
    }
    const mid = spans.length >>> 1;
    const a = await exportChunk(spans.slice(0, mid));
    const b = await exportChunk(spans.slice(mid));
    return merge(a, b);
  }

  return {
    kind: "otlp-http",
    async export(spans: readonly SpanRecord[]): Promise<ExportResult> {
      if (spans.length === 0) return { ok: true, rejected: 0 };
      try {
        return await exportChunk(spans);
      } catch (error) {
        return { ok: false, rejected: spans.length, reason: "exporter_error", error: describe(error) };
      }
    },
  };
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
