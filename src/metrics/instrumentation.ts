/**
 * The Codex event metrics: a bus handler that records the OpenTelemetry GenAI client metrics
 * (token usage, operation duration) and the SDK's own (tool, approval, run and exporter counts) on
 * a {@link Meter}, from the same events the tracer turns into spans.
 * @module
 */
// Durations are end `system_time` minus start `system_time`, the two times the tracer gives the
// span, so a duration point equals its span's duration exactly (the events' `duration`
// measurement is read from a second clock call and differs by microseconds; it is the fallback for
// a start this handler did not see). Attributes are a closed set of low-cardinality values: no
// thread or turn ids, prompts, paths, commands or messages ever reach a metric.
import { eventSeconds, eventTime } from "../telemetry/clock.ts";
import { attach, detach } from "../telemetry/bus.ts";
import type { EventName, Measurements, Metadata } from "../telemetry/events.ts";
import type { ProcessorStats } from "../export/accounting.ts";
import type { Attributes } from "../tracing/span-record.ts";
import type { Counter, Histogram, Meter } from "./api.ts";

/** Options of {@link meterEvents}. */
export interface EventMetricsOptions {
  /** Bus handler id. @default "codex-meter" */
  handlerId?: string;
  /** `gen_ai.provider.name`. @default "openai" */
  provider?: string;
  /**
   * `server.address` (and `server.port`) of the model endpoint, for every thread whose start
   * metadata carries no `base_url`. @default unset
   */
  serverAddress?: string;
  /** `server.port` with {@link EventMetricsOptions.serverAddress}. @default unset */
  serverPort?: number;
  /**
   * The span pipeline's counters: when given, `codex.exporter.spans` is an observable counter of
   * exported and dropped-by-reason spans read from them at each collection (exact totals);
   * without it, a counter of the dropped spans that `codex.exporter.dropped` events report.
   * @default unset
   */
  exporterStats?: () => Pick<ProcessorStats, "exported" | "droppedByReason"> | undefined;
  /**
   * Also record the newest GenAI agent metrics, `gen_ai.invoke_agent.duration` (per run) and
   * `gen_ai.execute_tool.duration` (per tool call), as `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` asks.
   * @default false
   */
  latestExperimental?: boolean;
}

/** The Codex event metrics of one meter. */
export interface EventMetrics {
  /** Attaches to the telemetry bus (idempotent). */
  attach(): void;
  /** Detaches from the bus and forgets open spans. */
  detach(): void;
  /** Starts seen and not yet ended (threads, turns, tools, approvals). */
  readonly openSpans: number;
}

