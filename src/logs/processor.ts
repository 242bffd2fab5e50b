/**
 * Log record processors: the batch processor (`OTEL_BLRP_*`) and the immediate one, both the
 * shared batch queue of `export/batch-processor.ts` with accounting of "log records" on the `logs`
 * signal, so `exported + dropped + queued === produced` holds at every moment, as for spans.
 * @module
 */
import { batchQueue, immediateQueue } from "../export/batch-processor.ts";
import type { BatchOptions, BatchQueue, ProcessorHooks, ProcessorStats } from "../export/batch-processor.ts";
import type { LogRecordData } from "./data.ts";
import type { LogExporter } from "./exporter.ts";

export type { BatchOptions, ProcessorHooks, ProcessorStats } from "../export/batch-processor.ts";

/** Receives emitted log records. */
export interface LogProcessor {
  /** Called once per emitted record, synchronously; never throws. */
  onEmit(record: LogRecordData): void;
  /** Exports what is pending. */
  forceFlush(): Promise<void>;
  /** Flushes, stops accepting records (later ones are dropped as `shutdown`) and shuts the exporter down. */
  shutdown(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): ProcessorStats;
}

const NOUN = "log record";
const SIGNAL = "logs";

function logProcessorOf(q: BatchQueue<LogRecordData>): LogProcessor {
  return { onEmit: q.push, forceFlush: q.forceFlush, shutdown: q.shutdown, stats: q.stats };
}

/**
 * Creates a batch log record processor. Defaults are the spec's `OTEL_BLRP_*` ones: queue 2048,
 * batch 512, delay 1000 ms, export timeout 30000 ms.
 *
 * @param exporter Where batches go.
 * @param options Queue, batch and schedule settings.
 * @param hooks Warning sink.
 * @returns The processor.
 * @example
 * ```ts
 * import { batchLogProcessor } from "./processor.ts";
 * import { otlpHttpLogExporter } from "./exporter.ts";
 * const p = batchLogProcessor(otlpHttpLogExporter({ url: "http://127.0.0.1:4318/v1/logs" }), { maxExportBatchSize: 100 });
 * await p.shutdown();
 * ```
 */
export function batchLogProcessor(
  exporter: LogExporter,
  options: BatchOptions = {},
  hooks: ProcessorHooks = {},
): LogProcessor {
  return logProcessorOf(batchQueue(exporter, options, hooks, NOUN, SIGNAL));
}

/**
 * Creates a processor that exports every record as soon as it is emitted (for an in-memory
 * exporter and tests; a network exporter wants {@link batchLogProcessor}).
 *
 * @param exporter Where records go.
 * @param hooks Warning sink.
 * @returns The processor.
 * @example
 * ```ts
 * import { immediateLogProcessor } from "./processor.ts";
 * const seen: string[] = [];
 * const p = immediateLogProcessor({
 *   kind: "array",
 *   export: (records) => {
 *     for (const r of records) seen.push(String(r.body));
 *     return Promise.resolve({ ok: true, rejected: 0 });
 *   },
 * });
 * ```
 */
export function immediateLogProcessor(exporter: LogExporter, hooks: ProcessorHooks = {}): LogProcessor {
  return logProcessorOf(immediateQueue(exporter, hooks, NOUN, SIGNAL));
}
