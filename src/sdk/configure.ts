/**
 * The telemetry pipeline: `configure(options)` builds the traces, metrics and logs pipelines from
 * options and environment (each signal on or off on its own), reports status per signal, and swaps
 * the pipelines cleanly when called again.
 * @module
 */
import { ConfigError, displayEndpoint, resolveConfig } from "../config/config.ts";
import type { ResolvedConfig, TelemetryOptions } from "../config/config.ts";
import type { ProcessorStats } from "../export/accounting.ts";
import type { OtlpSignal } from "../export/otlp-http.ts";
import type { Logger } from "../logs/logger.ts";
import type { Meter } from "../metrics/api.ts";
import { onBeforeExit, runtimeEnv } from "../runtime/env.ts";
import type { Tracer } from "../tracing/tracer.ts";
import { emit } from "../telemetry/bus.ts";
import { Events } from "../telemetry/events.ts";
import { setMeterSource } from "./host-meter.ts";
import { logsPipeline } from "./logs.ts";
import type { LogsPipeline } from "./logs.ts";
import { memoryExporter } from "./memory-exporter.ts";
import type { MemoryExporter } from "./memory-exporter.ts";
import { metricsPipeline } from "./metrics.ts";
import type { MetricsPipeline } from "./metrics.ts";
import { NO_STATS, Transports } from "./pipeline.ts";
import type { SignalPipeline } from "./pipeline.ts";
import { tracesPipeline } from "./traces.ts";
import type { TracesPipeline } from "./traces.ts";

/** One signal's status: where it goes and its exact accounting (`exported + dropped + queued === produced`). */
export interface SignalStatus {
  /** Whether the signal is exported. */
  enabled: boolean;
  /** `otlp-http`, `memory`, `console`, `custom`, a `+`-joined list, or `none`. */
  exporter: string;
  /** The signal's endpoint, without credentials or query. */
  endpoint?: string;
  /** Items (spans, data points, log records) handed to the pipeline. */
  produced: number;
  /** Items accepted by the receiver. */
  exported: number;
  /** Items lost. */
  dropped: number;
  /** Items lost, by reason. */
  droppedByReason: Record<string, number>;
  /** Items waiting or in flight. */
  queued: number;
  /** Failed export requests. */
  failedExports: number;
  /** The last export failure. */
  lastError?: string;
}

/**
 * What `status()` reports (no header values, no credentials in the endpoint). The top-level
 * counters are the spans'; `signals` has every signal's.
 */
export interface TelemetryStatus {
  /** Whether telemetry export is on (for at least one signal). */
  enabled: boolean;
  /** The traces endpoint, without credentials or query. */
  endpoint?: string;
  /** `otlp-http`, `memory`, `custom`, or `none`. */
  exporter: string;
  /** Spans waiting (in the queue or the request in flight). */
  queueDepth: number;
  /** Spans handed to the exporter pipeline. */
  produced: number;
  /** Spans accepted by the receiver. */
  exported: number;
  /** Spans lost. */
  dropped: number;
  /** Spans lost, by reason. */
  droppedByReason: Record<string, number>;
  /** Same as `queueDepth`: `exported + dropped + queued === produced`. */
  queued: number;
  /** Failed export requests. */
  failedExports: number;
  /** The last export failure. */
  lastError?: string;
  /** Configuration problems (codes, variables and messages; never values of secrets). */
  problems: { code: string; variable: string; message: string }[];
  /** Whether `shutdown()` ran. */
  shutdown: boolean;
  /** The head sampler, as `OTEL_TRACES_SAMPLER` would name it (e.g. `parentbased_always_on`). */
  sampler: string;
  /** Per signal: exporter, endpoint and accounting. */
  signals: Record<OtlpSignal, SignalStatus>;
}