// Recommended explicit bucket boundaries of the GenAI semantic conventions (semantic-conventions-genai,
// docs/gen-ai/gen-ai-metrics.md).
const TOKEN_BOUNDS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BOUNDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const AGENT_BOUNDS = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6];
// Approvals wait for a person (up to the 60 s default timeout, or longer with a hook of its own)
// or are decided by a policy in microseconds: from 10 ms to an hour.
const APPROVAL_BOUNDS = [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Turn statuses that end a turn in an error (as the tracer marks them). */
const TURN_ERRORS = new Set(["failed", "error", "timeout", "aborted"]);
const TURN_STATUSES = new Set(["completed", "failed", "early_exit", "interrupted", "aborted", "timeout", "error"]);
const RUN_RESULTS = new Set(["ok", "error", "early_exit", "interrupted"]);
// A code-like value (`turn_failed`, `http_503`, `CodexExecError`): anything else becomes `_OTHER`.
const CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
// Tool names: `exec_command`, `apply_patch`, `web_search`, `<mcp server>.<tool>` from the CLI's config.
const TOOL = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
const MAX_OPEN = 4096;

/**
 * Every event the metrics handler listens to.
 *
 * @example
 * ```ts
 * import { METERED_EVENTS } from "./instrumentation.ts";
 * console.log(METERED_EVENTS.includes("codex.turn.stop")); // true
 * ```
 */
export const METERED_EVENTS: readonly EventName[] = [
  "codex.thread.start",
  "codex.thread.stop",
  "codex.thread.exception",
  "codex.turn.start",
  "codex.turn.stop",
  "codex.turn.exception",
  "codex.tool.start",
  "codex.tool.success",
  "codex.tool.failure",
  "codex.approval.requested",
  "codex.approval.approved",
  "codex.approval.denied",
  "codex.approval.timeout",
  "codex.exporter.dropped",
];

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function count(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function code(v: unknown): string | undefined {
  return typeof v === "string" && CODE.test(v) ? v : undefined;
}

/**
 * A low-cardinality `error.type`: the error's stable code (`turn_failed`, `timeout`...), else its
 * class name when it is not the bare `Error`, else `fallback`.
 */
function errorType(md: Readonly<Metadata>, fallback: string): string {
  const e = md.error as { code?: unknown; kind?: unknown } | null | undefined;
  if (e !== null && typeof e === "object") {
    const c = code(e.code);
    if (c !== undefined) return c;
  }
  const r = code(md.reason);
  if (r !== undefined) return r;
  if (e !== null && typeof e === "object") {
    const k = code(e.kind);
    if (k !== undefined && k !== "Error") return k;
  }
  return fallback;
}



/** What a thread's records share: provider, models, server. */
interface ThreadState {
  start: bigint | undefined;
  base: Attributes;
}

/** `server.address` / `server.port` from a base URL. */
function serverOf(url: unknown): { address: string; port?: number } | undefined {
  if (typeof url !== "string" || url === "") return undefined;
  try {
    const u = new URL(url);
    if (u.hostname === "") return undefined;
    const port = u.port !== "" ? Number(u.port) : u.protocol === "https:" ? 443 : u.protocol === "http:" ? 80 : undefined;
    return port === undefined ? { address: u.hostname } : { address: u.hostname, port };
  } catch {
    return undefined;
  }
}

/**
 * Records the GenAI and Codex metrics on `meter` from the SDK's telemetry events (call `attach()`
 * to start). Instruments (see the README's instrument table):
 *
 * - `gen_ai.client.token.usage` (histogram, `{token}`): per turn, one `input` and one `output`
 *   point (the spec's `gen_ai.token.type` values; input includes cached, output includes
 *   reasoning, so sums are the run's `usage`);
 * - `codex.token.usage` (histogram, `{token}`): per turn, the parts the spec has no type for yet,
 *   `codex.token.type` = `cached_input` / `reasoning_output` / `cache_write_input` (kept apart so
 *   that summing `gen_ai.client.token.usage` never counts a token twice);
 * - `gen_ai.client.operation.duration` (histogram, `s`): per turn (`gen_ai.operation.name` =
 *   `chat`) and per run (`invoke_agent`, as the thread span), with `error.type` on failures;
 * - `codex.tool.duration`, `codex.approval.duration` (histograms, `s`), `codex.runs` (counter),
 *   `codex.exporter.spans` (counter of exported / dropped spans).
 *
 * @param meter The meter the instruments are created on.
 * @param options Handler id, provider, server, exporter counters, newest agent metrics.
 * @returns The instrumentation, detached.
 * @example Record a run's metrics
 * ```ts
 * import { meterEvents } from "./instrumentation.ts";
 * import { createMeterProvider } from "./meter.ts";
 * import { startSpan } from "../telemetry/bus.ts";
 * const provider = createMeterProvider();
 * const metrics = meterEvents(provider.meter("codex-otel-sdk"), { provider: "openai" });
 * metrics.attach();
 * const thread = startSpan("codex.thread", { model: "gpt-5.5" });
 * const turn = startSpan("codex.turn", { parent_token: thread.token });
 * turn.stop({}, { status: "completed", usage: { input_tokens: 600, cached_input_tokens: 300, output_tokens: 38 } });
 * thread.stop({}, { result: "ok" });
 * console.log(provider.collect()[0].metrics.map((m) => m.name)); // gen_ai.client.token.usage, ...
 * metrics.detach();
 * ```
 */
export function meterEvents(meter: Meter, options: EventMetricsOptions = {}): EventMetrics {
  const handlerId = options.handlerId ?? "codex-meter";
  const provider = options.provider ?? "openai";
  const tokenUsage = meter.histogram("gen_ai.client.token.usage", {
    unit: "{token}",
    description: "Number of input and output tokens used.",
    valueType: "int",
    boundaries: TOKEN_BOUNDS,
  });
  const tokenParts = meter.histogram("codex.token.usage", {
    unit: "{token}",
    description: "Parts of the input and output tokens: cached input, reasoning output, cache writes.",
    valueType: "int",
    boundaries: TOKEN_BOUNDS,
  });
  const duration = meter.histogram("gen_ai.client.operation.duration", {
    unit: "s",
    description: "GenAI operation duration.",
    boundaries: DURATION_BOUNDS,
  });
  const toolDuration = meter.histogram("codex.tool.duration", {
    unit: "s",
    description: "Duration of a tool call (command, patch, web search, MCP tool).",
    boundaries: DURATION_BOUNDS,
  });
  const approvalDuration = meter.histogram("codex.approval.duration", {
    unit: "s",
    description: "Time from an approval request to its decision.",
    boundaries: APPROVAL_BOUNDS,
  });
  const runs = meter.counter("codex.runs", { unit: "{run}", description: "Thread runs, by result.", valueType: "int" });
  let agentDuration: Histogram | undefined;
  let executeTool: Histogram | undefined;
  if (options.latestExperimental === true) {
    agentDuration = meter.histogram("gen_ai.invoke_agent.duration", {
      unit: "s",
      description: "The end-to-end duration of a single agent invocation.",
      boundaries: AGENT_BOUNDS,
    });
    executeTool = meter.histogram("gen_ai.execute_tool.duration", {
      unit: "s",
      description: "The duration of a single tool execution.",
      boundaries: DURATION_BOUNDS,
    });
  }
  let attached = false;
  let dropped: Counter | undefined;
  const stats = options.exporterStats;
  const SPANS = { unit: "{span}", description: "Spans exported, and dropped by reason.", valueType: "int" } as const;
  if (stats === undefined) dropped = meter.counter("codex.exporter.spans", SPANS);
  else {
    meter.observableCounter("codex.exporter.spans", (result) => {
      if (!attached) return;
      const s = stats();
      if (s === undefined) return;
      result.observe(s.exported, { "codex.exporter.outcome": "exported" });
      for (const reason in s.droppedByReason) {
        result.observe(s.droppedByReason[reason], {
          "codex.exporter.outcome": "dropped",
          "codex.exporter.reason": code(reason) ?? "_OTHER",
        });
      }
    }, SPANS);
  }

  const fallbackServer = options.serverAddress === undefined
    ? undefined
    : { address: options.serverAddress, port: options.serverPort };
  const threads = new Map<string, ThreadState>();
  // Start times of turns, tools and approvals (threads keep theirs in `threads`).
  const starts = new Map<string, bigint | undefined>();
  const remember = <V>(map: Map<string, V>, token: string, value: V): void => {
    // Bounded: a start whose end never comes (a handler attached mid-run) is forgotten eventually.
    if (map.size >= MAX_OPEN) map.delete(map.keys().next().value as string);
    map.set(token, value);
  };

  const baseOf = (md: Readonly<Metadata>): Attributes => {
    const base: Attributes = { "gen_ai.provider.name": provider };
    const model = str(md.model);
    if (model !== undefined) base["gen_ai.request.model"] = model;
    const response = str(md.response_model);
    if (response !== undefined) base["gen_ai.response.model"] = response;
    const server = serverOf(md.base_url) ?? fallbackServer;
    if (server !== undefined) {
      base["server.address"] = server.address;
      if (server.port !== undefined) base["server.port"] = server.port;
    }
    return base;
  };

  const turnEnd = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>, token: string): void => {
    const start = starts.get(token);
    starts.delete(token);
    const thread = threads.get(md.parent_token as string);
    const base = thread?.base ?? baseOf(md);
    const status = str(md.status);
    const failed = name === "codex.turn.exception" || (status !== undefined && TURN_ERRORS.has(status));
    const s = eventSeconds(start, m);
    if (s !== undefined) {
      const a: Attributes = { "gen_ai.operation.name": "chat", ...base };
      if (status !== undefined) a["codex.turn.status"] = TURN_STATUSES.has(status) ? status : "_OTHER";
      if (failed) a["error.type"] = errorType(md, status === "failed" || status === undefined ? "turn_failed" : status);
      duration.record(s, a);
    }
    const usage = md.usage as Record<string, unknown> | null | undefined;
    // A resumed thread without a usage baseline reports the thread's cumulative usage as the
    // turn's: the turn's own count is unknown, and the spec says not to report it then.
    if (usage === null || typeof usage !== "object" || md.usage_baseline === "unknown") return;
    const input = count(usage.input_tokens);
    const output = count(usage.output_tokens);
    if (input !== undefined) {
      tokenUsage.record(input, { "gen_ai.operation.name": "chat", ...base, "gen_ai.token.type": "input" });
    }
    if (output !== undefined) {
      tokenUsage.record(output, { "gen_ai.operation.name": "chat", ...base, "gen_ai.token.type": "output" });
    }
    const parts: [string, number | undefined][] = [
      ["cached_input", count(usage.cached_input_tokens)],
      ["reasoning_output", count(usage.reasoning_output_tokens)],
      ["cache_write_input", count(usage.cache_write_input_tokens)],
    ];
    for (const [type, n] of parts) {
      if (n !== undefined) tokenParts.record(n, { "gen_ai.operation.name": "chat", ...base, "codex.token.type": type });
    }
  };

  const threadEnd = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>, token: string): void => {
    const thread = threads.get(token);
    threads.delete(token);
    const base = thread?.base ?? baseOf(md);
    const raw = str(md.result) ?? (name === "codex.thread.exception" ? "error" : "ok");
    const result = raw === "early_exit" && md.reason === "interrupted" ? "interrupted" : raw;
    const r = RUN_RESULTS.has(result) ? result : "_OTHER";
    const err = result === "error" ? errorType(md, "_OTHER") : undefined;
    const s = eventSeconds(thread?.start, m);
    if (s !== undefined) {
      const a: Attributes = { "gen_ai.operation.name": "invoke_agent", ...base, "codex.run.result": r };
      if (err !== undefined) a["error.type"] = err;
      duration.record(s, a);
      if (agentDuration !== undefined) {
        const b: Attributes = { "gen_ai.agent.name": "codex" };
        if (base["gen_ai.request.model"] !== undefined) b["gen_ai.request.model"] = base["gen_ai.request.model"];
        if (err !== undefined) b["error.type"] = err;
        agentDuration.record(s, b);
      }
    }
    const c: Attributes = { "gen_ai.provider.name": provider, "codex.run.result": r };
    if (base["gen_ai.request.model"] !== undefined) c["gen_ai.request.model"] = base["gen_ai.request.model"];
    if (err !== undefined) c["error.type"] = err;
    runs.add(1, c);
  };

  const toolEnd = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>, token: string): void => {
    const start = starts.get(token);
    starts.delete(token);
    const s = eventSeconds(start, m);
    if (s === undefined) return;
    const raw = str(md.tool);
    const tool = raw === undefined ? "unknown" : TOOL.test(raw) ? raw : "_OTHER";
    const failure = name === "codex.tool.failure";
    const a: Attributes = {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": tool,
      "codex.tool.outcome": failure ? "failure" : "success",
    };
    // The item's final status (failed, declined, incomplete, aborted...), a closed set.
    const err = failure ? code(md.result) ?? "_OTHER" : undefined;
    if (err !== undefined) a["error.type"] = err;
    toolDuration.record(s, a);
    if (executeTool !== undefined) {
      const b: Attributes = { "gen_ai.tool.name": tool, "gen_ai.agent.name": "codex" };
      if (err !== undefined) b["error.type"] = err;
      executeTool.record(s, b);
    }
  };

  const approvalEnd = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>, token: string): void => {
    const start = starts.get(token);
    starts.delete(token);
    const s = eventSeconds(start, m);
    if (s === undefined) return;
    const a: Attributes = { "codex.approval.decision": name.slice("codex.approval.".length) };
    const source = str(md.source);
    if (source === "policy" || source === "user") a["codex.approval.source"] = source;
    const kind = str(md.approval_kind);
    if (kind === "command" || kind === "file_change") a["codex.approval.kind"] = kind;
    approvalDuration.record(s, a);
  };

  const handler = (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>): void => {
    if (name === "codex.exporter.dropped") {
      // Spans' drop events name no signal; metrics and logs drops are counted by their own pipelines.
      if (dropped === undefined || md.signal !== undefined) return;
      const n = count(m.count);
      if (n !== undefined && n > 0) {
        dropped.add(n, { "codex.exporter.outcome": "dropped", "codex.exporter.reason": code(md.reason) ?? "_OTHER" });
      }
      return;
    }
    const token = str(md.span_token);
    if (token === undefined) return;
    switch (name) {
      case "codex.thread.start":
        remember(threads, token, { start: eventTime(m), base: baseOf(md) });
        return;
      case "codex.turn.start":
      case "codex.tool.start":
      case "codex.approval.requested":
        remember(starts, token, eventTime(m));
        return;
      case "codex.thread.stop":
      case "codex.thread.exception":
        threadEnd(name, m, md, token);
        return;
      case "codex.turn.stop":
      case "codex.turn.exception":
        turnEnd(name, m, md, token);
        return;
      case "codex.tool.success":
      case "codex.tool.failure":
        toolEnd(name, m, md, token);
        return;
      case "codex.approval.approved":
      case "codex.approval.denied":
      case "codex.approval.timeout":
        approvalEnd(name, m, md, token);
    }
  };

  return {
    attach(): void {
      if (attached) return;
      attach(handlerId, METERED_EVENTS, handler);
      attached = true;
    },
    detach(): void {
      if (!attached) return;
      detach(handlerId);
      attached = false;
      threads.clear();
      starts.clear();
    },
    get openSpans(): number {
      return threads.size + starts.size;
    },
  };
}
