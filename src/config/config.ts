/**
 * Export configuration (SPEC §4) as a table: each setting declared once (option, environment
 * variables in precedence order, parser, default), per-signal settings as rows per signal.
 * @module
 */
// Precedence: explicit options, then the explicit `env` record, then the runtime's environment;
// the `CODEX_OTLP_*` names first, the standard `OTEL_*` ones as fallbacks. Bad values become
// ConfigErrors naming the variable (never a secret's value); `Telemetry.configure` reports them as
// warnings instead of throwing into the host.
import { base64 } from "../base/base64.ts";
import type { FetchLike, TlsOptions } from "../base/fetch.ts";
import type { BatchOptions } from "../export/batch-processor.ts";
import type { SpanExporter } from "../export/exporter.ts";
import type { TemporalityPreference } from "../metrics/meter.ts";
import type { OtlpSignal } from "../export/otlp-http.ts";
import { readFileSyncBytes } from "../runtime/read-file.ts";
import { buildResource, parseResourceAttributes } from "../tracing/resource.ts";
import { DEFAULT_SAMPLER, samplerFromEnv } from "../tracing/sampler.ts";
import type { Sampler } from "../tracing/sampler.ts";
import type { SpanLimits } from "../tracing/span.ts";
import type { Attributes } from "../tracing/span-record.ts";
import { ConfigError, flag, nonNegative, oneOf, SettingsReader } from "./settings.ts";
import type { Setting } from "./settings.ts";

export { ConfigError } from "./settings.ts";
export type { ConfigErrorCode } from "./settings.ts";

/** Options of `Telemetry.configure`. */
export interface TelemetryOptions {
  /** Environment variables read before the runtime's own (the only source on Workers). */
  env?: Record<string, string | undefined>;
  /** Also read the runtime environment (Node's `process.env`, Deno's or Bun's env). @default true */
  readRuntimeEnv?: boolean;
  /** Turns export on or off, overriding `CODEX_OTLP_ENABLE` / `OTEL_SDK_DISABLED`. */
  enabled?: boolean;
  /** Collector endpoint: a base URL (`/v1/traces` appended), a `…/v1/traces` URL, or `memory://…`. */
  endpoint?: string;
  /** Request headers (secrets: never logged or shown). */
  headers?: Record<string, string>;
  /** A custom exporter (e.g. `memoryExporter()`); enables export. */
  exporter?: SpanExporter;
  /** The transport; always wins over the built-in mTLS transports (Workers' mTLS binding). */
  fetch?: FetchLike;
  /** `service.name`. */
  serviceName?: string;
  /** Extra resource attributes. */
  resourceAttributes?: Attributes;
  /** Request compression. @default "none" */
  compression?: "gzip" | "none";
  /** Export deadline per batch, retries included, ms. @default 10000 */
  timeoutMs?: number;
  /** Batch processor settings. */
  batch?: BatchOptions;
  /** Span limits. */
  spanLimits?: SpanLimits;
  /** Head sampler; wins over `OTEL_TRACES_SAMPLER`. @default parentBased(alwaysOn) */
  sampler?: Sampler;
  /** Client certificate, key and CA, as PEM contents (files come from the environment). */
  tls?: TlsOptions;
  /** Spans: `false` builds no tracer while metrics and logs may still export (as `OTEL_TRACES_EXPORTER=none`). */
  traces?: false;
  /** Metrics: `false` turns them off (as `OTEL_METRICS_EXPORTER=none`); options tune the reader. */
  metrics?: false | MetricsOptions;
  /** Logs: `false` turns them off (as `OTEL_LOGS_EXPORTER=none`); options tune the batching. */
  logs?: false | LogsOptions;
  /** Warning sink. @default console.warn */
  warn?: (message: string) => void;
  /** Throw the first {@link ConfigError} from `configure` instead of warning. @default false */
  strict?: boolean;
}

