/**
 * What the pipeline of one signal (traces, metrics, logs) offers `configure`: its exporter's name,
 * flush, shutdown and the accounting counters, and the helpers every signal shares (the transport
 * with TLS, the exporter fan-out to OTLP and the console).
 * @module
 */
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