/** The pipeline returned by `Telemetry.configure`. */
export interface TelemetryHandle {
  /** Whether telemetry export is on (for at least one signal). */
  readonly enabled: boolean;
  /** The tracer (for direct spans), when traces are on. */
  readonly tracer: Tracer | undefined;
  /** The in-memory exporter, when the endpoint is `memory://` (or one was passed): spans, metrics and logs. */
  readonly memory: MemoryExporter | undefined;
  /**
   * A meter of this pipeline, when metrics are on (the root `meter(name)` follows whichever
   * pipeline is current and works before `configure` too).
   *
   * @param name Instrumentation scope.
   * @param version Its version.
   */
  meter(name: string, version?: string): Meter | undefined;
  /**
   * A logger of this pipeline, when logs are on: host records go out with the Codex ones.
   *
   * @param name Instrumentation scope.
   * @param version Its version.
   */
  logger(name: string, version?: string): Logger | undefined;
  /** The configuration in effect. */
  readonly config: Readonly<ResolvedConfig>;
  /** Exports everything finished so far (spans, a metrics collection, log records); a promise to hand to `waitUntil` on edge runtimes. Never rejects. */
  flush(): Promise<void>;
  /** Ends open spans, flushes every signal, and stops the pipelines. Never rejects. */
  shutdown(): Promise<void>;
  /** Counters and configuration summary. */
  status(): TelemetryStatus;
}

let current: TelemetryHandle | undefined;
let currentRetire: ((reason: string) => Promise<void>) | undefined;
let retiring: Promise<void> = Promise.resolve();

function warnSink(options: TelemetryOptions): (message: string) => void {
  return options.warn ?? ((m) => console.warn(m));
}

function report(problem: ConfigError, warn: (message: string) => void): void {
  try {
    warn(`[codex] telemetry config: ${problem.message}`);
  } catch {
    // a broken sink must not break configure
  }
  emit(Events.warning, {}, { reason: "config", code: problem.code, variable: problem.variable, message: problem.message });
}

/**
 * Builds (or rebuilds) the telemetry pipeline. Calling it again replaces the previous pipeline:
 * the old tracer stops listening, its open spans are ended, and it is flushed and shut down.
 *
 * @param options Options; see `TelemetryOptions`.
 * @returns The handle.
 * @throws {ConfigError} Only with `strict: true`; otherwise problems become warnings.
 * @example Local verification with the in-memory exporter
 * ```ts
 * import { configure } from "./configure.ts";
 * const telemetry = configure({ env: { CODEX_OTLP_ENDPOINT: "memory://local" } });
 * await telemetry.flush();
 * console.log(telemetry.memory?.finished().length);
 * await telemetry.shutdown();
 * ```
 */
