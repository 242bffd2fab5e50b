/**
 * Batching with exact accounting, one implementation for every signal's items (spans, log
 * records): the batch queue (bounded queue, batch size, schedule, one export in flight, flush,
 * shutdown) and the immediate one used by the in-memory exporter, with the span processors as
 * thin adapters. Every item handed in is, at every moment, exactly one of exported, dropped (by
 * reason) or queued (waiting or in flight): `exported + dropped + queued === produced`.
 * @module
 */
import { Accounting, safeExport } from "./accounting.ts";
import type { ProcessorHooks, ProcessorStats } from "./accounting.ts";

export type { ProcessorHooks, ProcessorStats } from "./accounting.ts";
import type { SpanProcessor } from "../tracing/span.ts";
import type { SpanRecord } from "../tracing/span-record.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";

/** Batch settings (OpenTelemetry `OTEL_BSP_*` for spans, `OTEL_BLRP_*` for log records). */
export interface BatchOptions {
  /** Queue bound; items beyond it are dropped (`queue_full`). @default 2048 */
  maxQueueSize?: number;
  /** Items per export request. @default 512 */
  maxExportBatchSize?: number;
  /** Delay between scheduled exports, ms. 1 s suits a CLI-side SDK better than the spec's 5 s. @default 1000 */
  scheduledDelayMillis?: number;
  /** Upper bound for one export call, ms (the exporter has its own, usually shorter, deadline). @default 30000 */
  exportTimeoutMillis?: number;
}

/** A processor that keeps the accounting invariant and can report it. */
export interface AccountingProcessor extends SpanProcessor {
  /** A snapshot of the counters. */
  stats(): ProcessorStats;
}

/** What a queue exports to: a span or log record exporter (any `export` that never rejects). */
export interface BatchExporter<T> {
  /** Sends a batch; resolves with the outcome. */
  export(items: readonly T[]): Promise<ExportResult>;
  /** Releases resources (called once by the queue's `shutdown`). */
  shutdown?(): Promise<void>;
}

/** A queue of one signal's items in front of its exporter, keeping the accounting invariant. */
export interface BatchQueue<T> {
  /** Hands one item in, synchronously; never throws. */
  push(item: T): void;
  /** Exports everything queued, one request at a time. */
  forceFlush(): Promise<void>;
  /** Flushes, stops accepting items (later ones are dropped as `shutdown`) and shuts the exporter down. */
  shutdown(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): ProcessorStats;
}

function unref(timer: unknown): void {
  (timer as { unref?: () => void })?.unref?.();
}

/**
 * Creates a batch queue: items wait in a bounded queue and are exported in batches when a batch
 * is full, on the schedule, on flush and on shutdown, one request at a time. The span and log
 * record batch processors are this queue under their own names.
 *
 * @param exporter Where batches go.
 * @param options Queue, batch and schedule settings.
 * @param hooks Warning sink.
 * @param noun What an item is, singular, for warnings (`span`, `log record`). @default "span"
 * @param signal The signal named on drop/failure events (`logs`); spans leave it out.
 * @returns The queue.
 * @example
 * ```ts
 * import { batchQueue } from "./batch-processor.ts";
 * const sent: string[] = [];
 * const q = batchQueue<string>({
 *   export: (items) => {
 *     sent.push(...items);
 *     return Promise.resolve({ ok: true, rejected: 0 });
 *   },
 * }, { maxExportBatchSize: 2 }, {}, "line", "logs");
 * q.push("a");
 * q.push("b");
 * await q.shutdown();
 * q.stats().exported; // 2
 * ```
 */
