/**
 * Export configuration (SPEC §4): explicit options first, then the explicit `env` record, then the
 * runtime's environment; the `CODEX_OTLP_*` names and the standard `OTEL_*` fallbacks. Bad values
 * become {@link ConfigError}s that name the variable (never its value when it may be a secret);
 * `Telemetry.configure` reports them as warnings instead of throwing into the host.
 * @module
 */
import type { BatchOptions } from "../export/batch-processor.ts";
import type { SpanExporter } from "../export/exporter.ts";
import { base64 } from "../base/base64.ts";
import type { FetchLike, TlsOptions } from "../base/fetch.ts";
import { readFileSyncBytes } from "../runtime/read-file.ts";
import { buildResource, parseResourceAttributes } from "../tracing/resource.ts";
import { DEFAULT_SAMPLER, samplerFromEnv } from "../tracing/sampler.ts";
import type { Sampler } from "../tracing/sampler.ts";
import type { SpanLimits } from "../tracing/span.ts";
import type { Attributes } from "../tracing/span-record.ts";

/** Codes of {@link ConfigError}. */
export type ConfigErrorCode =
  | "invalid_boolean"
  | "invalid_url"
  | "missing_endpoint"
  | "invalid_header"
  | "unreadable_file"
  | "incomplete_tls"
  | "invalid_number"
  | "invalid_value";

/**
 * A configuration problem, naming the variable or option at fault.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./config.ts";
 * const e = new ConfigError("invalid_boolean", "CODEX_OTLP_ENABLE", "CODEX_OTLP_ENABLE must be 1/true/yes/on or 0/false/no/off");
 * e.variable; // "CODEX_OTLP_ENABLE"
 * ```
 */
export class ConfigError extends Error {
  /** Stable code. */
  readonly code: ConfigErrorCode;
  /** The environment variable or option at fault. */
  readonly variable: string;
  /**
   * Creates the error.
   *
   * @param code Stable code.
   * @param variable The variable or option name.
   * @param message What is wrong and how to fix it.
   */
  constructor(code: ConfigErrorCode, variable: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.code = code;
    this.variable = variable;
  }
}

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
  /** Warning sink. @default console.warn */
  warn?: (message: string) => void;
  /** Throw the first {@link ConfigError} from `configure` instead of warning. @default false */
  strict?: boolean;
}