/** Where a signal goes: `otlp` (the endpoint: HTTP, or the in-memory exporter for `memory://`) and/or `console`. */
export type SignalExporterName = "otlp" | "console";


/** Metrics options of `Telemetry.configure`. */
export interface MetricsOptions {
  /** Interval between exports, ms (`OTEL_METRIC_EXPORT_INTERVAL`). @default 60000 */
  intervalMs?: number;
  /** Deadline of one collect + export, ms (`OTEL_METRIC_EXPORT_TIMEOUT`). @default 30000 */
  timeoutMs?: number;
  /** Temporality preference (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`). @default "cumulative" */
  temporality?: TemporalityPreference;
  /** Attribute sets per instrument before the overflow series. @default 2000 */
  cardinalityLimit?: number;
}

/** Logs options of `Telemetry.configure`. */
export interface LogsOptions {
  /** Batch settings (`OTEL_BLRP_*`). */
  batch?: BatchOptions;
  /** Attributes per record (`OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT`). @default 128 */
  attributeCountLimit?: number;
  /** Attribute value length (`OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT`). @default unlimited */
  attributeValueLengthLimit?: number;
}

/** The metrics settings in effect. */
export interface ResolvedMetrics {
  /** Export interval, ms. */
  intervalMs: number;
  /** Export deadline, ms. */
  timeoutMs: number;
  /** Temporality preference. */
  temporality: TemporalityPreference;
  /** Cardinality limit per instrument. */
  cardinalityLimit: number;
  /** Also the newest GenAI agent metrics (`OTEL_SEMCONV_STABILITY_OPT_IN` lists `gen_ai_latest_experimental`). */
  latestExperimental: boolean;
}

/** The logs settings in effect. */
export interface ResolvedLogs {
  /** Batch settings. */
  batch: BatchOptions;
  /** Attributes per record. */
  attributeCountLimit?: number;
  /** Attribute value length. */
  attributeValueLengthLimit?: number;
}

/** How one signal is sent: its URL, headers, compression, deadline and TLS. */
export interface SignalConfig {
  /** Full URL of the signal (`…/v1/traces`, `…/v1/metrics`, `…/v1/logs`), or the `memory://` URL. */
  endpoint?: string;
  /** Where the endpoint came from (option or variable name). */
  endpointSource?: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Compression. */
  compression: "gzip" | "none";
  /** Export deadline, ms. */
  timeoutMs: number;
  /** TLS material, when configured. */
  tls?: TlsOptions;
}

/** The configuration in effect. The top-level endpoint, headers, compression, deadline and TLS are the traces signal's. */
export interface ResolvedConfig extends SignalConfig {
  /** Whether spans are built and exported. */
  enabled: boolean;
  /** `otlp-http`, `memory`, `custom` or `none`. */
  exporterKind: "otlp-http" | "memory" | "custom" | "none";
  /** Each signal's transport settings (`traces` is the same as the top level). */
  signals: Record<OtlpSignal, SignalConfig>;
  /** Where each signal goes; an empty list means the signal is off (always empty when `enabled` is false). */
  exporters: Record<OtlpSignal, SignalExporterName[]>;
  /** Metrics settings. */
  metrics: ResolvedMetrics;
  /** Logs settings. */
  logs: ResolvedLogs;
  /** Batch settings. */
  batch: BatchOptions;
  /** Span limits. */
  spanLimits: SpanLimits;
  /** Head sampler. */
  sampler: Sampler;
  /** Resource attributes. */
  resource: Attributes;
}

/**
 * Parses the `k=v` header list of `CODEX_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS` (split on
 * `,` or `;`, percent-decoded). Bad pairs are skipped and reported without their value.
 *
 * @param value The variable's value.
 * @param variable Its name, for the error.
 * @returns Headers and problems.
 * @example
 * ```ts
 * import { parseHeaders } from "./config.ts";
 * parseHeaders("authorization=Bearer%20x;x-team=a", "CODEX_OTLP_HEADERS").headers;
 * ```
 */
