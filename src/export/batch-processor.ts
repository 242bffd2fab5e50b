/**
 * Span processors with exact accounting: the batch processor (bounded queue, batch size, schedule,
 * one export in flight, flush, shutdown) and the immediate one used by the in-memory exporter.
 * Every span handed in is, at every moment, exactly one of exported, dropped (by reason) or queued
 * (waiting or in flight): `exported + dropped + queued === produced`.
 * @module
 */
import { emit } from "../telemetry/bus.ts";
// Event names as `EventName` literals, not `Events.x`: see src/tracing/tracer.ts.
import type { EventName } from "../telemetry/events.ts";
import type { SpanProcessor } from "../tracing/span.ts";
import type { SpanRecord } from "../tracing/span-record.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";

/** Batch processor settings (OpenTelemetry `OTEL_BSP_*`). */
export interface BatchOptions {
  /** Queue bound; spans beyond it are dropped (`queue_full`). @default 2048 */
  maxQueueSize?: number;
  /** Spans per export request. @default 512 */
  maxExportBatchSize?: number;
  /** Delay between scheduled exports, ms. 1 s suits a CLI-side SDK better than the spec's 5 s. @default 1000 */
  scheduledDelayMillis?: number;
  /** Upper bound for one export call, ms (the exporter has its own, usually shorter, deadline). @default 30000 */
  exportTimeoutMillis?: number;
}

/** Counters reported by {@link AccountingProcessor.stats}. */
export interface ProcessorStats {
  /** Spans handed to the processor. */
  produced: number;
  /** Spans the receiver accepted. */
  exported: number;
  /** Spans lost, total. */
  dropped: number;
  /** Spans lost, by reason (`queue_full`, `http_400`, `timeout`, `network`, `partial_success`, `shutdown`, ...). */
  droppedByReason: Record<string, number>;
  /** Spans waiting or being exported. */
  queued: number;
  /** Of `queued`, the spans in the request in flight. */
  inFlight: number;
  /** Export requests that failed. */
  failedExports: number;
  /** The last failure, without secrets. */
  lastError?: string;
}

/** Hooks for problems, so they reach the host as telemetry and a rate-limited warning, never a throw. */
export interface ProcessorHooks {
  /** Receives human-readable warnings (rate-limited per reason). @default console.warn */
  warn?: (message: string) => void;
  /** Minimum interval between two warnings of the same reason, ms. @default 30000 */
  warnIntervalMs?: number;
}

/** A processor that keeps the accounting invariant and can report it. */
export interface AccountingProcessor extends SpanProcessor {
  /** A snapshot of the counters. */
  stats(): ProcessorStats;
}

/** Per drop reason: the count not yet reported as an event, and when it was last reported. */
interface DropReason {
  pending: number;
  error?: string;
  emitted: number;
  warned: number;
}

class Accounting {
  produced = 0;
  exported = 0;
  dropped = 0;
  byReason: Record<string, number> = {};
  failedExports = 0;
  lastError: string | undefined;
  // Drop events are coalesced per reason (at most one per second, the rest reported with the
  // next one or at flush), and warnings rate-limited per reason: a dead collector under load
  // would otherwise emit and warn once per span.
  #reasons = new Map<string, DropReason>();
  #warn: (message: string) => void;
  #interval: number;

  constructor(hooks: ProcessorHooks) {
    this.#warn = hooks.warn ?? ((m) => console.warn(m));
    this.#interval = hooks.warnIntervalMs ?? 30_000;
  }

