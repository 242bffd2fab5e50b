/**
 * Exact accounting shared by every signal's pipeline (spans, metric data points, log records):
 * `exported + dropped + queued === produced`, drops by reason, export deadlines.
 * @module
 */
import { emit } from "../telemetry/bus.ts";
// Event names as `EventName` literals, not `Events.x`: see src/tracing/tracer.ts.
import type { EventName } from "../telemetry/events.ts";
import type { ExportResult } from "./exporter.ts";

/** Counters of one signal's pipeline (items are spans, data points or log records). */
export interface ProcessorStats {
  /** Items handed to the processor. */
  produced: number;
  /** Items the receiver accepted. */
  exported: number;
  /** Items lost, total. */
  dropped: number;
  /** Items lost, by reason (`queue_full`, `http_400`, `timeout`, `network`, `partial_success`, `shutdown`, ...). */
  droppedByReason: Record<string, number>;
  /** Items waiting or being exported. */
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

/** Per drop reason: the count not yet reported as an event, and when it was last reported. */
interface DropReason {
  pending: number;
  error?: string;
  emitted: number;
  warned: number;
}

/**
 * Exact accounting of one signal's items (spans, data points, log records): produced, exported,
 * dropped by reason, failed exports; drop events (`codex.exporter.dropped`) coalesced per reason
 * and warnings rate-limited, so a dead collector under load neither floods the bus nor the log.
 *
 * @example
 * ```ts
 * import { Accounting } from "./accounting.ts";
 * const a = new Accounting({ warn: () => {} }, "log record");
 * a.produced += 2;
 * a.settle(2, { ok: true, rejected: 1, reason: "partial_success" });
 * a.stats(0, 0).dropped; // 1
 * ```
 */
export class Accounting {
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

  #noun: string;
  #signal: string | undefined;

  /**
   * @param hooks Warning sink and interval.
   * @param noun What is counted, singular (`span`, `data point`, `log record`), for warnings.
   * @param signal The signal named on drop/failure events (`metrics`, `logs`); spans leave it out.
   */
  constructor(hooks: ProcessorHooks, noun = "span", signal?: string) {
    this.#warn = hooks.warn ?? ((m) => console.warn(m));
    this.#interval = hooks.warnIntervalMs ?? 30_000;
    this.#noun = noun;
    this.#signal = signal;
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

  /** Counts `count` items dropped for `reason`. */
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
      this.#warn(`[codex] telemetry: dropped ${count} ${this.#noun}(s) (${reason})${error ? `: ${error}` : ""}`);
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
        ...(this.#signal === undefined ? {} : { signal: this.#signal }),
        ...(error === undefined ? {} : { error }),
      });
    }
  }

  /** Counts the outcome of exporting `batch` items. */
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
      ...(this.#signal === undefined ? {} : { signal: this.#signal }),
    });
    this.drop(result.reason ?? "error", batch, result.error);
  }
}

/**
 * Runs one export under a deadline: a hung or throwing exporter becomes a failed result.
 *
 * @param run The export call.
 * @param items How many items it carries (the count rejected on failure).
 * @param timeoutMs Deadline.
 * @returns The outcome; never rejects.
 * @example
 * ```ts
 * import { safeExport } from "./accounting.ts";
 * const r = await safeExport(() => Promise.resolve({ ok: true, rejected: 0 }), 3, 1000);
 * ```
 */
export async function safeExport(run: () => Promise<ExportResult>, items: number, timeoutMs: number): Promise<ExportResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const guard = new Promise<ExportResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, rejected: items, reason: "timeout", error: `export exceeded ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    return await Promise.race([run(), guard]);
  } catch (error) {
    return { ok: false, rejected: items, reason: "exporter_error", error: String((error as Error)?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

