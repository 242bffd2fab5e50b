import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createMeterProvider, DEFAULT_BOUNDARIES, MetricsError, OVERFLOW_ATTRIBUTE } from "../../src/metrics/meter.ts";
import type { MeterProviderOptions } from "../../src/metrics/meter.ts";
import type { GaugeMetric, HistogramMetric, MetricData, ScopeMetrics, SumMetric } from "../../src/metrics/data.ts";
import type { Attributes } from "../../src/tracing/span-record.ts";

/** A provider on a manual clock, with its warnings. */
function setup(options: MeterProviderOptions = {}) {
  const clock = { t: 1_000_000_000_000n };
  const warnings: string[] = [];
  const provider = createMeterProvider({ now: () => clock.t, warn: (m) => warnings.push(m), ...options });
  return { provider, meter: provider.meter("test", "1.0.0"), clock, warnings };
}

function find(scopes: ScopeMetrics[], name: string): MetricData | undefined {
  for (const s of scopes) for (const m of s.metrics) if (m.name === name) return m;
  return undefined;
}
const sum = (scopes: ScopeMetrics[], name: string) => find(scopes, name) as SumMetric;
const hist = (scopes: ScopeMetrics[], name: string) => find(scopes, name) as HistogramMetric;
const gauge = (scopes: ScopeMetrics[], name: string) => find(scopes, name) as GaugeMetric;
/** Points by attribute set (JSON of sorted entries). */
function byAttrs<P extends { attributes: Attributes }>(points: readonly P[]): Record<string, P> {
  const out: Record<string, P> = {};
  for (const p of points) out[JSON.stringify(Object.entries(p.attributes).sort())] = p;
  return out;
}
const key = (a: Attributes) => JSON.stringify(Object.entries(a).sort());

