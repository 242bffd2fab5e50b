/**
 * The in-memory exporter (the seed's `pid://` exporter): keeps finished spans in a bounded buffer,
 * lets tests and local verification await them, and can hand each span to a callback.
 * @module
 */
import type { SpanRecord } from "../tracing/span-record.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";

/** Options of {@link memoryExporter}. */
export interface MemoryExporterOptions {
  /** Spans kept; the oldest are evicted beyond it. @default 10000 */
  limit?: number;
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
  /** Forgets all kept spans. */
  reset(): void;
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
 * ```
 */
export function memoryExporter(options: MemoryExporterOptions = {}): MemoryExporter {
  const limit = Math.max(1, options.limit ?? 10_000);
  let kept: SpanRecord[] = [];
  let evicted = 0;
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  return {
    kind: "memory",
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
