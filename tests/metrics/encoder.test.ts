import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeMetrics, encodeMetricsBytes } from "../../src/metrics/otlp-json.ts";
import { createMeterProvider } from "../../src/metrics/meter.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics } from "../../src/metrics/data.ts";
import type { Attributes, AttributeValue } from "../../src/tracing/span-record.ts";
import { countDataPoints, validateMetrics } from "../support/otlp-schema.ts";
import { decodeAny, expectedDecoded } from "../support/otlp-spans.ts";

type Json = Record<string, any>;
const T0 = 1_700_000_000_123_456_789n;
const T1 = 1_700_000_060_987_654_321n;

function valid(body: string): Json {
  const payload = JSON.parse(body);
  assert.deepEqual(validateMetrics(payload, { int64AsString: true }), []);
  return payload;
}
const metricsOf = (payload: Json): Json[] => payload.resourceMetrics[0].scopeMetrics.flatMap((s: Json) => s.metrics);
const attrMap = (list: { key: string; value: Json }[]): Record<string, unknown> => Object.fromEntries(list.map((kv) => [kv.key, decodeAny(kv.value)]));

function np(value: number, attributes: Attributes = {}): NumberPoint {
  return { attributes, startTimeUnixNano: T0, timeUnixNano: T1, value };
}
function hp(values: number[], bounds: number[], attributes: Attributes = {}): HistogramPoint {
  const bucketCounts = new Array(bounds.length + 1).fill(0);
  for (const v of values) {
    let i = 0;
    while (i < bounds.length && v > bounds[i]) i++;
    bucketCounts[i]++;
  }
  return {
    attributes,
    startTimeUnixNano: T0,
    timeUnixNano: T1,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    ...(values.length ? { min: Math.min(...values), max: Math.max(...values) } : {}),
    bounds,
    bucketCounts,
  };
}
const scope = (metrics: MetricData[], name = "codex-otel-sdk", version: string | null = "0.1.0"): ScopeMetrics => ({
  scope: version === null ? { name } : { name, version },
  metrics,
});