  /** The counters as {@link ProcessorStats}, with the processor's own queue figures. */
  stats(queued: number, inFlight: number): ProcessorStats {
    return {
      produced: this.produced,
      exported: this.exported,
      dropped: this.dropped,
      droppedByReason: { ...this.byReason },
      queued,
      inFlight,
      failedExports: this.failedExports,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  drop(reason: string, count: number, error?: string): void {
    if (count <= 0) return;
    this.dropped += count;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + count;
    let r = this.#reasons.get(reason);
    if (r === undefined) this.#reasons.set(reason, r = { pending: 0, emitted: -Infinity, warned: -Infinity });
    r.pending += count;
    if (error !== undefined) r.error = error;
    const now = Date.now();
    if (now - r.emitted >= 1000) this.emitDrops(reason, now);
    if (now - r.warned < this.#interval) return;
    r.warned = now;
    try {
      this.#warn(`[codex] telemetry: dropped ${count} span(s) (${reason})${error ? `: ${error}` : ""}`);
    } catch {
      // a broken sink must not break export
    }
  }

  /** Emits the coalesced drop counts (all reasons, or one). */
  emitDrops(only?: string, now: number = Date.now()): void {
    for (const [reason, r] of this.#reasons) {
      if (r.pending === 0 || (only !== undefined && reason !== only)) continue;
      const { pending, error } = r;
      // Reset before emitting: a handler may drop more spans.
      r.pending = 0;
      r.error = undefined;
      r.emitted = now;
      emit("codex.exporter.dropped" satisfies EventName, { count: pending, dropped_total: this.dropped }, {
        reason,
        ...(error === undefined ? {} : { error }),
      });
    }
  }

  settle(batch: number, result: ExportResult): void {
    if (result.ok) {
      const rejected = Math.min(batch, Math.max(0, result.rejected));
      this.exported += batch - rejected;
      if (rejected > 0) this.drop(result.reason ?? "partial_success", rejected, result.error);
      return;
    }
    this.failedExports++;
    this.lastError = result.error ?? result.reason;
    emit("codex.exporter.failed" satisfies EventName, { count: batch, attempts: result.attempts ?? 1 }, {
      reason: result.reason ?? "error",
      error: result.error,
    });
    this.drop(result.reason ?? "error", batch, result.error);
  }
}

async function safeExport(exporter: SpanExporter, spans: readonly SpanRecord[], timeoutMs: number): Promise<ExportResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const guard = new Promise<ExportResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, rejected: spans.length, reason: "timeout", error: `export exceeded ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    return await Promise.race([exporter.export(spans), guard]);
  } catch (error) {
    return { ok: false, rejected: spans.length, reason: "exporter_error", error: String((error as Error)?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

function unref(timer: unknown): void {
  (timer as { unref?: () => void })?.unref?.();
}

/**
 * Creates a batch span processor.
 *
 * @param exporter Where batches go.
 * @param options Queue, batch and schedule settings.
 * @param hooks Warning sink.
 * @returns The processor.
 * @example
 * ```ts
 * import { batchProcessor } from "./batch-processor.ts";
 * import { memoryExporter } from "./memory-exporter.ts";
 * const p = batchProcessor(memoryExporter(), { maxExportBatchSize: 100 });
 * await p.shutdown();
 * ```
 */
export function batchProcessor(
  exporter: SpanExporter,
  options: BatchOptions = {},
  hooks: ProcessorHooks = {},
): AccountingProcessor {
  const maxQueue = Math.max(1, options.maxQueueSize ?? 2048);
  const batchSize = Math.max(1, Math.min(options.maxExportBatchSize ?? 512, maxQueue));
  const delay = Math.max(0, options.scheduledDelayMillis ?? 1000);
  const exportTimeout = Math.max(1, options.exportTimeoutMillis ?? 30_000);
  const acc = new Accounting(hooks);
  let queue: SpanRecord[] = [];
  let inFlight = 0;
  let running: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  // The queue is read from `head`; it is compacted only when the consumed part dominates, so
  // taking a batch does not copy everything behind it.
  let head = 0;
  const waiting = (): number => queue.length - head;
  const exportOne = async (): Promise<void> => {
    let batch: SpanRecord[];
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
    const result = await safeExport(exporter, batch, exportTimeout);
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
    onEnd(span: SpanRecord): void {
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
      queue.push(span);
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
 * Creates a processor that exports every span as soon as it ends (for the in-memory exporter and
 * tests; a network exporter wants {@link batchProcessor}).
 *
 * @param exporter Where spans go.
 * @param hooks Warning sink.
 * @returns The processor.
 * @example
 * ```ts
 * import { immediateProcessor } from "./batch-processor.ts";
 * import { memoryExporter } from "./memory-exporter.ts";
 * const p = immediateProcessor(memoryExporter());
 * ```
 */
export function immediateProcessor(exporter: SpanExporter, hooks: ProcessorHooks = {}): AccountingProcessor {
  const acc = new Accounting(hooks);
  let pending = 0;
  let closed = false;
  const inflight = new Set<Promise<void>>();
  return {
    onEnd(span: SpanRecord): void {
      acc.produced++;
      if (closed) {
        acc.drop("shutdown", 1);
        return;
      }
      pending++;
      const p = safeExport(exporter, [span], 30_000).then((r) => {
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