/** The configuration in effect. */
export interface ResolvedConfig {
  /** Whether spans are built and exported. */
  enabled: boolean;
  /** `otlp-http`, `memory`, `custom` or `none`. */
  exporterKind: "otlp-http" | "memory" | "custom" | "none";
  /** Full traces URL (or the `memory://` URL). */
  endpoint?: string;
  /** Where the endpoint came from (option or variable name). */
  endpointSource?: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Compression. */
  compression: "gzip" | "none";
  /** Export deadline, ms. */
  timeoutMs: number;
  /** Batch settings. */
  batch: BatchOptions;
  /** Span limits. */
  spanLimits: SpanLimits;
  /** Head sampler. */
  sampler: Sampler;
  /** Resource attributes. */
  resource: Attributes;
  /** TLS material, when configured. */
  tls?: TlsOptions;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

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
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol === "memory:" || url.protocol === "pid:") return value.trim();
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (tracesSpecific || url.pathname.endsWith("/v1/traces")) return url.href;
  url.pathname = url.pathname.replace(/\/+$/, "") + "/v1/traces";
  return url.href;
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
  const problems: ConfigError[] = [];
  const get = (name: string): string | undefined => {
    const own = options.env?.[name];
    if (own !== undefined && own.trim() !== "") return own.trim();
    const r = options.readRuntimeEnv === false ? undefined : runtime[name];
    return r !== undefined && r.trim() !== "" ? r.trim() : undefined;
  };
  const first = (...names: string[]): [string, string] | undefined => {
    for (const n of names) {
      const v = get(n);
      if (v !== undefined) return [n, v];
    }
    return undefined;
  };
  const numberVar = (names: string[], fallback: number | undefined): number | undefined => {
    const found = first(...names);
    if (found === undefined) return fallback;
    const n = Number(found[1]);
    if (!Number.isFinite(n) || n < 0) {
      problems.push(new ConfigError("invalid_number", found[0], `${found[0]} must be a non-negative number; got ${JSON.stringify(found[1])}; using the default`));
      return fallback;
    }
    return n;
  };

  // enabled
  let enabled: boolean | undefined = options.enabled;
  if (enabled === undefined) {
    const flag = get("CODEX_OTLP_ENABLE");
    if (flag !== undefined) {
      const f = flag.toLowerCase();
      if (TRUE.has(f)) enabled = true;
      else if (FALSE.has(f)) enabled = false;
      else {
        problems.push(new ConfigError("invalid_boolean", "CODEX_OTLP_ENABLE", `CODEX_OTLP_ENABLE must be one of 1/true/yes/on or 0/false/no/off; got ${JSON.stringify(flag)}; telemetry export stays off`));
        enabled = false;
      }
    }
  }
  if (enabled === undefined && get("OTEL_SDK_DISABLED")?.toLowerCase() === "true") enabled = false;

  // endpoint
  let endpoint: string | undefined;
  let endpointSource: string | undefined;
  const candidates: [string, string | undefined, boolean][] = [
    ["endpoint", options.endpoint, false],
    ["CODEX_OTLP_ENDPOINT", get("CODEX_OTLP_ENDPOINT"), false],
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), true],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", get("OTEL_EXPORTER_OTLP_ENDPOINT"), false],
  ];
  for (const [source, value, specific] of candidates) {
    if (value === undefined || value.trim() === "") continue;
    const url = tracesUrl(value, specific);
    if (url === undefined) {
      problems.push(new ConfigError("invalid_url", source, `${source} is not an http(s):// or memory:// URL; set it to e.g. http://localhost:4318`));
      continue;
    }
    endpoint = url;
    endpointSource = source;
    break;
  }
  const memory = endpoint !== undefined && /^(memory|pid):/i.test(endpoint);
  if (enabled === undefined) {
    // An explicit exporter or endpoint option, or a memory:// endpoint, is a clear request to trace.
    enabled = options.exporter !== undefined || options.endpoint !== undefined || memory;
  }
  let exporterKind: ResolvedConfig["exporterKind"] = "none";
  if (enabled) {
    if (options.exporter !== undefined) exporterKind = options.exporter.kind === "memory" ? "memory" : "custom";
    else if (memory) exporterKind = "memory";
    else if (endpoint !== undefined) exporterKind = "otlp-http";
    else {
      problems.push(new ConfigError("missing_endpoint", "CODEX_OTLP_ENDPOINT", "telemetry export is enabled but no endpoint is set: set CODEX_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT), e.g. http://localhost:4318; nothing will be exported"));
      enabled = false;
    }
  }

  // headers: OTEL generic < OTEL traces < CODEX < option
  const headers: Record<string, string> = {};
  for (const name of ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "CODEX_OTLP_HEADERS"]) {
    const v = get(name);
    if (v === undefined) continue;
    const parsed = parseHeaders(v, name);
    Object.assign(headers, parsed.headers);
    problems.push(...parsed.problems);
  }
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  // fetch refuses URLs with credentials: move them into a Basic authorization header.
  if (endpoint !== undefined && !memory) {
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

  // compression
  let compression: "gzip" | "none" = "none";
  if (options.compression !== undefined) compression = options.compression;
  else {
    const c = first("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION");
    if (c !== undefined) {
      const v = c[1].toLowerCase();
      if (v === "gzip" || v === "none") compression = v;
      else problems.push(new ConfigError("invalid_value", c[0], `${c[0]} must be gzip or none; got ${JSON.stringify(c[1])}; sending uncompressed`));
    }
  }

  const timeoutMs = options.timeoutMs ??
    numberVar(["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"], 10_000) ?? 10_000;

  // Numeric settings from the environment, set only when present; the options win.
  const numbers = <T>(vars: readonly (readonly [keyof T, ...string[]])[], own: T | undefined): T => {
    const out = {} as T;
    for (const [key, ...names] of vars) {
      const n = numberVar(names, undefined);
      if (n !== undefined) out[key] = n as T[keyof T];
    }
    return Object.assign(out as object, own) as T;
  };
  const batch = numbers<BatchOptions>([
    ["maxQueueSize", "OTEL_BSP_MAX_QUEUE_SIZE"],
    ["maxExportBatchSize", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
    ["scheduledDelayMillis", "OTEL_BSP_SCHEDULE_DELAY"],
    ["exportTimeoutMillis", "OTEL_BSP_EXPORT_TIMEOUT"],
  ], options.batch);
  const spanLimits = numbers<SpanLimits>([
    ["attributeCountLimit", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"],
    ["eventCountLimit", "OTEL_SPAN_EVENT_COUNT_LIMIT"],
    ["linkCountLimit", "OTEL_SPAN_LINK_COUNT_LIMIT"],
    ["attributeValueLengthLimit", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
  ], options.spanLimits);

  let sampler = options.sampler;
  if (sampler === undefined) {
    const name = get("OTEL_TRACES_SAMPLER");
    const parsed = name === undefined ? {} : samplerFromEnv(name, get("OTEL_TRACES_SAMPLER_ARG"));
    if (parsed.error !== undefined) {
      problems.push(new ConfigError("invalid_value", parsed.variable ?? "OTEL_TRACES_SAMPLER", `${parsed.error}; using parentbased_always_on`));
    }
    sampler = parsed.sampler ?? DEFAULT_SAMPLER;
  }

  // resource
  const ra = get("OTEL_RESOURCE_ATTRIBUTES");
  const parsedRa = parseResourceAttributes(ra);
  if (parsedRa.invalid.length > 0) {
    problems.push(new ConfigError("invalid_value", "OTEL_RESOURCE_ATTRIBUTES", `OTEL_RESOURCE_ATTRIBUTES: ${parsedRa.invalid.length} entr${parsedRa.invalid.length === 1 ? "y is" : "ies are"} not key=value pairs and were skipped`));
  }
  const resource = buildResource({
    serviceName: options.serviceName,
    attributes: options.resourceAttributes,
    envServiceName: get("OTEL_SERVICE_NAME"),
    envResourceAttributes: parsedRa.attributes,
  });

  // TLS: explicit contents win; files from the environment otherwise (only read when exporting over HTTP)
  let tls: TlsOptions | undefined = options.tls;
  if (tls === undefined && exporterKind === "otlp-http") {
    const read = (names: string[]): Uint8Array | undefined => {
      const found = first(...names);
      if (found === undefined) return undefined;
      try {
        return readFileSyncBytes(found[1]);
      } catch (error) {
        const why = (error as { code?: string }).code ?? (error as Error).message;
        problems.push(new ConfigError("unreadable_file", found[0], `${found[0]}: cannot read ${found[1]} (${why}); export continues without it`));
        return undefined;
      }
    };
    const cert = read(["CODEX_OTLP_CERTFILE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"]);
    const key = read(["CODEX_OTLP_KEYFILE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"]);
    const ca = read(["CODEX_OTLP_CACERTFILE", "CODEX_OTLP_CA_CERTFILE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"]);
    if ((cert === undefined) !== (key === undefined)) {
      const missing = cert === undefined ? "CODEX_OTLP_CERTFILE" : "CODEX_OTLP_KEYFILE";
      problems.push(new ConfigError("incomplete_tls", missing, `a client certificate needs both CODEX_OTLP_CERTFILE and CODEX_OTLP_KEYFILE; ${missing} is missing or unreadable, so no client certificate is sent`));
    }
    if (cert !== undefined || key !== undefined || ca !== undefined) {
      tls = {};
      if (cert !== undefined && key !== undefined) {
        tls.cert = cert;
        tls.key = key;
      }
      if (ca !== undefined) tls.ca = ca;
    }
  }

  const config: ResolvedConfig = {
    enabled,
    exporterKind: enabled ? exporterKind : "none",
    headers,
    compression,
    timeoutMs,
    batch,
    spanLimits,
    sampler,
    resource,
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (endpointSource !== undefined) config.endpointSource = endpointSource;
  if (tls !== undefined) config.tls = tls;
  return { config, problems };
}
