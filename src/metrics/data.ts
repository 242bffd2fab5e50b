/**
 * The metric data model: what a meter collects and the OTLP/JSON metrics encoder writes
 * (`ScopeMetrics` → `Metric` → Sum / Gauge / Histogram points), one shape for every exporter.
 * @module
 */
import type { Attributes } from "../tracing/span-record.ts";

/** Aggregation temporality: OTLP `AGGREGATION_TEMPORALITY_DELTA` (1) or `_CUMULATIVE` (2). */
export type Temporality = "delta" | "cumulative";

/** A Sum or Gauge point. */
export interface NumberPoint {
  /** The series' attributes. */
  attributes: Attributes;
  /** Start of the aggregation interval, epoch ns (for gauges: the first observation). */
  startTimeUnixNano: bigint;
  /** Collection time, epoch ns. */
  timeUnixNano: bigint;
  /** The value. */
  value: number;
}

/** An explicit-bucket histogram point. `bucketCounts.length === bounds.length + 1`. */
export interface HistogramPoint {
  /** The series' attributes. */
  attributes: Attributes;
  /** Start of the aggregation interval, epoch ns. */
  startTimeUnixNano: bigint;
  /** Collection time, epoch ns. */
  timeUnixNano: bigint;
  /** Recordings. */
  count: number;
  /** Sum of the recordings. */
  sum: number;
  /** Smallest recording (absent when `count` is 0). */
  min?: number;
  /** Largest recording (absent when `count` is 0). */
  max?: number;
  /** Upper bounds, inclusive (OTLP `explicit_bounds`). */
  bounds: readonly number[];
  /** Count per bucket; bucket i holds (bounds[i-1], bounds[i]]. */
  bucketCounts: readonly number[];
}

/** What every metric carries beside its points. */
export interface MetricBase {
  /** Instrument name. */
  name: string;
  /** Instrument description. */
  description?: string;
  /** Unit (UCUM, e.g. `s`, `{token}`). */
  unit?: string;
  /** Whether values are integers (`asInt`) or doubles (`asDouble`) on the wire. @default "double" */
  valueType?: "int" | "double";
}

/** A monotonic or non-monotonic sum (counters, up-down counters). */
export interface SumMetric extends MetricBase {
  /** Kind. */
  kind: "sum";
  /** Temporality. */
  temporality: Temporality;
  /** Whether the sum only grows (counters). */
  monotonic: boolean;
  /** Points, one per series. */
  points: NumberPoint[];
}

/** A gauge: the last value per series. */
export interface GaugeMetric extends MetricBase {
  /** Kind. */
  kind: "gauge";
  /** Points, one per series. */
  points: NumberPoint[];
}

/** An explicit-bucket histogram. */
export interface HistogramMetric extends MetricBase {
  /** Kind. */
  kind: "histogram";
  /** Temporality. */
  temporality: Temporality;
  /** Points, one per series. */
  points: HistogramPoint[];
}

/** One collected metric. */
export type MetricData = SumMetric | GaugeMetric | HistogramMetric;

/** The metrics of one instrumentation scope (one meter). */
export interface ScopeMetrics {
  /** The meter's name and version. */
  scope: { name: string; version?: string };
  /** Its metrics with at least one point. */
  metrics: MetricData[];
}

/**
 * Counts the data points of a collection (the unit the metrics pipeline accounts in).
 *
 * @param scopes Collected scopes.
 * @returns The number of points.
 * @example
 * ```ts
 * import { countPoints } from "./data.ts";
 * countPoints([]); // 0
 * ```
 */
export function countPoints(scopes: readonly ScopeMetrics[]): number {
  let n = 0;
  for (const s of scopes) for (const m of s.metrics) n += m.points.length;
  return n;
}