export function batchQueue<T>(
  exporter: BatchExporter<T>,
  options: BatchOptions = {},
  hooks: ProcessorHooks = {},
  noun = "span",
  signal?: string,
): BatchQueue<T> {
  const maxQueue = Math.max(1, options.maxQueueSize ?? 2048);
  const batchSize = Math.max(1, Math.min(options.maxExportBatchSize ?? 512, maxQueue));
  const delay = Math.max(0, options.scheduledDelayMillis ?? 1000);
  const exportTimeout = Math.max(1, options.exportTimeoutMillis ?? 30_000);
  const acc = new Accounting(hooks, noun, signal);
  let queue: T[] = [];
  let inFlight = 0;
  let running: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  // The queue is read from `head`; it is compacted only when the consumed part dominates, so
  // taking a batch does not copy everything behind it.
  let head = 0;
  const waiting = (): number => queue.length - head;
  const exportOne = async (): Promise<void> => {
    let batch: T[];
    if (head === 0 && queue.length <= batchSize) {
      batch = queue;
      queue = [];
    } else {
      batch = queue.slice(head, head + batchSize);
      head += batch.length;
      if (head >= queue.length) {
        queue = [];
        head = 0;
      } else if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
    }
    inFlight = batch.length;
    const result = await safeExport(() => exporter.export(batch), batch.length, exportTimeout);
    acc.settle(batch.length, result);
    inFlight = 0;
    acc.emitDrops();
  };

  // One export in flight: a loop drains full batches (or everything when `all`), then stops.
  const drain = (all: boolean): Promise<void> => {
    if (running !== undefined) {
      return all ? running.then(() => (waiting() > 0 ? drain(true) : undefined)) : running;
    }
    running = (async () => {
      try {
        while (waiting() >= batchSize || (all && waiting() > 0)) await exportOne();
      } finally {
        running = undefined;
      }
      if (waiting() > 0 && !closed) arm();
    })();
    return running;
  };

  const arm = (): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void drain(true);
    }, delay);
    unref(timer);
  };

  return {
    push(item: T): void {
      acc.produced++;
      if (closed) {
        acc.drop("shutdown", 1);
        return;
      }
      const n = queue.length - head;
      if (n >= maxQueue) {
        acc.drop("queue_full", 1);
        return;
      }
      queue.push(item);
      if (n + 1 >= batchSize) {
        if (running === undefined) void drain(false);
      } else arm();
    },
    async forceFlush(): Promise<void> {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      await drain(true);
      acc.emitDrops();
    },
    async shutdown(): Promise<void> {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      await drain(true);
      closed = true;
      acc.emitDrops();
      await exporter.shutdown?.();
    },
    stats(): ProcessorStats {
      return acc.stats(waiting() + inFlight, inFlight);
    },
  };
}

/**
 * Creates a queue that exports every item as soon as it is handed in (for the in-memory exporter
 * and tests; a network exporter wants {@link batchQueue}).
 *
 * @param exporter Where items go.
 * @param hooks Warning sink.
 * @param noun What an item is, singular, for warnings. @default "span"
 * @param signal The signal named on drop/failure events; spans leave it out.
 * @returns The queue.
 * @example
 * ```ts
 * import { immediateQueue } from "./batch-processor.ts";
 * const q = immediateQueue<string>({ export: () => Promise.resolve({ ok: true, rejected: 0 }) });
 * q.push("a");
 * await q.forceFlush();
 * q.stats().exported; // 1
 * ```
 */
export function immediateQueue<T>(
  exporter: BatchExporter<T>,
  hooks: ProcessorHooks = {},
  noun = "span",
  signal?: string,
): BatchQueue<T> {
  const acc = new Accounting(hooks, noun, signal);
  let pending = 0;
  let closed = false;
  const inflight = new Set<Promise<void>>();
  return {
    push(item: T): void {
      acc.produced++;
      if (closed) {
        acc.drop("shutdown", 1);
        return;
      }
      pending++;
      const p = safeExport(() => exporter.export([item]), 1, 30_000).then((r) => {
        pending--;
        acc.settle(1, r);
        acc.emitDrops();
        inflight.delete(p);
      });
      inflight.add(p);
    },
    async forceFlush(): Promise<void> {
      await Promise.all([...inflight]);
    },
    async shutdown(): Promise<void> {
      await Promise.all([...inflight]);
      closed = true;
      await exporter.shutdown?.();
    },
    stats(): ProcessorStats {
      return acc.stats(pending, pending);
    },
  };
}

/** The span processor face of a queue: `onEnd` is the queue's `push` itself (no extra call on the span hot path). */
function spanProcessorOf(q: BatchQueue<SpanRecord>): AccountingProcessor {
  return { onEnd: q.push, forceFlush: q.forceFlush, shutdown: q.shutdown, stats: q.stats };
}

/**
 * Creates a batch span processor (a {@link batchQueue} of spans).
 *
 * @param exporter Where batches go.
 * @param options Queue, batch and schedule settings.
 * @param hooks Warning sink.
 * @returns The processor.
 * @example
 * ```ts
 * import { batchProcessor } from "./batch-processor.ts";
 * import { memoryExporter } from "../sdk/memory-exporter.ts";
 * const p = batchProcessor(memoryExporter(), { maxExportBatchSize: 100 });
 * await p.shutdown();
 * ```
 */
export function batchProcessor(
  exporter: SpanExporter,
  options: BatchOptions = {},
  hooks: ProcessorHooks = {},
): AccountingProcessor {
  return spanProcessorOf(batchQueue(exporter, options, hooks));
}

/**
 * Creates a processor that exports every span as soon as it ends (for the in-memory exporter and
 * tests; a network exporter wants {@link batchProcessor}).
 *
 * @param exporter Where spans go.
 * @param hooks Warning sink.
 * @returns The processor.
 * @example
 * ```ts
 * import { immediateProcessor } from "./batch-processor.ts";
 * import { memoryExporter } from "../sdk/memory-exporter.ts";
 * const p = immediateProcessor(memoryExporter());
 * ```
 */
export function immediateProcessor(exporter: SpanExporter, hooks: ProcessorHooks = {}): AccountingProcessor {
  return spanProcessorOf(immediateQueue(exporter, hooks));
}
