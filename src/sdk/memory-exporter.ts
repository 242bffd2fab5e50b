/**
 * The in-memory exporter (the seed's `pid://` exporter) for all three signals: keeps finished
 * spans, collected metrics and log records in bounded buffers, lets tests and local verification
 * await them, and can hand each span to a callback. It sits in the sdk layer because it takes
 * every signal's data.
 * @module
 */
import type { ExportResult, SpanExporter } from "../export/exporter.ts";
import type { LogRecordData } from "../logs/data.ts";
import type { MetricData, ScopeMetrics } from "../metrics/data.ts";
import type { SpanRecord } from "../tracing/span-record.ts";

/** A collected metric with the scope (meter) it came from. */
export type MemoryMetric = MetricData & { scope: { name: string; version?: string } };

/** Options of {@link memoryExporter}. */
export interface MemoryExporterOptions {
  /** Spans kept, and log records kept; the oldest are evicted beyond it. @default 10000 */
  limit?: number;
  /** Metric collections kept (each export of the metric reader is one). @default 100 */
  collectionLimit?: number;
  /** Called with each exported span (errors thrown by it are ignored). */
  onSpan?: (span: SpanRecord) => void;
}

/** The in-memory exporter. */
export interface MemoryExporter extends SpanExporter {
  /** `"memory"`. */
  readonly kind: "memory";
  /** A snapshot of the kept spans, oldest first. */
  finished(): ReadonlyArray<SpanRecord>;
  /**
   * The kept spans, oldest first. With `follow: true` it then waits for new ones and ends only at
   * `shutdown()`.
   */
  spans(options?: { follow?: boolean }): AsyncIterableIterator<SpanRecord>;
  /** Resolves with the kept spans once at least `n` are kept; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<ReadonlyArray<SpanRecord>>;
  /** Forgets all kept spans, metrics and log records. */
  reset(): void;
  /**
   * Every metric of every collection exported so far, oldest first. With cumulative temporality
   * (the default) the last entry of a name holds its totals; see {@link MemoryExporter.metric}.
   */
  metrics(): ReadonlyArray<MemoryMetric>;
  /** The latest collected metric of a name, if any. */
  metric(name: string): MemoryMetric | undefined;
  /** The kept log records, oldest first. */
  logs(): ReadonlyArray<LogRecordData>;
  /** Resolves with the kept log records once at least `n` are kept; rejects after `timeoutMs`. */
  waitForLogs(n: number, timeoutMs?: number): Promise<ReadonlyArray<LogRecordData>>;
  /** The facet the metric reader exports to. */
  readonly metricsExporter: { readonly kind: "memory"; export(scopes: readonly ScopeMetrics[]): Promise<ExportResult> };
  /** The facet the log processor exports to. */
  readonly logsExporter: { readonly kind: "memory"; export(records: readonly LogRecordData[]): Promise<ExportResult> };
  /** Spans evicted because the buffer was full. */
  readonly evicted: number;
  /** Ends `spans({ follow: true })` readers. */
  shutdown(): Promise<void>;
}

// Kept as plain records, every field an own data property: a Span reads its times through
// accessors (computed lazily, off the hot path), which spread, `structuredClone` and deep-equal
// assertions would skip. Copying here costs the local-verification path, not export.
const plain = (s: SpanRecord): SpanRecord => ({
  traceId: s.traceId,
  spanId: s.spanId,
  parentSpanId: s.parentSpanId,
  traceState: s.traceState,
  name: s.name,
  kind: s.kind,
  startTimeUnixNano: s.startTimeUnixNano,
  endTimeUnixNano: s.endTimeUnixNano,
  attributes: s.attributes,
  droppedAttributesCount: s.droppedAttributesCount,
  events: s.events,
  droppedEventsCount: s.droppedEventsCount,
  links: s.links,
  droppedLinksCount: s.droppedLinksCount,
  status: s.status,
  flags: s.flags,
  scope: s.scope,
});

/**
 * Creates an in-memory exporter.
 *
 * @param options Bound and callback.
 * @returns The exporter; pass it as `exporter` to `Telemetry.configure`.
 * @example
 * ```ts
 * import { memoryExporter } from "./memory-exporter.ts";
 * const mem = memoryExporter({ limit: 100 });
 * mem.finished().length; // 0
 * mem.metric("gen_ai.client.token.usage"); // undefined until the reader exports
 * mem.logs().length; // 0
 * ```
 */