describe("createMeterProvider(): instruments", () => {
  it("counter sums per attribute set, whatever the key order, and no attributes is the empty set", () => {
    const { provider, meter } = setup();
    const c = meter.counter("jobs", { unit: "{job}", description: "Jobs done." });
    c.add(1, { queue: "a", prio: 1 });
    c.add(2, { prio: 1, queue: "a" });
    c.add(5, { queue: "b" });
    c.add(3);
    c.add(4, {});
    const m = sum(provider.collect(), "jobs");
    assert.equal(m.kind, "sum");
    assert.equal(m.monotonic, true);
    assert.equal(m.temporality, "cumulative");
    assert.equal(m.unit, "{job}");
    assert.equal(m.description, "Jobs done.");
    const p = byAttrs(m.points);
    assert.equal(m.points.length, 3);
    assert.equal(p[key({ queue: "a", prio: 1 })].value, 3);
    assert.equal(p[key({ queue: "b" })].value, 5);
    assert.equal(p[key({})].value, 7);
  });

  it("up-down counter takes negative values and is not monotonic", () => {
    const { provider, meter } = setup();
    const u = meter.upDownCounter("queue.depth");
    u.add(5, { q: "x" });
    u.add(-7, { q: "x" });
    const m = sum(provider.collect(), "queue.depth");
    assert.equal(m.monotonic, false);
    assert.equal(m.points[0].value, -2);
  });

  it("histogram counts buckets with inclusive upper bounds, sum, min and max", () => {
    const { provider, meter } = setup();
    const h = meter.histogram("latency", { unit: "s", boundaries: [1, 2, 5] });
    for (const v of [0, 1, 1.5, 2, 2.0001, 5, 6, 100]) h.record(v, { route: "/a" });
    const p = hist(provider.collect(), "latency").points[0];
    assert.deepEqual(p.bounds, [1, 2, 5]);
    assert.deepEqual(p.bucketCounts, [2, 2, 2, 2]);
    assert.equal(p.count, 8);
    assert.equal(p.sum, 0 + 1 + 1.5 + 2 + 2.0001 + 5 + 6 + 100);
    assert.equal(p.min, 0);
    assert.equal(p.max, 100);
  });

  it("histogram defaults to the OTel SDK boundaries", () => {
    const { provider, meter } = setup();
    meter.histogram("sizes").record(30);
    const p = hist(provider.collect(), "sizes").points[0];
    assert.deepEqual([...DEFAULT_BOUNDARIES], [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);
    assert.deepEqual(p.bounds, DEFAULT_BOUNDARIES);
    assert.equal(p.bucketCounts.length, 16);
    assert.equal(p.bucketCounts[4], 1);
  });

  it("histogram with many bounds (binary search) buckets as a linear scan would", () => {
    const { provider, meter } = setup();
    const bounds = Array.from({ length: 100 }, (_, i) => i * 1.5);
    const h = meter.histogram("wide", { boundaries: bounds });
    const expected = new Array(bounds.length + 1).fill(0);
    for (let i = 0; i < 2000; i++) {
      const v = (i * 7919) % 160 / 1.07;
      h.record(v);
      let b = 0;
      while (b < bounds.length && v > bounds[b]) b++;
      expected[b]++;
    }
    for (const v of bounds) {
      h.record(v);
      expected[bounds.indexOf(v)]++;
    }
    assert.deepEqual(hist(provider.collect(), "wide").points[0].bucketCounts, expected);
  });

  it("histogram with empty boundaries has one bucket", () => {
    const { provider, meter } = setup();
    const h = meter.histogram("one", { boundaries: [] });
    h.record(3);
    h.record(4);
    const p = hist(provider.collect(), "one").points[0];
    assert.deepEqual(p.bucketCounts, [2]);
    assert.deepEqual(p.bounds, []);
  });

  it("rejects boundaries that are not finite and strictly increasing with a MetricsError", () => {
    const { meter } = setup();
    for (const bad of [[1, 1], [2, 1], [0, NaN], [Infinity], [0, -Infinity], ["1" as unknown as number]]) {
      assert.throws(() => meter.histogram(`bad.${bad.length}.${String(bad[1])}`, { boundaries: bad }), (e: unknown) => {
        assert.ok(e instanceof MetricsError);
        assert.equal(e.code, "invalid_boundaries");
        assert.match(e.message, /boundar/);
        return true;
      });
    }
    assert.throws(() => meter.histogram("x", { boundaries: [1, 3, 2] }), /boundary 2 \(2\) is not above boundary 1 \(3\)/);
  });

  it("gauge keeps the last value per series", () => {
    const { provider, meter } = setup();
    const g = meter.gauge("temp", { unit: "Cel" });
    g.record(20, { room: "a" });
    g.record(22.5, { room: "a" });
    g.record(-3, { room: "b" });
    const m = gauge(provider.collect(), "temp");
    assert.equal(m.kind, "gauge");
    const p = byAttrs(m.points);
    assert.equal(p[key({ room: "a" })].value, 22.5);
    assert.equal(p[key({ room: "b" })].value, -3);
  });

  it("int instruments truncate values (as sdk-metrics does) and say valueType int", () => {
    const { provider, meter } = setup();
    const c = meter.counter("tokens", { valueType: "int" });
    c.add(2.9);
    c.add(1.2);
    const h = meter.histogram("int.h", { valueType: "int", boundaries: [1] });
    h.record(1.9);
    const scopes = provider.collect();
    assert.equal(sum(scopes, "tokens").valueType, "int");
    assert.equal(sum(scopes, "tokens").points[0].value, 3);
    assert.deepEqual(hist(scopes, "int.h").points[0].bucketCounts, [1, 0]);
    assert.equal(hist(scopes, "int.h").points[0].sum, 1);
  });

  it("ignores negative and non-finite values on counters and histograms, non-finite on the others, warning once per instrument", () => {
    const { provider, meter, warnings } = setup();
    const c = meter.counter("c");
    const h = meter.histogram("h");
    const u = meter.upDownCounter("u");
    const g = meter.gauge("g");
    for (const v of [-1, NaN, Infinity, -Infinity, "3" as unknown as number, undefined as unknown as number]) {
      c.add(v);
      h.record(v);
      u.add(v);
      g.record(v);
    }
    c.add(1);
    h.record(1);
    u.add(-1);
    g.record(-1);
    const scopes = provider.collect();
    assert.equal(sum(scopes, "c").points[0].value, 1);
    assert.equal(hist(scopes, "h").points[0].count, 1);
    assert.equal(sum(scopes, "u").points[0].value, -2, "-1 is a valid up-down value: twice");
    assert.equal(gauge(scopes, "g").points[0].value, -1);
    assert.equal(warnings.length, 4, warnings.join("\n"));
    assert.match(warnings[0], /counter "c" ignored the value -1/);
  });

  it("an attributes object mutated and reused after recording goes to the right series", () => {
    const { provider, meter } = setup();
    const c = meter.counter("reused");
    const attrs: Record<string, string | number> = { route: "/a" };
    c.add(1, attrs);
    c.add(1, attrs);
    attrs.route = "/b";
    c.add(10, attrs);
    attrs.extra = 1;
    c.add(100, attrs);
    delete attrs.extra;
    attrs.route = "/a";
    c.add(1000, attrs);
    const p = byAttrs(sum(provider.collect(), "reused").points);
    assert.equal(p[key({ route: "/a" })].value, 1002);
    assert.equal(p[key({ route: "/b" })].value, 10);
    assert.equal(p[key({ route: "/b", extra: 1 })].value, 100);
  });

  it("keeps nested attribute values, copied, so later mutation does not change the series", () => {
    const { provider, meter } = setup();
    const c = meter.counter("nested");
    const list = ["a", "b"];
    c.add(1, { list, flag: true, n: 1n, none: null });
    c.add(2, { list: ["a", "b"], flag: true, n: 1n, none: null });
    list.push("c");
    c.add(4, { list });
    const points = sum(provider.collect(), "nested").points;
    assert.equal(points.length, 2);
    assert.deepEqual(points[0].attributes, { list: ["a", "b"], flag: true, n: 1n, none: null });
    assert.equal(points[0].value, 3);
    assert.deepEqual(points[1].attributes, { list: ["a", "b", "c"] });
    assert.ok(Object.isFrozen(points[0].attributes));
  });

  it("tells apart values of different types and undefined-valued keys count as absent", () => {
    const { provider, meter } = setup();
    const c = meter.counter("types");
    c.add(1, { v: 1 });
    c.add(2, { v: "1" });
    c.add(4, { v: 1n });
    c.add(8, { v: true });
    c.add(16, { v: 1, gone: undefined as unknown as string });
    const points = sum(provider.collect(), "types").points;
    assert.deepEqual(points.map((p) => p.value), [17, 2, 4, 8]);
  });
});

describe("createMeterProvider(): temporality", () => {
  it("cumulative keeps each series' start time and accumulates across collections", () => {
    const { provider, meter, clock } = setup();
    const c = meter.counter("c");
    const h = meter.histogram("h", { boundaries: [10] });
    clock.t = 2000n;
    c.add(1);
    h.record(5);
    clock.t = 3000n;
    const first = provider.collect();
    clock.t = 4000n;
    c.add(2);
    h.record(50);
    clock.t = 5000n;
    const second = provider.collect();
    assert.deepEqual(sum(first, "c").points[0], { attributes: {}, startTimeUnixNano: 2000n, timeUnixNano: 3000n, value: 1 });
    assert.deepEqual(sum(second, "c").points[0], { attributes: {}, startTimeUnixNano: 2000n, timeUnixNano: 5000n, value: 3 });
    const hp = hist(second, "h").points[0];
    assert.equal(hp.startTimeUnixNano, 2000n);
    assert.deepEqual([hp.count, hp.sum, hp.min, hp.max, hp.bucketCounts], [2, 55, 5, 50, [1, 1]]);
    // a third collection without new recordings still reports the totals
    clock.t = 6000n;
    assert.equal(sum(provider.collect(), "c").points[0].value, 3);
  });

  it("delta resets at each collection, starts the next interval where the last ended, and reports only recorded series", () => {
    const clockStart = 1000n;
    const { provider, meter, clock } = setup({ temporality: "delta" });
    clock.t = clockStart;
    const c = meter.counter("c");
    const h = meter.histogram("h", { boundaries: [10] });
    clock.t = 1500n;
    c.add(1, { a: 1 });
    c.add(1, { a: 2 });
    h.record(5);
    clock.t = 2000n;
    const first = provider.collect();
    assert.equal(sum(first, "c").temporality, "delta");
    assert.deepEqual(sum(first, "c").points.map((p) => [p.startTimeUnixNano, p.timeUnixNano, p.value]), [[1000n, 2000n, 1], [1000n, 2000n, 1]]);
    clock.t = 2500n;
    c.add(4, { a: 2 });
    h.record(20);
    clock.t = 3000n;
    const second = provider.collect();
    assert.deepEqual(sum(second, "c").points.map((p) => [p.attributes, p.startTimeUnixNano, p.timeUnixNano, p.value]), [[{ a: 2 }, 2000n, 3000n, 4]]);
    const hp = hist(second, "h").points[0];
    assert.deepEqual([hp.startTimeUnixNano, hp.count, hp.sum, hp.min, hp.max, hp.bucketCounts], [2000n, 1, 20, 20, 20, [0, 1]]);
    clock.t = 4000n;
    assert.deepEqual(provider.collect(), [], "nothing recorded: no metrics");
  });

  it("maps each preference to per-kind temporalities as OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE defines", () => {
    const table: Record<string, Record<string, string>> = {};
    for (const pref of ["cumulative", "delta", "lowmemory"] as const) {
      const { provider, meter } = setup({ temporality: pref });
      meter.counter("counter").add(1);
      meter.upDownCounter("upDownCounter").add(1);
      meter.histogram("histogram").record(1);
      meter.observableCounter("observableCounter", (r) => r.observe(1));
      meter.observableUpDownCounter("observableUpDownCounter", (r) => r.observe(1));
      const row: Record<string, string> = {};
      for (const m of provider.collect()[0].metrics) if (m.kind !== "gauge") row[m.name] = m.temporality;
      table[pref] = row;
    }
    assert.deepEqual(table, {
      cumulative: { counter: "cumulative", upDownCounter: "cumulative", histogram: "cumulative", observableCounter: "cumulative", observableUpDownCounter: "cumulative" },
      delta: { counter: "delta", upDownCounter: "cumulative", histogram: "delta", observableCounter: "delta", observableUpDownCounter: "cumulative" },
      lowmemory: { counter: "delta", upDownCounter: "cumulative", histogram: "delta", observableCounter: "cumulative", observableUpDownCounter: "cumulative" },
    });
  });

  it("gauges report only the interval's series under delta and the last value of every series otherwise", () => {
    for (const pref of ["delta", "cumulative"] as const) {
      const { provider, meter } = setup({ temporality: pref });
      const g = meter.gauge("g");
      g.record(1, { s: "a" });
      provider.collect();
      g.record(2, { s: "b" });
      const points = gauge(provider.collect(), "g").points;
      assert.deepEqual(points.map((p) => [p.attributes.s, p.value]), pref === "delta" ? [["b", 2]] : [["a", 1], ["b", 2]]);
    }
  });
});

describe("createMeterProvider(): cardinality limit", () => {
  it("sends attribute sets beyond limit - 1 to one overflow series (the limit counts it), totals exact", () => {
    const { provider, meter } = setup({ cardinalityLimit: 5 });
    const c = meter.counter("c");
    const h = meter.histogram("h", { boundaries: [5] });
    for (let i = 0; i < 10; i++) {
      c.add(i + 1, { user: `u${i}` });
      h.record(i, { user: `u${i}` });
    }
    c.add(100, { user: "u0" }); // a known set keeps its series
    c.add(1000, { user: "u9" }); // an overflowed one stays in overflow
    assert.equal(provider.series, 10);
    const scopes = provider.collect();
    const points = sum(scopes, "c").points;
    assert.equal(points.length, 5);
    assert.deepEqual(points.slice(0, 4).map((p) => [p.attributes.user, p.value]), [["u0", 101], ["u1", 2], ["u2", 3], ["u3", 4]]);
    assert.deepEqual(points[4].attributes, { [OVERFLOW_ATTRIBUTE]: true });
    assert.equal(points[4].value, 5 + 6 + 7 + 8 + 9 + 10 + 1000);
    assert.equal(points.reduce((a, p) => a + p.value, 0), 55 + 1100);
    const hp = hist(scopes, "h").points;
    assert.equal(hp.length, 5);
    assert.deepEqual([hp[4].attributes, hp[4].count, hp[4].sum, hp[4].min, hp[4].max, hp[4].bucketCounts], [
      { "otel.metric.overflow": true }, 6, 4 + 5 + 6 + 7 + 8 + 9, 4, 9, [2, 4],
    ]);
  });

  it("defaults to 2000 points per instrument", () => {
    const { provider, meter } = setup();
    const c = meter.counter("c");
    for (let i = 0; i < 2500; i++) c.add(1, { i });
    const points = sum(provider.collect(), "c").points;
    assert.equal(points.length, 2000);
    assert.equal(points[1999].attributes[OVERFLOW_ATTRIBUTE], true);
    assert.equal(points[1999].value, 501);
    assert.equal(provider.series, 2000);
  });

  it("under delta the limit applies per interval: the next interval admits new sets", () => {
    const { provider, meter } = setup({ cardinalityLimit: 3, temporality: "delta" });
    const c = meter.counter("c");
    for (let i = 0; i < 4; i++) c.add(1, { i });
    assert.deepEqual(sum(provider.collect(), "c").points.map((p) => p.attributes), [{ i: 0 }, { i: 1 }, { "otel.metric.overflow": true }]);
    assert.equal(provider.series, 0);
    c.add(1, { i: 3 });
    assert.deepEqual(sum(provider.collect(), "c").points.map((p) => p.attributes), [{ i: 3 }]);
  });

  it("limits observable instruments per collection, keeping the first-observed sets", () => {
    const { provider, meter } = setup({ cardinalityLimit: 3 });
    meter.observableGauge("g", (r) => {
      for (let i = 0; i < 5; i++) r.observe(i * 10, { i });
    });
    const points = gauge(provider.collect(), "g").points;
    assert.deepEqual(points.map((p) => [p.attributes, p.value]), [[{ i: 0 }, 0], [{ i: 1 }, 10], [{ "otel.metric.overflow": true }, 40]]);
    assert.equal(provider.series, 3);
  });

  it("rejects a limit that is not a positive integer and an unknown temporality", () => {
    for (const cardinalityLimit of [0, -1, 1.5, NaN]) {
      assert.throws(() => createMeterProvider({ cardinalityLimit }), (e: unknown) => e instanceof MetricsError && e.code === "invalid_option");
    }
    assert.throws(() => createMeterProvider({ temporality: "weekly" as "delta" }), /temporality must be/);
  });
});

describe("createMeterProvider(): observables", () => {
  it("observable counter reports totals (cumulative) from the registration time", () => {
    const { provider, meter, clock } = setup();
    clock.t = 100n;
    let total = 0;
    meter.observableCounter("cpu.time", (r) => r.observe(total, { state: "user" }), { unit: "s" });
    total = 5;
    clock.t = 200n;
    const first = sum(provider.collect(), "cpu.time");
    total = 8;
    clock.t = 300n;
    const second = sum(provider.collect(), "cpu.time");
    assert.equal(first.monotonic, true);
    assert.deepEqual(first.points[0], { attributes: { state: "user" }, startTimeUnixNano: 100n, timeUnixNano: 200n, value: 5 });
    assert.deepEqual(second.points[0], { attributes: { state: "user" }, startTimeUnixNano: 100n, timeUnixNano: 300n, value: 8 });
  });

  it("observable counter under delta reports the difference from the previous collection", () => {
    const { provider, meter, clock } = setup({ temporality: "delta" });
    clock.t = 100n;
    const totals: Record<string, number> = { a: 5, b: 1 };
    meter.observableCounter("reqs", (r) => {
      for (const k in totals) r.observe(totals[k], { k });
    });
    clock.t = 200n;
    const first = sum(provider.collect(), "reqs").points;
    totals.a = 12;
    totals.b = 1;
    clock.t = 300n;
    const second = sum(provider.collect(), "reqs").points;
    totals.a = 3; // went down: a reset, reported as the new total
    clock.t = 400n;
    const third = sum(provider.collect(), "reqs").points;
    assert.deepEqual(first.map((p) => [p.attributes.k, p.startTimeUnixNano, p.timeUnixNano, p.value]), [["a", 100n, 200n, 5], ["b", 100n, 200n, 1]]);
    assert.deepEqual(second.map((p) => [p.attributes.k, p.startTimeUnixNano, p.value]), [["a", 200n, 7], ["b", 200n, 0]]);
    assert.deepEqual(third.map((p) => [p.attributes.k, p.value]), [["a", 3], ["b", 0]]);
  });

  it("observable up-down counter and gauge report what the callback observed (last observation per set wins)", () => {
    const { provider, meter } = setup();
    meter.observableUpDownCounter("conns", (r) => {
      r.observe(3, { pool: "a" });
      r.observe(-2, { pool: "a" });
    });
    meter.observableGauge("heap", (r) => r.observe(1.5e9), { unit: "By" });
    const scopes = provider.collect();
    assert.deepEqual(sum(scopes, "conns").points.map((p) => p.value), [-2]);
    assert.equal(sum(scopes, "conns").monotonic, false);
    assert.equal(gauge(scopes, "heap").points[0].value, 1.5e9);
    assert.equal(gauge(scopes, "heap").unit, "By");
  });

  it("reports a throwing callback and skips it; the other callbacks' observations stay", () => {
    const { provider, meter, warnings } = setup();
    meter.observableGauge("g", () => {
      throw new Error("sensor offline");
    });
    meter.observableGauge("g", (r) => r.observe(7, { ok: true }));
    meter.observableCounter("only.throws", () => {
      throw new TypeError("nope");
    });
    const scopes = provider.collect();
    assert.deepEqual(gauge(scopes, "g").points.map((p) => p.value), [7]);
    assert.equal(find(scopes, "only.throws"), undefined);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /callback of observableGauge "g" threw and was skipped: Error: sensor offline/);
    assert.match(warnings[1], /TypeError: nope/);
  });

  it("ignores observations made after the callback returned and bad observed values", () => {
    const { provider, meter, warnings } = setup();
    let late: ((v: number) => void) | undefined;
    meter.observableCounter("c", (r) => {
      late = (v) => r.observe(v);
      r.observe(-1);
      r.observe(NaN);
      r.observe(2);
    });
    const first = sum(provider.collect(), "c");
    late?.(100);
    assert.deepEqual(first.points.map((p) => p.value), [2]);
    assert.equal(warnings.length, 1);
    assert.deepEqual(sum(provider.collect(), "c").points.map((p) => p.value), [2]);
  });
});

