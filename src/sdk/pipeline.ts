/**
 * What the pipeline of one signal (traces, metrics, logs) offers `configure`: its exporter's name,
 * flush, shutdown and the accounting counters, and the helpers every signal shares (the transport
 * with TLS, the exporter fan-out to OTLP and the console).
 * @module
 */
import type { ResolvedConfig } from "../config/config.ts";
import type { ProcessorStats } from "../export/accounting.ts";
import type { ExportResult } from "../export/exporter.ts";
import type { OtlpSignal } from "../export/otlp-http.ts";
import type { FetchLike, TlsOptions } from "../base/fetch.ts";
import { tlsFetch } from "../runtime/tls-fetch.ts";

/** One signal's running pipeline. */
export interface SignalPipeline {
  /** The signal. */
  readonly signal: OtlpSignal;
  /** Where it exports: `otlp-http`, `memory`, `console`, `custom`, or a `+`-joined list. */
  readonly exporter: string;
  /** Exports what is pending; never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops; never rejects. */
  shutdown(reason: string): Promise<void>;
  /** The accounting counters. */
  stats(): ProcessorStats;
}

/** An exporter of any signal: a kind and an export call that never rejects. */
export interface AnyExporter<T> {
  /** Its name. */
  readonly kind: string;
  /** Sends a batch. */
  export(items: T): Promise<ExportResult>;
  /** Releases resources. */
  shutdown?(): Promise<void>;
}

/**
 * Sends every batch to each exporter; the first one's outcome is the batch's (the console is a
 * copy for a reader, not a delivery to account for).
 *
 * @param exporters The exporters, the accounted one first.
 * @returns One exporter.
 * @example
 * ```ts
 * import { fanOut } from "./pipeline.ts";
 * const both = fanOut([{ kind: "a", export: () => Promise.resolve({ ok: true, rejected: 0 }) }]);
 * ```
 */
export function fanOut<T>(exporters: readonly AnyExporter<T>[]): AnyExporter<T> {
  if (exporters.length === 1) return exporters[0];
  const [first, ...rest] = exporters;
  return {
    kind: exporters.map((e) => e.kind).join("+"),
    async export(items: T): Promise<ExportResult> {
      for (const e of rest) {
        try {
          await e.export(items);
        } catch {
          // a copy must not fail the delivery
        }
      }
      return first.export(items);
    },
    async shutdown(): Promise<void> {
      for (const e of exporters) {
        try {
          await e.shutdown?.();
        } catch {
          // never rejects
        }
      }
    },
  };
}

/** What an OTLP/HTTP exporter of any signal is built from. */
export interface OtlpTarget {
  /** The signal's URL. */
  url: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Compression. */
  compression: "gzip" | "none";
  /** Deadline, ms. */
  timeoutMs: number;
  /** Resource of every request. */
  encode: { resource: ResolvedConfig["resource"] };
  /** The transport, when not the global `fetch`. */
  fetch?: FetchLike;
}

/**
 * The exporters a signal's `OTEL_<SIGNAL>_EXPORTER` list names, the accounted one first: OTLP
 * (the in-memory facet for `memory://`, else OTLP/HTTP on the signal's settings), then the console.
 *
 * @param config The configuration in effect.
 * @param signal The signal.
 * @param transports The transports.
 * @param parts How this signal makes each kind of exporter; `own` takes OTLP's place (the
 *   in-memory facet for `memory://`, or the user's span exporter).
 * @returns One exporter (a fan-out when several).
 */
export function signalExporter<T>(
  config: ResolvedConfig,
  signal: OtlpSignal,
  transports: Transports,
  parts: { own?: AnyExporter<T>; console: () => AnyExporter<T>; otlp: (target: OtlpTarget) => AnyExporter<T> },
): AnyExporter<T> {
  const s = config.signals[signal];
  const list: AnyExporter<T>[] = [];
  for (const name of config.exporters[signal]) {
    if (name === "console") continue;
    if (parts.own !== undefined) list.push(parts.own);
    else {
      const transport = transports.for(s.tls);
      list.push(parts.otlp({
        url: s.endpoint ?? "",
        headers: s.headers,
        compression: s.compression,
        timeoutMs: s.timeoutMs,
        encode: { resource: config.resource },
        ...(transport === undefined ? {} : { fetch: transport }),
      }));
    }
  }
  if (config.exporters[signal].includes("console")) list.push(parts.console());
  return fanOut(list);
}

/**
 * The transport of a signal: the `fetch` option, else an mTLS transport for its TLS material (one
 * per distinct material, shared by the signals), else the global `fetch`.
 */
export class Transports {
  readonly #own: FetchLike | undefined;
  // Keyed by the material's contents (the same file bytes are shared by every signal naming them).
  readonly #made: [TlsOptions, FetchLike | undefined][] = [];
  readonly #unsupported: () => void;

  /**
   * @param own The `fetch` option.
   * @param unsupported Called once per TLS material this runtime cannot present.
   */
  constructor(own: FetchLike | undefined, unsupported: () => void) {
    this.#own = own;
    this.#unsupported = unsupported;
  }

  /**
   * The transport for TLS material.
   *
   * @param tls The signal's TLS material.
   * @returns The transport, or `undefined` for the global `fetch`.
   */
  for(tls: TlsOptions | undefined): FetchLike | undefined {
    if (this.#own !== undefined || tls === undefined) return this.#own;
    for (const [m, t] of this.#made) if (m.cert === tls.cert && m.key === tls.key && m.ca === tls.ca) return t;
    const t = tlsFetch(tls);
    if (t === undefined) this.#unsupported();
    this.#made.push([tls, t]);
    return t;
  }
}

/** Empty counters (a signal that is off). */
export const NO_STATS: ProcessorStats = Object.freeze({
  produced: 0,
  exported: 0,
  dropped: 0,
  droppedByReason: {},
  queued: 0,
  inFlight: 0,
  failedExports: 0,
}) as ProcessorStats;
