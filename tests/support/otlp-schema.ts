/**
 * Validates OTLP/JSON trace, metrics and logs payloads against the opentelemetry-proto schema (tests/proto, loaded
 * with protobufjs): a strict walk that applies proto3 JSON rules plus the OTLP deviations (hex
 * ids, integer enums), then protobufjs `fromObject` + `verify` + an encode/decode round trip.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const PROTO_DIR = fileURLToPath(new URL("../proto/", import.meta.url));
const FILES = [
  "opentelemetry/proto/common/v1/common.proto",
  "opentelemetry/proto/resource/v1/resource.proto",
  "opentelemetry/proto/trace/v1/trace.proto",
  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
  "opentelemetry/proto/metrics/v1/metrics.proto",
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
  "opentelemetry/proto/logs/v1/logs.proto",
  "opentelemetry/proto/collector/logs/v1/logs_service.proto",
];

let root: protobuf.Root | undefined;

/** The protobufjs root with the OTLP trace, metrics and logs schema. */
export function otlpRoot(): protobuf.Root {
  if (root !== undefined) return root;
  const r = new protobuf.Root();
  for (const f of FILES) protobuf.parse(readFileSync(PROTO_DIR + f, "utf8"), r, { keepCase: false });
  r.resolveAll();
  return root = r;
}

/** Options of {@link validateTraces}. */
export interface ValidateOptions {
  /** Require 64-bit integers as strings (our encoder's choice); proto3 JSON also allows numbers. */
  int64AsString?: boolean;
}

const ID_FIELDS: Record<string, number> = { traceId: 32, spanId: 16, parentSpanId: 16 };
/** Messages whose trace/span id fields are hex in OTLP/JSON. */
const ID_MESSAGES = new Set(["Span", "Link", "Exemplar", "LogRecord"]);
/** Messages whose ids may be empty (not set): a log record outside a span, an exemplar without one. */
const OPTIONAL_IDS = new Set(["Exemplar", "LogRecord"]);
const INT64 = new Set(["int64", "sint64", "sfixed64"]);
const UINT64 = new Set(["uint64", "fixed64"]);
const INT32 = new Set(["int32", "sint32", "sfixed32"]);
const UINT32 = new Set(["uint32", "fixed32"]);

function walk(type: protobuf.Type, value: unknown, path: string, errors: string[], opts: ValidateOptions): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    errors.push(`${path}: expected an object for ${type.name}`);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((n) => obj[type.fields[n]?.name ?? n] !== undefined);
    if (set.length > 1) errors.push(`${path}: oneof ${oneof.name} has ${set.length} members set`);
  }
  for (const key of Object.keys(obj)) {
    const field = type.fields[key];
    if (field === undefined) {
      errors.push(`${path}: unknown field "${key}" in ${type.name}`);
      continue;
    }
    const v = obj[key];
    if (v === null) continue;
    if (field.repeated) {
      if (!Array.isArray(v)) {
        errors.push(`${path}.${key}: expected an array`);
        continue;
      }
      v.forEach((item, i) => checkField(type, field, item, `${path}.${key}[${i}]`, errors, opts));
    } else checkField(type, field, v, `${path}.${key}`, errors, opts);
  }
}

function checkField(
  parent: protobuf.Type,
  field: protobuf.Field,
  v: unknown,
  path: string,
  errors: string[],
  opts: ValidateOptions,
): void {
  const t = field.type;
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return walk(resolved, v, path, errors, opts);
  if (resolved instanceof protobuf.Enum) {
    if (typeof v !== "number" || !Number.isInteger(v)) errors.push(`${path}: enum ${resolved.name} must be an integer, got ${JSON.stringify(v)}`);
    else if (!Object.values(resolved.values).includes(v)) errors.push(`${path}: ${v} is not a ${resolved.name} value`);
    return;
  }
  if (t === "string") {
    if (typeof v !== "string") errors.push(`${path}: expected a string`);
    return;
  }
  if (t === "bool") {
    if (typeof v !== "boolean") errors.push(`${path}: expected a boolean`);
    return;
  }
  if (INT64.has(t) || UINT64.has(t)) {
    let big: bigint;
    if (typeof v === "string" && /^-?\d+$/.test(v)) big = BigInt(v);
    else if (typeof v === "number" && Number.isInteger(v) && !opts.int64AsString) big = BigInt(v);
    else {
      errors.push(`${path}: ${t} must be a decimal string${opts.int64AsString ? "" : " or an integer"}, got ${JSON.stringify(v)}`);
      return;
    }
    const [lo, hi] = INT64.has(t) ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    if (big < lo || big > hi) errors.push(`${path}: ${v} out of ${t} range`);
    return;
  }
  if (INT32.has(t) || UINT32.has(t)) {
    const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n)) errors.push(`${path}: ${t} must be an integer`);
    else if (UINT32.has(t) ? n < 0 || n > 0xffffffff : n < -(2 ** 31) || n >= 2 ** 31) errors.push(`${path}: ${n} out of ${t} range`);
    return;
  }
  if (t === "double" || t === "float") {
    if (typeof v === "number") return;
    if (v === "NaN" || v === "Infinity" || v === "-Infinity") return;
    errors.push(`${path}: ${t} must be a number or NaN/Infinity/-Infinity, got ${JSON.stringify(v)}`);
    return;
  }
  if (t === "bytes") {
    if (typeof v !== "string") {
      errors.push(`${path}: bytes must be a string`);
      return;
    }
    const idLen = ID_MESSAGES.has(parent.name) ? ID_FIELDS[field.name] : undefined;
    if (idLen !== undefined) {
      if (v === "" && (field.name === "parentSpanId" || OPTIONAL_IDS.has(parent.name))) return;
      if (v.length !== idLen || !/^[0-9a-f]+$/i.test(v)) errors.push(`${path}: must be ${idLen} hex chars, got ${JSON.stringify(v)}`);
      else if (/^0+$/.test(v)) errors.push(`${path}: all-zero id is invalid`);
      return;
    }
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)) errors.push(`${path}: not base64`);
    return;
  }
  errors.push(`${path}: unhandled type ${t}`);
}