export function configure(options: TelemetryOptions = {}): TelemetryHandle {
  const warn = warnSink(options);
  const { config, problems } = resolveConfig(options, runtimeEnv());
  if (options.strict === true && problems.length > 0) throw problems[0];

  // The old tracer lets go of the bus now (the new one takes the same handler id); its open spans
  // end as "reconfigured" and its queue is flushed and shut down in the background (flush() of
  // the new handle waits for that).
  const retirePrevious = currentRetire;
  current = undefined;
  currentRetire = undefined;
  if (retirePrevious !== undefined) {
    const done = retirePrevious("reconfigured");
    retiring = retiring.then(() => done);
  }
  for (const p of problems) report(p, warn);

  let memory: MemoryExporter | undefined;
  if (config.enabled && config.exporterKind === "memory") {
    memory = options.exporter?.kind === "memory" ? options.exporter as MemoryExporter : memoryExporter();
  }
  const transports = new Transports(options.fetch, () => {
    report(new ConfigError("invalid_value", "CODEX_OTLP_CERTFILE", "this runtime cannot present client certificates by itself; pass a `fetch` (e.g. a Workers mTLS binding's)"), warn);
  });
  // Traces first: the tracer's bus handler runs before the others (logs ask it for span ids
  // either way; see EventTracing.spanContextOf).
  const traces: TracesPipeline | undefined = config.exporters.traces.length > 0
    ? tracesPipeline(config, options, memory, transports, warn)
    : undefined;
  const metrics: MetricsPipeline | undefined = config.exporters.metrics.length > 0
    ? metricsPipeline(config, memory, transports, traces, warn)
    : undefined;
  const logs: LogsPipeline | undefined = config.exporters.logs.length > 0
    ? logsPipeline(config, memory, transports, traces, warn)
    : undefined;
  setMeterSource(metrics?.provider);
  const pipelines: SignalPipeline[] = [traces, metrics, logs].filter((p): p is NonNullable<typeof p> => p !== undefined);

  // A script that never calls flush() still sends its telemetry when the event loop runs dry:
  // spans and log records when some are queued, a metrics collection once after any new activity
  // (a cumulative collection always has points, so "queued" cannot tell).
  let seenActivity = -1;
  const offExit = pipelines.length === 0 ? () => {} : onBeforeExit(() => {
    const t = traces?.stats();
    const l = logs?.stats();
    const activity = (t?.produced ?? 0) + (l?.produced ?? 0);
    const queued = (t?.queued ?? 0) + (l?.queued ?? 0);
    if (queued === 0 && activity === seenActivity) return;
    seenActivity = activity;
    for (const p of pipelines) void p.flush();
  });

  let isShutdown = false;
  const problemList = problems.map((p) => ({ code: p.code, variable: p.variable, message: p.message }));
  const signalStatus = (signal: OtlpSignal, p: SignalPipeline | undefined): SignalStatus => {
    const st: ProcessorStats = p?.stats() ?? NO_STATS;
    const out: SignalStatus = {
      enabled: p !== undefined,
      exporter: p?.exporter ?? "none",
      produced: st.produced,
      exported: st.exported,
      dropped: st.dropped,
      droppedByReason: { ...st.droppedByReason },
      queued: st.queued,
      failedExports: st.failedExports,
    };
    const ep = p === undefined ? undefined : displayEndpoint(config.signals[signal].endpoint);
    if (ep !== undefined) out.endpoint = ep;
    if (st.lastError !== undefined) out.lastError = st.lastError;
    return out;
  };
  const handle: TelemetryHandle = {
    enabled: config.enabled,
    tracer: traces?.tracer,
    memory,
    config,
    meter: (name, version) => metrics?.provider.meter(name, version),
    logger: (name, version) => logs?.provider.logger(name, version),
    async flush(): Promise<void> {
      try {
        await retiring;
        await Promise.all(pipelines.map((p) => p.flush()));
      } catch {
        // flush never rejects into host code (failures are counted and reported)
      }
    },
    shutdown(): Promise<void> {
      return retire("shutdown");
    },
    status(): TelemetryStatus {
      const t = signalStatus("traces", traces);
      const status: TelemetryStatus = {
        enabled: config.enabled,
        exporter: t.exporter,
        queueDepth: t.queued,
        produced: t.produced,
        exported: t.exported,
        dropped: t.dropped,
        droppedByReason: t.droppedByReason,
        queued: t.queued,
        failedExports: t.failedExports,
        problems: problemList,
        shutdown: isShutdown,
        sampler: String(config.sampler),
        signals: { traces: t, metrics: signalStatus("metrics", metrics), logs: signalStatus("logs", logs) },
      };
      if (t.endpoint !== undefined) status.endpoint = t.endpoint;
      if (t.lastError !== undefined) status.lastError = t.lastError;
      return status;
    },
  };
  let stopped: Promise<void> | undefined;
  const retire = (reason: string): Promise<void> => {
    if (stopped !== undefined) return stopped;
    isShutdown = true;
    offExit();
    if (current === handle) {
      current = undefined;
      currentRetire = undefined;
      setMeterSource(undefined);
    }
    // Spans end first (their stop events still reach the metrics and logs handlers), then every
    // signal flushes and stops.
    const ending = traces?.shutdown(reason);
    return stopped = (async () => {
      try {
        await Promise.all([ending, metrics?.shutdown(reason), logs?.shutdown(reason)]);
      } catch {
        // never rejects
      }
    })();
  };
  current = handle;
  currentRetire = retire;
  return handle;
}

/**
 * The pipeline built by the last `configure`, if any.
 *
 * @returns The handle or `undefined`.
 */
export function currentTelemetry(): TelemetryHandle | undefined {
  return current;
}
