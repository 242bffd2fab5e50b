/**
 * The telemetry pipeline: `configure(options)` builds tracer → processor → exporter from options
 * and environment, reports status, and swaps the pipeline cleanly when called again.
 * @module
 */
import { ConfigError, displayEndpoint, resolveConfig } from "../config/config.ts";
import type { ResolvedConfig, TelemetryOptions } from "../config/config.ts";
import { batchProcessor, immediateProcessor } from "../export/batch-processor.ts";
import type { AccountingProcessor } from "../export/batch-processor.ts";
import type { SpanExporter } from "../export/exporter.ts";
import { memoryExporter } from "./memory-exporter.ts";
import type { MemoryExporter } from "./memory-exporter.ts";
import { otlpHttpExporter } from "../export/otlp-http-exporter.ts";
import type { FetchLike } from "../base/fetch.ts";
import { tlsFetch } from "../runtime/tls-fetch.ts";
import { onBeforeExit, runtimeEnv } from "../runtime/env.ts";
import { traceEvents } from "../tracing/instrumentation.ts";
import type { EventTracing } from "../tracing/instrumentation.ts";
import { createTracer } from "../tracing/tracer.ts";
import type { Tracer } from "../tracing/tracer.ts";
import { emit } from "../telemetry/bus.ts";
import { Events } from "../telemetry/events.ts";

/** What `status()` reports (no header values, no credentials in the endpoint). */
export interface TelemetryStatus {
  /** Whether spans are built and exported. */
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
}

/** The pipeline returned by `Telemetry.configure`. */
export interface TelemetryHandle {
  /** Whether spans are built and exported. */
  readonly enabled: boolean;
  /** The tracer (for direct spans), when enabled. */
  readonly tracer: Tracer | undefined;
  /** The in-memory exporter, when the endpoint is `memory://` (or one was passed). */
  readonly memory: MemoryExporter | undefined;
  /** The configuration in effect. */
  readonly config: Readonly<ResolvedConfig>;
  /** Exports everything finished so far; a promise to hand to `waitUntil` on edge runtimes. Never rejects. */
  flush(): Promise<void>;
  /** Ends open spans, flushes, and stops the pipeline. Never rejects. */
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

  let exporter: SpanExporter | undefined;
  let memory: MemoryExporter | undefined;
  let processor: AccountingProcessor | undefined;
  let tracer: Tracer | undefined;
  let events: EventTracing | undefined;
  if (config.enabled) {
    if (options.exporter !== undefined) exporter = options.exporter;
    else if (config.exporterKind === "memory") exporter = memoryExporter();
    else {
      let transport: FetchLike | undefined = options.fetch;
      if (transport === undefined && config.tls !== undefined) {
        transport = tlsFetch(config.tls);
        if (transport === undefined) {
          report(new ConfigError("invalid_value", "CODEX_OTLP_CERTFILE", "this runtime cannot present client certificates by itself; pass a `fetch` (e.g. a Workers mTLS binding's)"), warn);
        }
      }
      exporter = otlpHttpExporter({
        url: config.endpoint ?? "",
        headers: config.headers,
        compression: config.compression,
        timeoutMs: config.timeoutMs,
        encode: { resource: config.resource },
        ...(transport === undefined ? {} : { fetch: transport }),
      });
    }
    if (exporter.kind === "memory") memory = exporter as MemoryExporter;
    processor = exporter.kind === "memory"
      ? immediateProcessor(exporter, { warn })
      : batchProcessor(exporter, config.batch, { warn });
    tracer = createTracer({ processor, spanLimits: config.spanLimits, sampler: config.sampler });
    events = traceEvents(tracer);
    events.attach();
  }
  // A script that never calls flush() still sends its spans when the event loop runs dry.
  const offExit = processor === undefined ? () => {} : onBeforeExit(() => {
    if ((processor?.stats().queued ?? 0) > 0) void processor?.forceFlush();
  });

  let isShutdown = false;
  const problemList = problems.map((p) => ({ code: p.code, variable: p.variable, message: p.message }));
  const handle: TelemetryHandle = {
    enabled: config.enabled,
    tracer,
    memory,
    config,
    async flush(): Promise<void> {
      try {
        await retiring;
        await processor?.forceFlush();
      } catch {
        // flush never rejects into host code (failures are counted and reported)
      }
    },
    shutdown(): Promise<void> {
      return retire("shutdown");
    },
    status(): TelemetryStatus {
      const s = processor?.stats();
      const status: TelemetryStatus = {
        enabled: config.enabled,
        exporter: config.enabled ? exporter?.kind ?? config.exporterKind : "none",
        queueDepth: s?.queued ?? 0,
        produced: s?.produced ?? 0,
        exported: s?.exported ?? 0,
        dropped: s?.dropped ?? 0,
        droppedByReason: s?.droppedByReason ?? {},
        queued: s?.queued ?? 0,
        failedExports: s?.failedExports ?? 0,
        problems: problemList,
        shutdown: isShutdown,
        sampler: String(config.sampler),
      };
      const ep = displayEndpoint(config.endpoint);
      if (ep !== undefined) status.endpoint = ep;
      if (s?.lastError !== undefined) status.lastError = s.lastError;
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
    }
    events?.detach();
    events?.endAll(reason);
    return stopped = (async () => {
      try {
        await processor?.shutdown();
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