function hexToBase64(obj: unknown, parentName: string): unknown {
  if (Array.isArray(obj)) return obj.map((o) => hexToBase64(o, parentName));
  if (obj === null || typeof obj !== "object") return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if ((k === "traceId" || k === "spanId" || k === "parentSpanId") && typeof v === "string") {
      out[k] = Buffer.from(v, "hex").toString("base64");
    } else if ((k === "doubleValue" || k === "asDouble" || k === "sum" || k === "min" || k === "max") && typeof v === "string") {
      out[k] = Number(v);
    } else out[k] = hexToBase64(v, k);
  }
  return out;
}

function validateRequest(typeName: string, payload: unknown, opts: ValidateOptions): string[] {
  const r = otlpRoot();
  const type = r.lookupType(typeName);
  const errors: string[] = [];
  walk(type, payload, "$", errors, opts);
  if (errors.length > 0) return errors;
  try {
    const msg = type.fromObject(hexToBase64(payload, "") as Record<string, unknown>);
    const problem = type.verify(msg);
    if (problem) return [`protobufjs verify: ${problem}`];
    const bytes = type.encode(msg).finish();
    type.decode(bytes);
  } catch (error) {
    return [`protobufjs: ${(error as Error).message}`];
  }
  return [];
}

/**
 * Validates a parsed ExportTraceServiceRequest.
 *
 * @returns The list of problems (empty when valid).
 */
export function validateTraces(payload: unknown, opts: ValidateOptions = {}): string[] {
  return validateRequest("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest", payload, opts);
}

/**
 * Validates a parsed ExportMetricsServiceRequest.
 *
 * @returns The list of problems (empty when valid).
 */
export function validateMetrics(payload: unknown, opts: ValidateOptions = {}): string[] {
  return validateRequest("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest", payload, opts);
}

/**
 * Validates a parsed ExportLogsServiceRequest.
 *
 * @returns The list of problems (empty when valid).
 */
export function validateLogs(payload: unknown, opts: ValidateOptions = {}): string[] {
  return validateRequest("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest", payload, opts);
}

/** Validates a payload of the given signal. */
export function validateSignal(signal: "traces" | "metrics" | "logs", payload: unknown, opts: ValidateOptions = {}): string[] {
  return signal === "traces" ? validateTraces(payload, opts) : signal === "metrics" ? validateMetrics(payload, opts) : validateLogs(payload, opts);
}

/** Counts spans in a payload. */
export function countSpans(payload: unknown): number {
  let n = 0;
  for (const rs of (payload as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] }).resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  }
  return n;
}

/** Counts data points in a metrics payload (every point of every metric). */
export function countDataPoints(payload: unknown): number {
  let n = 0;
  type M = Record<string, { dataPoints?: unknown[] } | undefined>;
  for (const rm of (payload as { resourceMetrics?: { scopeMetrics?: { metrics?: M[] }[] }[] }).resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        for (const k of ["sum", "gauge", "histogram", "exponentialHistogram", "summary"]) n += m[k]?.dataPoints?.length ?? 0;
      }
    }
  }
  return n;
}

/** Counts log records in a logs payload. */
export function countLogRecords(payload: unknown): number {
  let n = 0;
  for (const rl of (payload as { resourceLogs?: { scopeLogs?: { logRecords?: unknown[] }[] }[] }).resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  }
  return n;
}
