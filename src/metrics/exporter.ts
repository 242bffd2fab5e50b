/**
 * The metric exporter contract and the OTLP/HTTP JSON metric exporter: encodes collections with
 * `encodeMetricsBytes` and sends them through the one OTLP/HTTP transport (`export/otlp-http.ts`),
 * splitting by data points when a body would exceed the bound.
 * @module
 */
import type { ExportResult } from "../export/exporter.ts";
import { MiB, otlpHttpTransport, sendSplit } from "../export/otlp-http.ts";
import type { OtlpHttpOptions } from "../export/otlp-http.ts";
import type { EncodeOptions } from "../export/otlp-json.ts";
import { countPoints } from "./data.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics } from "./data.ts";
import { encodeMetricsBytes } from "./otlp-json.ts";

/** Something that sends collected metrics somewhere. */
export interface MetricExporter {
  /** `otlp-http`, `memory`, `console`, or a custom name. */
  readonly kind: string;
  /**
   * Sends one collection; resolves with the outcome, never rejects.
   *
   * @param scopes The collection.
   * @returns The outcome; `rejected` counts data points.
   */
  export(scopes: readonly ScopeMetrics[]): Promise<ExportResult>;
  /** Releases resources. */
  shutdown?(): Promise<void>;
}

/** Options of {@link otlpHttpMetricExporter}. */
export interface OtlpHttpMetricExporterOptions extends OtlpHttpOptions {
  /** Resource attributes and schema URL. */
  encode?: EncodeOptions;
  /** Request body bound before compression, bytes. @default 64 MiB */
  maxBodyBytes?: number;
}

/** One data point with the scope and metric it belongs to: the unit a too-large body splits into. */
interface PointRef {
  scope: ScopeMetrics["scope"];
  metric: MetricData;
  point: NumberPoint | HistogramPoint;
}

function flatten(scopes: readonly ScopeMetrics[]): PointRef[] {
  const out: PointRef[] = [];
  for (const s of scopes) {
    for (const m of s.metrics) for (const p of m.points) out.push({ scope: s.scope, metric: m, point: p });
  }
  return out;
}

/** Rebuilds scopes from consecutive points (the order {@link flatten} gives). */
function regroup(part: readonly PointRef[]): ScopeMetrics[] {
  const out: ScopeMetrics[] = [];
  let scope: ScopeMetrics | undefined;
  let metric: MetricData | undefined;
  let source: MetricData | undefined;
  for (const r of part) {
    if (scope === undefined || scope.scope !== r.scope) {
      scope = { scope: r.scope, metrics: [] };
      out.push(scope);
      source = undefined;
    }
    if (source !== r.metric) {
      source = r.metric;
      metric = { ...r.metric, points: [] } as MetricData;
      scope.metrics.push(metric);
    }
    (metric as { points: (NumberPoint | HistogramPoint)[] }).points.push(r.point);
  }
  return out;
}

/**
 * Creates the OTLP/HTTP JSON metric exporter (`POST …/v1/metrics`), on the shared transport:
 * retries, `Retry-After`, deadline, gzip and `partialSuccess.rejectedDataPoints` as for traces.
 *
 * @param options Endpoint (the full `/v1/metrics` URL), headers, transport, limits, resource.
 * @returns The exporter.
 * @example
 * ```ts
 * import { otlpHttpMetricExporter } from "./exporter.ts";
 * const exporter = otlpHttpMetricExporter({
 *   url: "http://127.0.0.1:4318/v1/metrics",
 *   compression: "gzip",
 *   encode: { resource: { "service.name": "demo" } },
 * });
 * ```
 */
export function otlpHttpMetricExporter(options: OtlpHttpMetricExporterOptions): MetricExporter {
  const maxBody = options.maxBodyBytes ?? 64 * MiB;
  const transport = otlpHttpTransport(options, "metrics");
  const encode = options.encode;

  return {
    kind: "otlp-http",
    async export(scopes: readonly ScopeMetrics[]): Promise<ExportResult> {
      let points = 0;
      try {
        points = countPoints(scopes);
        if (points === 0) return { ok: true, rejected: 0 };
        const body = encodeMetricsBytes(scopes, encode);
        if (body.byteLength <= maxBody) return await transport.send(body, points);
        // Rare: only a collection above the bound pays for flattening and encoding again.
        return await sendSplit(transport, flatten(scopes), (part) => encodeMetricsBytes(regroup(part), encode), maxBody, "data point");
      } catch (error) {
        return { ok: false, rejected: points, reason: "exporter_error", error: String((error as Error)?.message ?? error) };
      }
    },
  };
}