export function parseHeaders(value: string, variable: string): { headers: Record<string, string>; problems: ConfigError[] } {
  const headers: Record<string, string> = {};
  const problems: ConfigError[] = [];
  const parts = value.split(/[,;]/);
  parts.forEach((raw, i) => {
    const pair = raw.trim();
    if (pair === "") return;
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      problems.push(new ConfigError("invalid_header", variable, `${variable}: entry ${i + 1} is not a key=value pair; it was skipped`));
      return;
    }
    try {
      const key = decodeURIComponent(pair.slice(0, eq).trim()).toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) throw new Error("bad header name");
      headers[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      problems.push(new ConfigError("invalid_header", variable, `${variable}: entry ${i + 1} has an invalid name or percent-encoding; it was skipped`));
    }
  });
  return { headers, problems };
}

/**
 * Turns a configured endpoint into the URL of a signal: a base URL gets `/v1/<signal>` appended, a
 * signal-specific one is used as is, and a base already ending in `/v1/traces|metrics|logs` gets
 * that suffix replaced.
 *
 * @param value Endpoint text.
 * @param specific `true` for `…_<SIGNAL>_ENDPOINT` variables (used as is).
 * @param signal The signal. @default "traces"
 * @returns The URL, or `undefined` when invalid.
 * @example
 * ```ts
 * import { signalUrl } from "./config.ts";
 * signalUrl("http://localhost:4318", false, "metrics"); // "http://localhost:4318/v1/metrics"
 * ```
 */
export function signalUrl(value: string, specific: boolean, signal: OtlpSignal = "traces"): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol === "memory:" || url.protocol === "pid:") return value.trim();
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (specific) return url.href;
  url.pathname = url.pathname.replace(/\/+$/, "").replace(/\/v1\/(traces|metrics|logs)$/, "") + `/v1/${signal}`;
  return url.href;
}

/**
 * Turns a configured endpoint into the traces URL.
 *
 * @param value Endpoint text.
 * @param tracesSpecific `true` for `…_TRACES_ENDPOINT` variables (used as is).
 * @returns The URL, or `undefined` when invalid.
 * @example
 * ```ts
 * import { tracesUrl } from "./config.ts";
 * tracesUrl("http://localhost:4318", false); // "http://localhost:4318/v1/traces"
 * ```
 */
export function tracesUrl(value: string, tracesSpecific: boolean): string | undefined {
  return signalUrl(value, tracesSpecific, "traces");
}

/**
 * An endpoint safe to show: no credentials, no query string.
 *
 * @param endpoint URL.
 * @returns The redacted URL.
 */
export function displayEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    const u = new URL(endpoint);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.href;
  } catch {
    return "[invalid]";
  }
}

// ---- the table ----

const ENABLE: Setting<boolean> = { env: ["CODEX_OTLP_ENABLE"], parse: flag("telemetry export stays off") };
const TIMEOUT_DEFAULT = 10_000;

/** The per-signal rows of `traces`, `metrics` or `logs`. */
// deno-lint-ignore explicit-function-return-type
function signalRows(signal: OtlpSignal) {
  const S = signal.toUpperCase();
  const otlp = (name: string): string[] => [`OTEL_EXPORTER_OTLP_${S}_${name}`, `OTEL_EXPORTER_OTLP_${name}`];
  return {
    /** `[source, value, used as is]`, highest precedence first (the option is read before these). */
    endpoints: [
      ["CODEX_OTLP_ENDPOINT", false],
      [`OTEL_EXPORTER_OTLP_${S}_ENDPOINT`, true],
      ["OTEL_EXPORTER_OTLP_ENDPOINT", false],
    ] as const,
    /** Merged in this order, later ones winning (the option last). */
    headers: ["OTEL_EXPORTER_OTLP_HEADERS", `OTEL_EXPORTER_OTLP_${S}_HEADERS`, "CODEX_OTLP_HEADERS"],
    compression: {
      env: otlp("COMPRESSION"),
      parse: oneOf(["gzip", "none"] as const, "sending uncompressed"),
    } satisfies Setting<"gzip" | "none">,
    timeout: { env: otlp("TIMEOUT"), parse: nonNegative } satisfies Setting<number>,
    cert: ["CODEX_OTLP_CERTFILE", ...otlp("CLIENT_CERTIFICATE")],
    key: ["CODEX_OTLP_KEYFILE", ...otlp("CLIENT_KEY")],
    ca: ["CODEX_OTLP_CACERTFILE", "CODEX_OTLP_CA_CERTFILE", ...otlp("CERTIFICATE")],
  };
}