describe("OTLP/JSON metrics encoder", () => {
  it("writes a request of the golden shape", () => {
    const scopes = [scope([
      { name: "codex.runs", description: "Runs.", unit: "{run}", valueType: "int", kind: "sum", temporality: "cumulative", monotonic: true, points: [np(3, { "codex.run.result": "ok" })] },
      { name: "queue", kind: "sum", temporality: "delta", monotonic: false, points: [np(-1.5)] },
      { name: "temp", unit: "Cel", kind: "gauge", points: [np(21.5)] },
      { name: "dur", unit: "s", kind: "histogram", temporality: "delta", points: [hp([0.5, 2, 7], [1, 5])] },
    ])];
    const body = encodeMetrics(scopes, { resource: { "service.name": "svc" }, schemaUrl: "https://opentelemetry.io/schemas/1.26.0" });
    const expected = {
      resourceMetrics: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
        scopeMetrics: [{
          scope: { name: "codex-otel-sdk", version: "0.1.0" },
          metrics: [
            {
              name: "codex.runs",
              description: "Runs.",
              unit: "{run}",
              sum: {
                dataPoints: [{
                  attributes: [{ key: "codex.run.result", value: { stringValue: "ok" } }],
                  startTimeUnixNano: "1700000000123456789",
                  timeUnixNano: "1700000060987654321",
                  asInt: "3",
                }],
                aggregationTemporality: 2,
                isMonotonic: true,
              },
            },
            {
              name: "queue",
              sum: {
                dataPoints: [{ attributes: [], startTimeUnixNano: "1700000000123456789", timeUnixNano: "1700000060987654321", asDouble: -1.5 }],
                aggregationTemporality: 1,
                isMonotonic: false,
              },
            },
            {
              name: "temp",
              unit: "Cel",
              gauge: { dataPoints: [{ attributes: [], startTimeUnixNano: "1700000000123456789", timeUnixNano: "1700000060987654321", asDouble: 21.5 }] },
            },
            {
              name: "dur",
              unit: "s",
              histogram: {
                dataPoints: [{
                  attributes: [],
                  startTimeUnixNano: "1700000000123456789",
                  timeUnixNano: "1700000060987654321",
                  count: "3",
                  sum: 9.5,
                  bucketCounts: ["1", "1", "1"],
                  explicitBounds: [1, 5],
                  min: 0.5,
                  max: 7,
                }],
                aggregationTemporality: 1,
              },
            },
          ],
        }],
        schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
      }],
    };
    assert.deepEqual(valid(body), expected);
  });

  it("writes bytes equal to the UTF-8 of the text", () => {
    const scopes = [scope([{ name: "h", kind: "histogram", temporality: "cumulative", points: [hp([1, 2], [1], { "ü": "日本語 🎉" })] }])];
    assert.deepEqual(encodeMetricsBytes(scopes), new TextEncoder().encode(encodeMetrics(scopes)));
  });

  it("writes 64-bit times, counts and bucket counts as exact decimal strings, and asInt beyond 2^53 exactly", () => {
    const big = 2 ** 60;
    const p: HistogramPoint = {
      attributes: {},
      startTimeUnixNano: 1n,
      timeUnixNano: 9_223_372_036_854_775_807n,
      count: 2 ** 53 + 2,
      sum: 1e300,
      min: 0,
      max: 1e300,
      bounds: [0],
      bucketCounts: [2 ** 53, 2],
    };
    const payload = valid(encodeMetrics([scope([
      { name: "h", kind: "histogram", temporality: "cumulative", points: [p] },
      { name: "c", valueType: "int", kind: "sum", temporality: "cumulative", monotonic: true, points: [np(big), np(-(2 ** 62))] },
    ])]));
    const [h, c] = metricsOf(payload);
    const dp = h.histogram.dataPoints[0];
    assert.equal(dp.startTimeUnixNano, "1");
    assert.equal(dp.timeUnixNano, "9223372036854775807");
    assert.equal(dp.count, "9007199254740994");
    assert.deepEqual(dp.bucketCounts, ["9007199254740992", "2"]);
    assert.equal(c.sum.dataPoints[0].asInt, "1152921504606846976");
    assert.equal(c.sum.dataPoints[1].asInt, "-4611686018427387904");
  });

  it("writes non-finite doubles as proto3 JSON strings, and an int value out of int64 range as a double", () => {
    const p = hp([1], [1]);
    const payload = valid(encodeMetrics([scope([
      { name: "g", kind: "gauge", points: [np(NaN), np(Infinity), np(-Infinity), np(-0), np(5e-324)] },
      { name: "h", kind: "histogram", temporality: "cumulative", points: [{ ...p, sum: Infinity, max: Infinity }] },
      { name: "i", valueType: "int", kind: "gauge", points: [np(Infinity), np(2 ** 64), np(1.5)] },
    ])]));
    const [g, h, i] = metricsOf(payload);
    assert.deepEqual(g.gauge.dataPoints.map((d: Json) => d.asDouble), ["NaN", "Infinity", "-Infinity", 0, 5e-324]);
    assert.equal(h.histogram.dataPoints[0].sum, "Infinity");
    assert.equal(h.histogram.dataPoints[0].max, "Infinity");
    assert.deepEqual(i.gauge.dataPoints.map((d: Json) => d.asDouble ?? d.asInt), ["Infinity", 18446744073709552000, "1"]);
  });

  it("keeps any attribute content intact: unicode, quotes, control characters, nested values", () => {
    const attrs: Attributes = {
      "emoji 🎉": "ünïcødé — 日本語 🚀",
      quote: 'say "hi"\\ \n\t\u0000\u001f',
      list: ["x", 1, true, null],
      map: { inner: { deep: 2.5 } },
      big: 2n ** 62n,
      bytes: new Uint8Array([1, 2, 255]),
    };
    const payload = valid(encodeMetrics([scope([{ name: "u", kind: "gauge", points: [np(1, attrs)] }])]));
    const got = attrMap(metricsOf(payload)[0].gauge.dataPoints[0].attributes);
    assert.equal(got["emoji 🎉"], "ünïcødé — 日本語 🚀");
    assert.equal(got.quote, 'say "hi"\\ \n\t\u0000\u001f');
    assert.deepEqual(got.list, ["x", 1n, true, null]);
    assert.deepEqual(got.map, { inner: { deep: 2.5 } });
    assert.equal(got.big, 2n ** 62n);
    assert.deepEqual(got.bytes, new Uint8Array([1, 2, 255]));
  });

  it("writes lone surrogates as \\u escapes, so the body stays valid UTF-8 JSON", () => {
    const body = encodeMetricsBytes([scope([{ name: "u", kind: "gauge", points: [np(1, { lone: "a\ud800b\udc00c" })] }])]);
    const text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    assert.match(text, /a\\ud800b\\udc00c/);
    assert.equal(JSON.parse(text).resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].attributes[0].value.stringValue, "a\ud800b\udc00c");
  });

  it("leaves out metrics without points and scopes without metrics; an empty collection is still a valid request", () => {
    const empty = valid(encodeMetrics([]));
    assert.deepEqual(empty, { resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [] }] });
    const payload = valid(encodeMetrics([
      scope([{ name: "none", kind: "gauge", points: [] }], "a"),
      scope([], "b", null),
      scope([{ name: "none", kind: "gauge", points: [] }, { name: "one", kind: "gauge", points: [np(1)] }], "c", null),
    ]));
    assert.equal(payload.resourceMetrics[0].scopeMetrics.length, 1);
    assert.deepEqual(payload.resourceMetrics[0].scopeMetrics[0].scope, { name: "c" });
    assert.deepEqual(metricsOf(payload).map((m) => m.name), ["one"]);
  });

  it("encodes what a meter provider collects, every kind and temporality, as valid OTLP with every point", () => {
    for (const temporality of ["cumulative", "delta", "lowmemory"] as const) {
      const provider = createMeterProvider({ temporality, cardinalityLimit: 4, warn: () => {} });
      const m = provider.meter("codex-otel-sdk", "0.1.0");
      const h = m.histogram("gen_ai.client.operation.duration", { unit: "s", boundaries: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28] });
      const c = m.counter("codex.runs", { valueType: "int" });
      const u = m.upDownCounter("inflight");
      const g = m.gauge("pool");
      m.observableCounter("obs.c", (r) => r.observe(10, { k: "v" }));
      m.observableUpDownCounter("obs.u", (r) => r.observe(-3));
      m.observableGauge("obs.g", (r) => r.observe(0.25, { cpu: 0 }));
      for (let i = 0; i < 20; i++) {
        h.record(i / 10, { "gen_ai.operation.name": "chat", i: i % 6 });
        c.add(1, { result: i % 2 ? "ok" : "error" });
        u.add(i % 3 - 1);
        g.record(i);
      }
      provider.meter("host", "2").counter("host.jobs").add(2);
      const scopes = provider.collect();
      const payload = valid(encodeMetrics(scopes, { resource: { "service.name": "t" } }));
      assert.equal(countDataPoints(payload), 4 + 2 + 1 + 1 + 1 + 1 + 1 + 1);
      assert.equal(payload.resourceMetrics[0].scopeMetrics.length, 2);
      const dur = metricsOf(payload).find((x) => x.name === "gen_ai.client.operation.duration") as Json;
      assert.equal(dur.histogram.aggregationTemporality, temporality === "cumulative" ? 2 : 1);
      assert.ok(dur.histogram.dataPoints.some((d: Json) => d.attributes.some((a: Json) => a.key === "otel.metric.overflow" && a.value.boolValue === true)));
    }
  });

  it("writes the same bytes whatever its caches hold: repeated values, many values per key, many keys, any key order", () => {
    const points: NumberPoint[] = [];
    for (let i = 0; i < 3000; i++) {
      const a: Attributes = {};
      const keys = ["model", "op", "id", "flag", "ratio", "big"];
      // a rotating key order and, every 7th point, 100 more keys
      for (let k = 0; k < keys.length; k++) {
        const key = keys[(k + i) % keys.length];
        a[key] = key === "model" ? `m${i % 5}` : key === "op" ? "chat" : key === "id" ? i : key === "flag" ? i % 2 === 0 : key === "ratio" ? i / 7 : 2 ** 60 + i * 2048;
      }
      // past the per-position cache, and enough distinct values (100 keys × 250) to reset the value cache
      if (i % 7 === 0) for (let k = 0; k < 100; k++) a[`extra.${k}`] = `v${(i + k) % 250}`;
      points.push({ attributes: a, startTimeUnixNano: BigInt(i % 3) + T0, timeUnixNano: T1, value: i % 2 ? i : -i / 3 });
    }
    const scopes = [scope([{ name: "c", kind: "gauge", points }])];
    const first = encodeMetrics(scopes);
    const again = encodeMetrics(scopes);
    assert.equal(again, first);
    const dps = metricsOf(valid(first))[0].gauge.dataPoints as Json[];
    dps.forEach((d, i) => {
      const want = points[i];
      assert.deepEqual(attrMap(d.attributes), Object.fromEntries(Object.entries(want.attributes).map(([k, v]) => [k, expectedDecoded(v)])));
      assert.equal(d.startTimeUnixNano, String(want.startTimeUnixNano));
      assert.equal(d.asDouble, want.value === 0 ? 0 : want.value);
    });
  });

  it("sees a bounds array changed between two calls", () => {
    const bounds = [1, 2];
    const p = hp([1], bounds);
    const m = (): ScopeMetrics[] => [scope([{ name: "h", kind: "histogram", temporality: "delta", points: [p] }])];
    assert.deepEqual(metricsOf(valid(encodeMetrics(m())))[0].histogram.dataPoints[0].explicitBounds, [1, 2]);
    bounds[1] = 3;
    assert.deepEqual(metricsOf(valid(encodeMetrics(m())))[0].histogram.dataPoints[0].explicitBounds, [1, 3]);
  });

  it("property: any attributes and values give a valid request whose decoded values match", () => {
    const anyString = fc.string({ unit: "binary", maxLength: 30 });
    const leaf: fc.Arbitrary<AttributeValue> = fc.oneof(anyString, fc.boolean(), fc.integer(), fc.double(), fc.bigInt(), fc.constant(null));
    const attributes = fc.dictionary(anyString, fc.oneof(leaf, fc.array(leaf, { maxLength: 3 })), { maxKeys: 5 });
    const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(2 ** 53 + 2, -(2 ** 63), 2 ** 63, 0.1));
    fc.assert(
      fc.property(fc.array(fc.tuple(attributes, value), { minLength: 1, maxLength: 8 }), fc.boolean(), (points, int) => {
        const body = encodeMetrics([scope([{ name: "p", valueType: int ? "int" : "double", kind: "gauge", points: points.map(([a, v]) => np(v, a)) }])]);
        const payload = JSON.parse(body);
        assert.deepEqual(validateMetrics(payload, { int64AsString: true }), []);
        const dps = metricsOf(payload)[0].gauge.dataPoints as Json[];
        dps.forEach((d, i) => {
          const v = points[i][1];
          const got = d.asInt !== undefined ? Number(d.asInt) : typeof d.asDouble === "string" ? Number(d.asDouble) : d.asDouble;
          if (d.asInt !== undefined) assert.equal(BigInt(d.asInt), BigInt(Math.trunc(v)));
          else if (Number.isNaN(v)) assert.ok(Number.isNaN(got));
          else assert.equal(got, v === 0 ? 0 : v);
          assert.equal(d.attributes.length, Object.keys(points[i][0]).length);
        });
      }),
      { numRuns: 200 },
    );
  });
});
