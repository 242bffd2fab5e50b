// Measure: metrics. (a) Recording one histogram value with the same attributes object, ours vs
// @opentelemetry/sdk-metrics (MeterProvider + a reader, Histogram.record); a fresh attributes
// object per call beside it. (b) OTLP/JSON encoding of 10,000 data points (histograms, sums and
// gauges with GenAI attributes), ours to bytes vs @opentelemetry/otlp-transformer's
// JsonMetricsSerializer, on the same points converted to sdk-metrics' ResourceMetrics.
// Rounds: BENCH_METRICS_ROUNDS (default 15 for recording, 9 for encoding).
import { MeterProvider, MetricReader, AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import type { MetricData as SdkMetricData, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ValueType } from "@opentelemetry/api";
import { createMeterProvider } from "../../src/metrics/meter.ts";
import { encodeMetricsBytes } from "../../src/metrics/otlp-json.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics } from "../../src/metrics/data.ts";
import type { Attributes } from "../../src/tracing/span-record.ts";
import { compare, consume, roundRatios, type Row } from "../harness.ts";

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const ROUNDS = env.BENCH_METRICS_ROUNDS === undefined ? undefined : Math.max(1, Number(env.BENCH_METRICS_ROUNDS));

const DURATION_BOUNDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

function benchRecord(): Row[] {
  const attrs = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5" };
  const ours = createMeterProvider().meter("bench").histogram("gen_ai.client.operation.duration", { unit: "s", boundaries: DURATION_BOUNDS });
  const reader = new ManualReader();
  const theirs = new MeterProvider({ readers: [reader] }).getMeter("bench").createHistogram("gen_ai.client.operation.duration", {
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BOUNDS },
  });
  const t = compare([
    { name: "ours", run: (n) => {
      for (let i = 0; i < n; i++) ours.record((i & 1023) / 100, attrs);
    } },
    { name: "sdk-metrics", run: (n) => {
      for (let i = 0; i < n; i++) theirs.record((i & 1023) / 100, attrs);
    } },
    { name: "ours, fresh object", run: (n) => {
      for (let i = 0; i < n; i++) ours.record((i & 1023) / 100, { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5" });
    } },
    { name: "sdk-metrics, fresh object", run: (n) => {
      for (let i = 0; i < n; i++) theirs.record((i & 1023) / 100, { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5" });
    } },
  ], { rounds: ROUNDS ?? 15, sampleMs: 40 });
  const ratio = t["sdk-metrics"] / t.ours;
  const fresh = t["sdk-metrics, fresh object"] / t["ours, fresh object"];
  return [
    {
      measure: "histogram record, same attributes object (3 attrs, 14 bounds)",
      ours: `${t.ours.toFixed(1)} ns/record`,
      versus: `sdk-metrics ${t["sdk-metrics"].toFixed(0)} ns/record`,
      ratio: `${ratio.toFixed(1)}× faster`,
      target: "≥ 4× faster",
      met: ratio >= 4,
      value: ratio,
      better: "higher",
      goal: 4,
      spread: roundRatios(t, "sdk-metrics", "ours"),
    },
    {
      measure: "histogram record, a fresh attributes object per call",
      ours: `${t["ours, fresh object"].toFixed(1)} ns/record`,
      versus: `sdk-metrics ${t["sdk-metrics, fresh object"].toFixed(0)} ns/record`,
      ratio: `${fresh.toFixed(1)}× faster`,
      target: "–",
      met: null,
      value: fresh,
      better: "higher",
      spread: roundRatios(t, "sdk-metrics, fresh object", "ours, fresh object"),
    },
  ];
}

/** 10,000 points: 4,000 histogram, 4,000 sum and 2,000 gauge points with GenAI-style attributes. */
export function makeScopes(count = 10_000): ScopeMetrics[] {
  const start = 1_764_000_000_000_000_000n;
  const time = start + 60_000_000_000n;
  const attrs = (i: number): Attributes => ({
    "gen_ai.operation.name": i % 3 ? "chat" : "execute_tool",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": `gpt-5-${i % 7}`,
    "codex.run.id": i,
    "codex.cached": i % 2 === 0,
  });
  const hist: HistogramPoint[] = [];
  const sums: NumberPoint[] = [];
  const gauges: NumberPoint[] = [];
  for (let i = 0; i < count; i++) {
    const a = attrs(i);
    const kind = i % 5;
    if (kind < 2) {
      const bucketCounts = DURATION_BOUNDS.map((_, b) => (i * 31 + b * 7) % 13).concat([i % 3]);
      const n = bucketCounts.reduce((x, y) => x + y, 0);
      hist.push({ attributes: a, startTimeUnixNano: start, timeUnixNano: time, count: n, sum: n * 0.731 + i / 1000, min: 0.001 * (i % 10), max: 90 + i / 100, bounds: DURATION_BOUNDS, bucketCounts });
    } else if (kind < 4) sums.push({ attributes: a, startTimeUnixNano: start, timeUnixNano: time, value: i * 17 });
    else gauges.push({ attributes: a, startTimeUnixNano: start, timeUnixNano: time, value: i / 3 });
  }
  const metrics: MetricData[] = [
    { name: "gen_ai.client.operation.duration", unit: "s", description: "GenAI operation duration.", kind: "histogram", temporality: "cumulative", points: hist },
    { name: "gen_ai.client.token.usage.total", unit: "{token}", valueType: "int", kind: "sum", temporality: "cumulative", monotonic: true, points: sums },
    { name: "codex.pool.size", unit: "{thread}", kind: "gauge", points: gauges },
  ];
  return [{ scope: { name: "codex-otel-sdk", version: "0.1.0" }, metrics }];
}

const hr = (t: bigint): [number, number] => [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)];

/** The same points as sdk-metrics' ResourceMetrics (what JsonMetricsSerializer takes). */
export function toResourceMetrics(scopes: ScopeMetrics[], resource: Attributes): ResourceMetrics {
  return {
    resource: resourceFromAttributes(resource as Record<string, string>),
    scopeMetrics: scopes.map((s) => ({
      scope: { name: s.scope.name, version: s.scope.version },
      metrics: s.metrics.map((m): SdkMetricData => {
        const descriptor = { name: m.name, description: m.description ?? "", unit: m.unit ?? "", valueType: m.valueType === "int" ? ValueType.INT : ValueType.DOUBLE };
        if (m.kind === "histogram") {
          return {
            descriptor,
            aggregationTemporality: m.temporality === "delta" ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints: m.points.map((p) => ({
              startTime: hr(p.startTimeUnixNano),
              endTime: hr(p.timeUnixNano),
              attributes: p.attributes as Record<string, string>,
              value: { buckets: { boundaries: [...p.bounds], counts: [...p.bucketCounts] }, count: p.count, sum: p.sum, min: p.min, max: p.max },
            })),
          };
        }
        const dataPoints = m.points.map((p) => ({ startTime: hr(p.startTimeUnixNano), endTime: hr(p.timeUnixNano), attributes: p.attributes as Record<string, string>, value: p.value }));
        if (m.kind === "sum") {
          return {
            descriptor,
            aggregationTemporality: m.temporality === "delta" ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.SUM,
            isMonotonic: m.monotonic,
            dataPoints,
          };
        }
        return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
      }),
    })),
  };
}

function benchEncodeMetrics(): Row[] {
  const resource = { "service.name": "bench", "telemetry.sdk.language": "webjs" };
  const scopes = makeScopes();
  const rm = toResourceMetrics(scopes, resource);
  // Same content before timing: equal point counts, bucket counts and sums in both bodies.
  type Body = { resourceMetrics: { scopeMetrics: { metrics: Record<string, { dataPoints: { bucketCounts?: unknown[]; asInt?: unknown; asDouble?: unknown }[] }> [] }[] }[] };
  const figures = (b: Body) => {
    let points = 0;
    let buckets = 0;
    let total = 0;
    for (const m of b.resourceMetrics[0].scopeMetrics[0].metrics) {
      for (const k of ["sum", "gauge", "histogram"]) {
        for (const d of m[k]?.dataPoints ?? []) {
          points++;
          buckets += (d.bucketCounts ?? []).reduce((x: number, y) => x + Number(y), 0);
          total += Number(d.asInt ?? d.asDouble ?? 0);
        }
      }
    }
    return { points, buckets, total };
  };
  const dec = new TextDecoder();
  const ours = figures(JSON.parse(dec.decode(encodeMetricsBytes(scopes, { resource }))));
  const theirs = figures(JSON.parse(dec.decode(JsonMetricsSerializer.serializeRequest(rm)!)));
  if (JSON.stringify(ours) !== JSON.stringify(theirs) || ours.points !== 10_000) {
    throw new Error(`metrics encode bench: outputs differ (${JSON.stringify(ours)} vs ${JSON.stringify(theirs)})`);
  }
  const t = compare([
    { name: "ours", run: () => encodeMetricsBytes(scopes, { resource }) },
    { name: "otlp-transformer", run: () => JsonMetricsSerializer.serializeRequest(rm) },
  ], { fixedN: 1, rounds: ROUNDS ?? 9, opsPerRun: 10_000, warmupMs: 300 });
  const ratio = t["otlp-transformer"] / t.ours;
  return [{
    measure: "OTLP/JSON metrics encode, 10k points (histograms, sums, gauges; to bytes)",
    ours: `${t.ours.toFixed(0)} ns/point`,
    versus: `otlp-transformer ${t["otlp-transformer"].toFixed(0)} ns/point`,
    ratio: `${ratio.toFixed(2)}× faster`,
    target: "≥ 2× faster",
    met: ratio >= 2,
    value: ratio,
    better: "higher",
    goal: 2,
    spread: roundRatios(t, "otlp-transformer", "ours"),
  }];
}

export function benchMetrics(): Row[] {
  const rows = [...benchRecord(), ...benchEncodeMetrics()];
  consume(rows);
  return rows;
}
