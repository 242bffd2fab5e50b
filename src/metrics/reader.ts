/**
 * The periodic metric reader (`OTEL_METRIC_EXPORT_INTERVAL` / `_TIMEOUT`): collects a meter
 * provider on an unref'd timer and hands each collection to an exporter, one at a time, with the
 * exact accounting of data points the span pipeline keeps (`exported + dropped + queued ===
 * produced`); `forceFlush()` for scripts and edge `waitUntil`, `shutdown()` for the final export.
 * @module
 */
import { Accounting, safeExport } from "../export/accounting.ts";
import type { ProcessorHooks, ProcessorStats } from "../export/accounting.ts";
import { countPoints } from "./data.ts";
import type { ScopeMetrics } from "./data.ts";
import type { MetricExporter } from "./exporter.ts";
import type { MeterProvider } from "./meter.ts";

export type { ProcessorHooks, ProcessorStats } from "../export/accounting.ts";

/** Options of {@link periodicReader}. */
export interface PeriodicReaderOptions {
  /** Time between two collections, ms (`OTEL_METRIC_EXPORT_INTERVAL`). @default 60000 */
  intervalMs?: number;
  /** Upper bound for one export call, ms (`OTEL_METRIC_EXPORT_TIMEOUT`). @default 30000 */
  timeoutMs?: number;
}

/** Collects a provider and exports what it collected. */
export interface MetricReader {
  /** Collects and exports now (after an export in flight, if any). Never rejects. */
  forceFlush(): Promise<void>;
  /** A final collection and export, then the timer stops and the exporter shuts down. Idempotent; never rejects. */
  shutdown(): Promise<void>;
  /** The data point counters: `exported + dropped + queued === produced` at every moment. */
  stats(): ProcessorStats;
}

function unref(timer: unknown): void {
  (timer as { unref?: () => void })?.unref?.();
}

/**
 * Creates a periodic reader. The timer never holds a script open (unref'd where the runtime can).
 *
 * @param provider The provider to collect (one reader per provider: delta intervals are the provider's).
 * @param exporter Where collections go.
 * @param options Interval and export timeout.
 * @param hooks Warning sink.
 * @returns The reader.
 * @example
 * ```ts
 * import { createMeterProvider } from "./meter.ts";
 * import { otlpHttpMetricExporter } from "./exporter.ts";
 * import { periodicReader } from "./reader.ts";
 * const provider = createMeterProvider();
 * const reader = periodicReader(provider, otlpHttpMetricExporter({ url: "http://127.0.0.1:4318/v1/metrics" }), { intervalMs: 10_000 });
 * provider.meter("demo").counter("jobs").add(1);
 * await reader.shutdown();
 * ```
 */
export function periodicReader(
  provider: MeterProvider,
  exporter: MetricExporter,
  options: PeriodicReaderOptions = {},
  hooks: ProcessorHooks = {},
): MetricReader {
  const intervalMs = Math.max(1, options.intervalMs ?? 60_000);
  const timeoutMs = Math.max(1, options.timeoutMs ?? 30_000);
  const acc = new Accounting(hooks, "data point", "metrics");
  const warn = hooks.warn ?? ((m: string) => console.warn(m));
  let queued = 0;
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let stopping: Promise<void> | undefined;
  // One collection and export at a time: cycles run one after another on `tail`; a flush asked
  // for while one waits to start shares it (it collects after the request either way).
  let tail: Promise<void> = Promise.resolve();
  let waiting: Promise<void> | undefined;

  const cycle = async (): Promise<void> => {
    let scopes: ScopeMetrics[];
    try {
      scopes = provider.collect();
    } catch (error) {
      try {
        warn(`[codex] telemetry: metrics collection failed: ${String((error as Error)?.message ?? error)}`);
      } catch { /* a broken sink must not break export */ }
      return;
    }
    const n = countPoints(scopes);
    if (n === 0) return;
    acc.produced += n;
    queued = n;
    inFlight = n;
    const result = await safeExport(() => exporter.export(scopes), n, timeoutMs);
    acc.settle(n, result);
    queued = 0;
    inFlight = 0;
    acc.emitDrops();
  };

  const enqueue = (): Promise<void> => {
    if (waiting !== undefined) return waiting;
    const p: Promise<void> = tail.then(() => {
      if (waiting === p) waiting = undefined;
      return cycle();
    }).catch(() => {});
    waiting = p;
    tail = p;
    return p;
  };

  const arm = (): void => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void enqueue().then(arm);
    }, intervalMs);
    unref(timer);
  };
  arm();

  return {
    async forceFlush(): Promise<void> {
      if (closed) return stopping;
      await enqueue();
    },
    shutdown(): Promise<void> {
      if (stopping !== undefined) return stopping;
      closed = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      stopping = (async () => {
        await enqueue();
        acc.emitDrops();
        try {
          await exporter.shutdown?.();
        } catch { /* exporters never throw at the host */ }
      })();
      return stopping;
    },
    stats(): ProcessorStats {
      return acc.stats(queued, inFlight);
    },
  };
}