export function memoryExporter(options: MemoryExporterOptions = {}): MemoryExporter {
  const limit = Math.max(1, options.limit ?? 10_000);
  let kept: SpanRecord[] = [];
  let evicted = 0;
  let closed = false;
  const collectionLimit = Math.max(1, options.collectionLimit ?? 100);
  let collections: MemoryMetric[][] = [];
  let records: LogRecordData[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const waitUntil = <T>(have: () => readonly T[], n: number, timeoutMs: number, what: string): Promise<ReadonlyArray<T>> => {
    if (have().length >= n) return Promise.resolve(have().slice());
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (have().length >= n) {
          done();
          resolve(have().slice());
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`memoryExporter.${what}(${n}): only ${have().length} after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
    });
  };
  return {
    kind: "memory",
    metricsExporter: {
      kind: "memory",
      export(scopes: readonly ScopeMetrics[]): Promise<ExportResult> {
        // Copied: a reader may reuse its point objects between collections.
        const flat: MemoryMetric[] = [];
        for (const sm of scopes) {
          for (const m of sm.metrics) {
            flat.push({ ...m, points: m.points.map((p) => ({ ...p })), scope: { ...sm.scope } } as MemoryMetric);
          }
        }
        collections.push(flat);
        if (collections.length > collectionLimit) collections = collections.slice(collections.length - collectionLimit);
        wake();
        return Promise.resolve({ ok: true, rejected: 0 });
      },
    },
    logsExporter: {
      kind: "memory",
      export(batch: readonly LogRecordData[]): Promise<ExportResult> {
        for (const r of batch) records.push({ ...r });
        if (records.length > limit) {
          evicted += records.length - limit;
          records = records.slice(records.length - limit);
        }
        wake();
        return Promise.resolve({ ok: true, rejected: 0 });
      },
    },
    metrics(): ReadonlyArray<MemoryMetric> {
      return collections.flat();
    },
    metric(name: string): MemoryMetric | undefined {
      for (let i = collections.length - 1; i >= 0; i--) {
        const found = collections[i].find((m) => m.name === name);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    logs(): ReadonlyArray<LogRecordData> {
      return records.slice();
    },
    waitForLogs(n: number, timeoutMs = 5000): Promise<ReadonlyArray<LogRecordData>> {
      return waitUntil(() => records, n, timeoutMs, "waitForLogs");
    },
    get evicted() {
      return evicted;
    },
    export(spans: readonly SpanRecord[]): Promise<ExportResult> {
      for (const s of spans) {
        const span = plain(s);
        kept.push(span);
        if (options.onSpan !== undefined) {
          try {
            options.onSpan(span);
          } catch {
            // a test callback must not break the pipeline
          }
        }
      }
      if (kept.length > limit) {
        evicted += kept.length - limit;
        kept = kept.slice(kept.length - limit);
      }
      wake();
      return Promise.resolve({ ok: true, rejected: 0 });
    },
    shutdown(): Promise<void> {
      closed = true;
      wake();
      return Promise.resolve();
    },
    finished(): ReadonlyArray<SpanRecord> {
      return kept.slice();
    },
    reset(): void {
      kept = [];
      collections = [];
      records = [];
    },
    waitFor(n: number, timeoutMs = 5000): Promise<ReadonlyArray<SpanRecord>> {
      if (kept.length >= n) return Promise.resolve(kept.slice());
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (kept.length >= n) {
            done();
            resolve(kept.slice());
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`memoryExporter.waitFor(${n}): only ${kept.length} spans after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    async *spans(opts?: { follow?: boolean }): AsyncIterableIterator<SpanRecord> {
      let i = 0;
      let base = kept;
      for (;;) {
        if (base !== kept) {
          // reset() or eviction replaced the buffer: continue from what is new to this reader
          i = Math.max(0, i - (base.length - kept.length));
          base = kept;
        }
        if (i < kept.length) {
          yield kept[i++];
          continue;
        }
        if (closed || opts?.follow !== true) return;
        await new Promise<void>((resolve) => {
          const w = (): void => {
            waiters.delete(w);
            resolve();
          };
          waiters.add(w);
        });
      }
    },
  };
}