describe("createMeterProvider(): registration", () => {
  it("returns the same meter for the same name and version, and the same instrument for the same name", () => {
    const { provider, meter, warnings } = setup();
    assert.equal(provider.meter("test", "1.0.0"), meter);
    assert.notEqual(provider.meter("test", "2.0.0"), meter);
    const a = meter.counter("Requests", { unit: "{req}" });
    assert.equal(meter.counter("Requests", { unit: "{req}" }), a);
    assert.equal(meter.counter("requests", { unit: "{req}" }), a, "instrument names are case-insensitive");
    a.add(1);
    meter.counter("requests", { unit: "{req}" }).add(2);
    provider.meter("test", "2.0.0").counter("requests").add(10);
    const scopes = provider.collect();
    assert.equal(scopes.length, 2);
    assert.deepEqual(scopes.map((s) => s.scope), [{ name: "test", version: "1.0.0" }, { name: "test", version: "2.0.0" }]);
    assert.equal(scopes[0].metrics.length, 1);
    assert.equal(scopes[0].metrics[0].name, "Requests");
    assert.equal((scopes[0].metrics[0] as SumMetric).points[0].value, 3);
    assert.equal(warnings.length, 0);
  });

  it("warns on a conflicting re-registration and returns the first (or a no-op for another kind)", () => {
    const { provider, meter, warnings } = setup();
    const h = meter.histogram("dur", { unit: "s", boundaries: [1] });
    const again = meter.histogram("dur", { unit: "ms", boundaries: [1] });
    assert.equal(again, h);
    assert.equal(meter.histogram("dur", { unit: "s", boundaries: [2] }), h);
    const asCounter = meter.counter("dur");
    asCounter.add(5);
    h.record(0.5);
    meter.observableGauge("dur", (r) => r.observe(1));
    assert.equal(warnings.length, 4, warnings.join("\n"));
    assert.match(warnings[0], /"dur" of meter "test" is already registered as histogram \[s\].*gets the first instrument/);
    assert.match(warnings[2], /records nothing/);
    const scopes = provider.collect();
    assert.equal(scopes[0].metrics.length, 1);
    const m = hist(scopes, "dur");
    assert.equal(m.unit, "s");
    assert.equal(m.points[0].count, 1);
  });

  it("warns about an invalid instrument name and still records", () => {
    const { provider, meter, warnings } = setup();
    meter.counter("1bad name").add(1);
    assert.match(warnings[0], /not a valid OpenTelemetry instrument name/);
    assert.equal(sum(provider.collect(), "1bad name").points[0].value, 1);
  });

  it("collects only metrics with points", () => {
    const { provider, meter } = setup();
    meter.counter("unused");
    meter.histogram("unused.h");
    meter.observableGauge("silent", () => {});
    assert.deepEqual(provider.collect(), []);
    meter.counter("used").add(0);
    assert.deepEqual(provider.collect()[0].metrics.map((m) => m.name), ["used"]);
  });
});

describe("createMeterProvider(): shutdown", () => {
  it("ignores recordings after shutdown, collects nothing and frees its series", () => {
    const { provider, meter } = setup();
    const c = meter.counter("c");
    c.add(1, { a: 1 });
    meter.observableGauge("g", (r) => r.observe(1));
    provider.collect();
    assert.equal(provider.series, 2);
    provider.shutdown();
    provider.shutdown();
    c.add(1);
    meter.counter("late").add(1);
    provider.meter("other").histogram("h").record(1);
    assert.deepEqual(provider.collect(), []);
    assert.equal(provider.series, 0);
  });

  it("uses the default clock when none is given (epoch nanoseconds)", () => {
    const provider = createMeterProvider();
    provider.meter("m").counter("c").add(1);
    const p = (provider.collect()[0].metrics[0] as SumMetric).points[0];
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    assert.ok(p.timeUnixNano > nowNs - 60_000_000_000n && p.timeUnixNano < nowNs + 60_000_000_000n);
    assert.ok(p.startTimeUnixNano <= p.timeUnixNano);
  });
});