/** Numeric settings: `[field, variables…]`, each set only when present (the option wins). */
const BATCH: readonly (readonly [keyof BatchOptions, ...string[]])[] = [
  ["maxQueueSize", "OTEL_BSP_MAX_QUEUE_SIZE"],
  ["maxExportBatchSize", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
  ["scheduledDelayMillis", "OTEL_BSP_SCHEDULE_DELAY"],
  ["exportTimeoutMillis", "OTEL_BSP_EXPORT_TIMEOUT"],
];
const SPAN_LIMITS: readonly (readonly [keyof SpanLimits, ...string[]])[] = [
  ["attributeCountLimit", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"],
  ["eventCountLimit", "OTEL_SPAN_EVENT_COUNT_LIMIT"],
  ["linkCountLimit", "OTEL_SPAN_LINK_COUNT_LIMIT"],
  ["attributeValueLengthLimit", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
];

const BLRP: readonly (readonly [keyof BatchOptions, ...string[]])[] = [
  ["maxQueueSize", "OTEL_BLRP_MAX_QUEUE_SIZE"],
  ["maxExportBatchSize", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"],
  ["scheduledDelayMillis", "OTEL_BLRP_SCHEDULE_DELAY"],
  ["exportTimeoutMillis", "OTEL_BLRP_EXPORT_TIMEOUT"],
];
const LOG_LIMITS: readonly (readonly ["attributeCountLimit" | "attributeValueLengthLimit", ...string[]])[] = [
  ["attributeCountLimit", "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"],
  ["attributeValueLengthLimit", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
];
const METRIC_INTERVAL: Setting<number> = { env: ["OTEL_METRIC_EXPORT_INTERVAL"], parse: nonNegative };
const METRIC_TIMEOUT: Setting<number> = { env: ["OTEL_METRIC_EXPORT_TIMEOUT"], parse: nonNegative };
const TEMPORALITY: Setting<TemporalityPreference> = {
  env: ["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"],
  parse: oneOf(["cumulative", "delta", "lowmemory"] as const, "using cumulative"),
};
const CARDINALITY: Setting<number> = { env: ["OTEL_METRIC_CARDINALITY_LIMIT", "CODEX_OTLP_METRICS_CARDINALITY_LIMIT"], parse: nonNegative };

const ROWS = { traces: signalRows("traces"), metrics: signalRows("metrics"), logs: signalRows("logs") };

/**
 * `OTEL_<SIGNAL>_EXPORTER`: a comma-separated list of `otlp`, `console`, `none` (default `otlp`).
 * Unknown names are reported and skipped; `none` anywhere turns the signal off.
 */
function exportersOf(r: SettingsReader, signal: OtlpSignal, option: false | object | undefined): SignalExporterName[] {
  if (option === false) return [];
  const variable = `OTEL_${signal.toUpperCase()}_EXPORTER`;
  const value = r.get(variable);
  if (value === undefined) return ["otlp"];
  const out: SignalExporterName[] = [];
  for (const raw of value.split(",")) {
    const name = raw.trim().toLowerCase();
    if (name === "") continue;
    if (name === "none") return [];
    if (name === "otlp" || name === "console") {
      if (!out.includes(name)) out.push(name);
    } else {
      r.problem(new ConfigError("invalid_value", variable, `${variable}: "${raw.trim()}" is not otlp, console or none; it was skipped`));
    }
  }
  if (out.length === 0) {
    r.problem(new ConfigError("invalid_value", variable, `${variable} names no known exporter; using otlp`));
    out.push("otlp");
  }
  return out;
}

function numbers<T>(r: SettingsReader, rows: readonly (readonly [keyof T, ...string[]])[], own: T | undefined): T {
  const out = {} as T;
  for (const [key, ...env] of rows) {
    const { value } = r.read({ env, parse: nonNegative }, undefined);
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return Object.assign(out as object, own) as T;
}

/** The endpoint of a signal: the option, then the variables in order; a bad URL is reported and skipped. */
function endpointOf(
  r: SettingsReader,
  option: string | undefined,
  signal: OtlpSignal,
): { endpoint?: string; source?: string } {
  const candidates: [string, string | undefined, boolean][] = [["endpoint", option, false]];
  for (const [name, specific] of ROWS[signal].endpoints) candidates.push([name, r.get(name), specific]);
  for (const [source, value, specific] of candidates) {
    if (value === undefined || value.trim() === "") continue;
    const url = signalUrl(value, specific, signal);
    if (url !== undefined) return { endpoint: url, source };
    r.problem(new ConfigError("invalid_url", source, `${source} is not an http(s):// or memory:// URL; set it to e.g. http://localhost:4318`));
  }
  return {};
}

/** Headers: OTEL generic < OTEL per signal < CODEX < option; URL credentials become Basic auth. */
function headersOf(r: SettingsReader, signal: OtlpSignal, own: Record<string, string> | undefined, endpoint: string | undefined): {
  headers: Record<string, string>;
  endpoint: string | undefined;
} {
  const headers: Record<string, string> = {};
  for (const name of ROWS[signal].headers) {
    const v = r.get(name);
    if (v === undefined) continue;
    const parsed = parseHeaders(v, name);
    Object.assign(headers, parsed.headers);
    for (const p of parsed.problems) r.problem(p);
  }
  for (const [k, v] of Object.entries(own ?? {})) headers[k.toLowerCase()] = v;
  // fetch refuses URLs with credentials: move them into a Basic authorization header.
  if (endpoint !== undefined && !/^(memory|pid):/i.test(endpoint)) {
    const u = new URL(endpoint);
    if (u.username !== "" || u.password !== "") {
      if (headers.authorization === undefined) {
        const user = decodeURIComponent(u.username);
        const pass = decodeURIComponent(u.password);
        headers.authorization = "Basic " + base64(new TextEncoder().encode(`${user}:${pass}`));
      }
      u.username = "";
      u.password = "";
      endpoint = u.href;
    }
  }
  return { headers, endpoint };
}

/** TLS files of a signal, each file read once however many signals name it. */
function tlsOf(r: SettingsReader, signal: OtlpSignal, files: Map<string, Uint8Array | undefined>): TlsOptions | undefined {
  const rows = ROWS[signal];
  const read = (names: readonly string[]): Uint8Array | undefined => {
    const found = r.first(names);
    if (found === undefined) return undefined;
    if (files.has(found[1])) return files.get(found[1]);
    let bytes: Uint8Array | undefined;
    try {
      bytes = readFileSyncBytes(found[1]);
    } catch (error) {
      const why = (error as { code?: string }).code ?? (error as Error).message;
      r.problem(new ConfigError("unreadable_file", found[0], `${found[0]}: cannot read ${found[1]} (${why}); export continues without it`));
    }
    files.set(found[1], bytes);
    return bytes;
  };
  const cert = read(rows.cert);
  const key = read(rows.key);
  const ca = read(rows.ca);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? "CODEX_OTLP_CERTFILE" : "CODEX_OTLP_KEYFILE";
    r.problem(new ConfigError("incomplete_tls", missing, `a client certificate needs both CODEX_OTLP_CERTFILE and CODEX_OTLP_KEYFILE; ${missing} is missing or unreadable, so no client certificate is sent`));
  }
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  const tls: TlsOptions = {};
  if (cert !== undefined && key !== undefined) {
    tls.cert = cert;
    tls.key = key;
  }
  if (ca !== undefined) tls.ca = ca;
  return tls;
}

/** Everything about sending one signal. */
function signalConfig(
  r: SettingsReader,
  options: TelemetryOptions,
  signal: OtlpSignal,
  readTls: boolean,
  files: Map<string, Uint8Array | undefined>,
): SignalConfig {
  const rows = ROWS[signal];
  const found = endpointOf(r, options.endpoint, signal);
  const { headers, endpoint } = headersOf(r, signal, options.headers, found.endpoint);
  const compression = options.compression ?? r.read(rows.compression, "none" as const).value;
  const timeoutMs = options.timeoutMs ?? r.read(rows.timeout, TIMEOUT_DEFAULT).value;
  const out: SignalConfig = { headers, compression, timeoutMs };
  if (endpoint !== undefined) out.endpoint = endpoint;
  if (found.source !== undefined) out.endpointSource = found.source;
  // Explicit contents win; files from the environment otherwise (only read when exporting over HTTP).
  const http = endpoint !== undefined && /^https?:/i.test(endpoint);
  const tls = options.tls ?? (readTls && http ? tlsOf(r, signal, files) : undefined);
  if (tls !== undefined) out.tls = tls;
  return out;
}

/**
 * Resolves options and environment into the configuration in effect.
 *
 * @param options `Telemetry.configure` options.
 * @param runtime The runtime environment (`runtimeEnv()`), read after `options.env`.
 * @returns The configuration and every problem found.
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const { config, problems } = resolveConfig({ env: { CODEX_OTLP_ENABLE: "maybe" } }, {});
 * config.enabled; // false
 * problems[0].variable; // "CODEX_OTLP_ENABLE"
 * ```
 */
export function resolveConfig(
  options: TelemetryOptions,
  runtime: Record<string, string | undefined>,
): { config: ResolvedConfig; problems: ConfigError[] } {
  const r = new SettingsReader(options.env, options.readRuntimeEnv === false ? undefined : runtime);

  let enabled: boolean | undefined = options.enabled ?? r.read(ENABLE, undefined).value;
  if (enabled === undefined && r.get("OTEL_SDK_DISABLED")?.toLowerCase() === "true") enabled = false;

  // The traces endpoint decides the exporter; TLS files are read once that is known to be HTTP.
  const traceEndpoint = endpointOf(r, options.endpoint, "traces").endpoint;
  const memory = traceEndpoint !== undefined && /^(memory|pid):/i.test(traceEndpoint);
  // An explicit exporter or endpoint option, or a memory:// endpoint, is a clear request to trace.
  enabled ??= options.exporter !== undefined || options.endpoint !== undefined || memory;
  let exporterKind: ResolvedConfig["exporterKind"] = "none";
  if (enabled) {
    if (options.exporter !== undefined) exporterKind = options.exporter.kind === "memory" ? "memory" : "custom";
    else if (memory) exporterKind = "memory";
    else if (traceEndpoint !== undefined) exporterKind = "otlp-http";
  }
  const files = new Map<string, Uint8Array | undefined>();
  const signals = {} as Record<OtlpSignal, SignalConfig>;
  for (const signal of ["traces", "metrics", "logs"] as const) {
    signals[signal] = signalConfig(r, options, signal, enabled && (exporterKind === "otlp-http" || exporterKind === "none"), files);
  }
  const exporters: Record<OtlpSignal, SignalExporterName[]> = {
    traces: exportersOf(r, "traces", options.traces),
    metrics: exportersOf(r, "metrics", options.metrics),
    logs: exportersOf(r, "logs", options.logs),
  };
  // `otlp` needs somewhere to send: the endpoint (HTTP or memory://) or an exporter option; a
  // custom span exporter carries spans only, so metrics and logs then need an endpoint of their own.
  for (const signal of ["traces", "metrics", "logs"] as const) {
    const hasTarget = signals[signal].endpoint !== undefined || (signal === "traces" && options.exporter !== undefined) ||
      (options.exporter?.kind === "memory");
    if (!hasTarget) exporters[signal] = exporters[signal].filter((e) => e !== "otlp");
  }
  if (enabled && exporterKind === "none" && exporters.metrics.length + exporters.logs.length + exporters.traces.length === 0) {
    r.problem(new ConfigError("missing_endpoint", "CODEX_OTLP_ENDPOINT", "telemetry export is enabled but no endpoint is set: set CODEX_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT), e.g. http://localhost:4318; nothing will be exported"));
    enabled = false;
  }
  if (!enabled) exporters.traces = exporters.metrics = exporters.logs = [];

  const batch = numbers<BatchOptions>(r, BATCH, options.batch);
  const spanLimits = numbers<SpanLimits>(r, SPAN_LIMITS, options.spanLimits);
  const metricOptions = options.metrics === false ? {} : options.metrics ?? {};
  const metrics: ResolvedMetrics = {
    intervalMs: metricOptions.intervalMs ?? r.read(METRIC_INTERVAL, 60_000).value,
    timeoutMs: metricOptions.timeoutMs ?? r.read(METRIC_TIMEOUT, 30_000).value,
    temporality: metricOptions.temporality ?? r.read(TEMPORALITY, "cumulative" as const).value,
    cardinalityLimit: metricOptions.cardinalityLimit ?? r.read(CARDINALITY, 2000).value,
    latestExperimental: (r.get("OTEL_SEMCONV_STABILITY_OPT_IN") ?? "").split(",").some((v) => v.trim() === "gen_ai_latest_experimental"),
  };
  const logOptions = options.logs === false ? {} : options.logs ?? {};
  const logs: ResolvedLogs = {
    batch: numbers<BatchOptions>(r, BLRP, logOptions.batch),
    ...numbers<Pick<ResolvedLogs, "attributeCountLimit" | "attributeValueLengthLimit">>(r, LOG_LIMITS, {
      ...(logOptions.attributeCountLimit === undefined ? {} : { attributeCountLimit: logOptions.attributeCountLimit }),
      ...(logOptions.attributeValueLengthLimit === undefined ? {} : { attributeValueLengthLimit: logOptions.attributeValueLengthLimit }),
    }),
  };

  let sampler = options.sampler;
  if (sampler === undefined) {
    const name = r.get("OTEL_TRACES_SAMPLER");
    const parsed = name === undefined ? {} : samplerFromEnv(name, r.get("OTEL_TRACES_SAMPLER_ARG"));
    if (parsed.error !== undefined) {
      r.problem(new ConfigError("invalid_value", parsed.variable ?? "OTEL_TRACES_SAMPLER", `${parsed.error}; using parentbased_always_on`));
    }
    sampler = parsed.sampler ?? DEFAULT_SAMPLER;
  }

  const parsedRa = parseResourceAttributes(r.get("OTEL_RESOURCE_ATTRIBUTES"));
  if (parsedRa.invalid.length > 0) {
    r.problem(new ConfigError("invalid_value", "OTEL_RESOURCE_ATTRIBUTES", `OTEL_RESOURCE_ATTRIBUTES: ${parsedRa.invalid.length} entr${parsedRa.invalid.length === 1 ? "y is" : "ies are"} not key=value pairs and were skipped`));
  }
  const resource = buildResource({
    serviceName: options.serviceName,
    attributes: options.resourceAttributes,
    envServiceName: r.get("OTEL_SERVICE_NAME"),
    envResourceAttributes: parsedRa.attributes,
  });

  const config: ResolvedConfig = {
    ...signals.traces,
    enabled,
    exporterKind: enabled ? exporterKind : "none",
    signals,
    exporters,
    metrics,
    logs,
    batch,
    spanLimits,
    sampler,
    resource,
  };
  return { config, problems: r.problems };
}
