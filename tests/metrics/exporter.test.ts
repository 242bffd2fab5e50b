// The metric exporter and periodic reader against a real local OTLP receiver: the collector
// faults of the trace path for metrics, with exported + dropped + queued === produced (in data
// points) at every moment, gzip, splitting, the interval, flush and shutdown.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createMeterProvider } from "../../src/metrics/meter.ts";
import type { MeterProvider, MeterProviderOptions } from "../../src/metrics/meter.ts";
import { otlpHttpMetricExporter } from "../../src/metrics/exporter.ts";
import type { MetricExporter, OtlpHttpMetricExporterOptions } from "../../src/metrics/exporter.ts";
import { periodicReader } from "../../src/metrics/reader.ts";
import type { MetricReader, PeriodicReaderOptions } from "../../src/metrics/reader.ts";
import type { Counter, Histogram } from "../../src/metrics/api.ts";
import type { ScopeMetrics } from "../../src/metrics/data.ts";
import { attach, detach } from "../../src/telemetry/bus.ts";
import { startOtlpReceiver, useOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";
import { ROOT } from "../support/paths.ts";

interface Harness {
  provider: MeterProvider;
  reader: MetricReader;
  counter: Counter;
  histogram: Histogram;
  sleeps: number[];
  warnings: string[];
  /** Records into `n` new series (`n` data points at the next collection under delta). */
  produce(n: number): void;
}

let serial = 0;

function harness(
  url: string,
  exp: Partial<OtlpHttpMetricExporterOptions> = {},
  reader: PeriodicReaderOptions = {},
  meter: MeterProviderOptions = { temporality: "delta" },
): Harness {
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const exporter = otlpHttpMetricExporter({
    url,
    timeoutMs: 2000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    encode: { resource: { "service.name": "metrics-export-test" } },
    ...exp,
  });
  const provider = createMeterProvider({ warn: (m) => warnings.push(m), ...meter });
  const r = periodicReader(provider, exporter, { intervalMs: 60_000, ...reader }, { warn: (m) => warnings.push(m) });
  const m = provider.meter("export-test", "1.0.0");
  const counter = m.counter("test.jobs", { unit: "{job}" });
  const histogram = m.histogram("test.duration", { unit: "s", boundaries: [0.1, 1, 10] });
  return {
    provider,
    reader: r,
    counter,
    histogram,
    sleeps,
    warnings,
    produce(n: number) {
      for (let i = 0; i < n; i++) {
        const id = serial++;
        if (id % 2) counter.add(1, { "test.id": id, "test.kind": "counter" });
        else histogram.record(id / 100, { "test.id": id, "test.kind": "histogram" });
        check(r);
      }
    },
  };
}

function check(r: MetricReader): void {
  const s = r.stats();
  assert.equal(s.exported + s.dropped + s.queued, s.produced, `accounting broke: ${JSON.stringify(s)}`);
}

const metricsUrl = (rx: OtlpReceiver): string => `${rx.url}/v1/metrics`;

describe("OTLP/HTTP metric exporter and periodic reader against a local receiver", () => {
  let rx: OtlpReceiver;
  useOtlpReceiver((r) => (rx = r));
  // Every test's promises settle: no unhandled rejection in the whole suite.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  type Proc = { on(e: string, f: (r: unknown) => void): void; off(e: string, f: (r: unknown) => void): void };
  const proc = (globalThis as { process?: Proc }).process;
  before(() => proc?.on("unhandledRejection", onRejection));
  after(() => {
    proc?.off("unhandledRejection", onRejection);
    assert.deepEqual(rejections, [], "no unhandled rejections");
  });

  it("exports a collection as valid OTLP/JSON to /v1/metrics with the exact accounting", async () => {
    const before = rx.requests.length;
    const h = harness(metricsUrl(rx), { headers: { authorization: "Bearer secret" } });
    h.produce(10);
    await h.reader.forceFlush();
    check(h.reader);
    assert.deepEqual({ ...h.reader.stats(), droppedByReason: undefined }, {
      produced: 10, exported: 10, dropped: 0, droppedByReason: undefined, queued: 0, inFlight: 0, failedExports: 0,
    });
    const req = rx.requests[before];
    assert.equal(rx.requests.length - before, 1);
    assert.equal(req.path, "/v1/metrics");
    assert.equal(req.signal, "metrics");
    assert.equal(req.items, 10);
    assert.equal(req.errors.length, 0);
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers.authorization, "Bearer secret");
    const points = rx.dataPoints().slice(-10);
    assert.ok(points.every((p) => (p.resource as { attributes: { key: string }[] }).attributes.some((a) => a.key === "service.name")));
    assert.deepEqual(new Set(points.map((p) => p.metric)), new Set(["test.jobs", "test.duration"]));
    assert.ok(points.every((p) => p.aggregationTemporality === 1));
  });

  it("sends nothing when a collection has no points", async () => {
    const before = rx.requests.length;
    const h = harness(metricsUrl(rx));
    await h.reader.forceFlush();
    assert.equal(rx.requests.length, before);
    assert.equal(h.reader.stats().produced, 0);
  });

  it("re-exports every cumulative series at each collection, counting each export's points", async () => {
    const h = harness(metricsUrl(rx), {}, {}, { temporality: "cumulative" });
    h.produce(4);
    await h.reader.forceFlush();
    await h.reader.forceFlush();
    h.produce(1);
    await h.reader.forceFlush();
    const s = h.reader.stats();
    assert.equal(s.produced, 4 + 4 + 5);
    assert.equal(s.exported, 13);
    const last = rx.requests[rx.requests.length - 1].payload as { resourceMetrics: { scopeMetrics: { metrics: { sum?: { aggregationTemporality: number } }[] }[] }[] };
    assert.equal(last.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.sum)?.sum?.aggregationTemporality, 2);
  });

  it("gzips the body when compression is gzip", async () => {
    const before = rx.requests.length;
    const h = harness(metricsUrl(rx), { compression: "gzip" });
    h.produce(50);
    await h.reader.forceFlush();
    assert.equal(rx.requests[before].gzip, true);
    assert.equal(rx.requests[before].headers["content-encoding"], "gzip");
    assert.equal(rx.requests[before].items, 50);
    assert.equal(h.reader.stats().exported, 50);
  });

  it("does not retry a 500 and counts the data points dropped", async () => {
    const before = rx.requests.length;
    rx.script({ status: 500 });
    const h = harness(metricsUrl(rx));
    h.produce(5);
    await h.reader.forceFlush();
    check(h.reader);
    assert.equal(rx.requests.length - before, 1);
    const s = h.reader.stats();
    assert.deepEqual(s.droppedByReason, { http_500: 5 });
    assert.equal(s.failedExports, 1);
    assert.equal(h.warnings.length, 1);
    assert.match(h.warnings[0], /dropped 5 data point\(s\) \(http_500\)/);
  });

  it("retries a 503 after its Retry-After seconds", async () => {
    const before = rx.requests.length;
    rx.script({ status: 503, headers: { "retry-after": "1" } });
    const h = harness(metricsUrl(rx), { timeoutMs: 5000 });
    h.produce(4);
    await h.reader.forceFlush();
    assert.equal(rx.requests.length - before, 2);
    assert.deepEqual(h.sleeps, [1000]);
    assert.equal(h.reader.stats().exported, 4);
    check(h.reader);
  });

  it("retries 429, 502 and 504 with growing jittered backoff", async () => {
    const before = rx.requests.length;
    rx.script({ status: 429 }, { status: 502 }, { status: 504 });
    const h = harness(metricsUrl(rx), { timeoutMs: 10_000, initialBackoffMs: 100 });
    h.produce(6);
    await h.reader.forceFlush();
    assert.equal(rx.requests.length - before, 4);
    assert.equal(h.sleeps.length, 3);
    h.sleeps.forEach((ms, i) => {
      const step = 100 * 2 ** i;
      assert.ok(ms >= step / 2 && ms <= step, `backoff ${i} = ${ms}`);
    });
    assert.equal(h.reader.stats().exported, 6);
  });

  it("gives up on a collector that hangs past the deadline", async () => {
    const before = rx.requests.length;
    rx.script({ hang: true });
    const h = harness(metricsUrl(rx), { timeoutMs: 300 });
    h.produce(7);
    const t0 = Date.now();
    await h.reader.forceFlush();
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(rx.requests.length - before, 1);
    assert.deepEqual(h.reader.stats().droppedByReason, { timeout: 7 });
    check(h.reader);
  });

  it("bounds a hung exporter by the reader's export timeout", async () => {
    const hung: MetricExporter = { kind: "hung", export: () => new Promise(() => {}) };
    const provider = createMeterProvider({ temporality: "delta" });
    const reader = periodicReader(provider, hung, { timeoutMs: 100 }, { warn: () => {} });
    provider.meter("m").counter("c").add(1);
    await reader.forceFlush();
    assert.deepEqual(reader.stats().droppedByReason, { timeout: 1 });
    await reader.shutdown();
  });

  it("retries after a connection reset", async () => {
    const before = rx.requests.length;
    rx.script({ reset: true });
    const h = harness(metricsUrl(rx));
    h.produce(3);
    await h.reader.forceFlush();
    assert.equal(rx.requests.length - before, 2);
    assert.equal(h.reader.stats().exported, 3);
  });

  it("drops after retrying a refused connection until the deadline", async () => {
    const dead = await startOtlpReceiver();
    const url = `${dead.url}/v1/metrics`;
    await dead.close();
    const h = harness(url, { timeoutMs: 500, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), initialBackoffMs: 50 });
    h.produce(4);
    await h.reader.forceFlush();
    const s = h.reader.stats();
    assert.deepEqual(s.droppedByReason, { network: 4 });
    assert.match(s.lastError ?? "", /no time left|fetch failed|refused|connect/i);
    check(h.reader);
  });

  it("counts partialSuccess rejectedDataPoints as dropped without retrying", async () => {
    const before = rx.requests.length;
    rx.script({ status: 200, body: '{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"too old"}}' });
    const h = harness(metricsUrl(rx));
    h.produce(10);
    await h.reader.forceFlush();
    assert.equal(rx.requests.length - before, 1);
    const s = h.reader.stats();
    assert.equal(s.exported, 7);
    assert.deepEqual(s.droppedByReason, { partial_success: 3 });
    check(h.reader);
  });

  it("treats {} and an empty partialSuccess as full success", async () => {
    rx.script({ status: 200, body: '{"partialSuccess":{}}' }, { status: 200, body: "" });
    const h = harness(metricsUrl(rx));
    h.produce(2);
    await h.reader.forceFlush();
    h.produce(2);
    await h.reader.forceFlush();
    assert.equal(h.reader.stats().exported, 4);
  });

  it("splits a collection whose body exceeds the bound by data points, and drops a point that alone exceeds it", async () => {
    const before = rx.requests.length;
    const h = harness(metricsUrl(rx), { maxBodyBytes: 4000 });
    h.produce(60);
    await h.reader.forceFlush();
    const reqs = rx.requests.slice(before);
    assert.ok(reqs.length > 2, `split into ${reqs.length} requests`);
    assert.ok(reqs.every((r) => r.bytes <= 4000 && r.errors.length === 0));
    assert.equal(reqs.reduce((a, r) => a + r.items, 0), 60);
    assert.equal(h.reader.stats().exported, 60);
    // Each part keeps its metrics' names, kinds and scope.
    const got = rx.dataPoints().slice(-60);
    assert.equal(got.filter((p) => p.metric === "test.jobs" && p.kind === "sum").length, 30);
    assert.equal(got.filter((p) => p.metric === "test.duration" && p.kind === "histogram").length, 30);

    const tiny = harness(metricsUrl(rx), { maxBodyBytes: 300 });
    tiny.produce(1);
    await tiny.reader.forceFlush();
    assert.deepEqual(tiny.reader.stats().droppedByReason, { too_large: 1 });
  });

  it("exports on the interval without a flush, again at each tick", async () => {
    const base = rx.received("metrics");
    const h = harness(metricsUrl(rx), {}, { intervalMs: 80 });
    h.produce(3);
    await rx.waitFor("metrics", base + 3, 3000);
    h.produce(2);
    await rx.waitFor("metrics", base + 5, 3000);
    // A quiet interval sends nothing (delta: no new points).
    const n = rx.requests.length;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(rx.requests.length, n);
    assert.equal(h.reader.stats().exported, 5);
    await h.reader.shutdown();
  });

  it("a flush during an export waits for it, then exports what was recorded meanwhile", async () => {
    const before = rx.requests.length;
    rx.script({ hang: true });
    const h = harness(metricsUrl(rx), { timeoutMs: 400 });
    h.produce(3);
    const first = h.reader.forceFlush();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([h.reader.stats().queued, h.reader.stats().inFlight], [3, 3]);
    check(h.reader);
    h.produce(2);
    const second = h.reader.forceFlush();
    const third = h.reader.forceFlush(); // asked while the second waits: shares it
    await second;
    await third;
    await first;
    const reqs = rx.requests.slice(before);
    assert.deepEqual(reqs.map((r) => r.items), [3, 2]);
    const s = h.reader.stats();
    assert.deepEqual([s.produced, s.exported, s.dropped, s.queued], [5, 2, 3, 0]);
    assert.deepEqual(s.droppedByReason, { timeout: 3 });
  });

  it("shutdown exports what is left once, is idempotent, stops the timer and shuts the exporter down", async () => {
    const before = rx.requests.length;
    let shutdowns = 0;
    const inner = otlpHttpMetricExporter({ url: metricsUrl(rx) });
    const exporter: MetricExporter = {
      kind: inner.kind,
      export: (s: readonly ScopeMetrics[]) => inner.export(s),
      shutdown: () => {
        shutdowns++;
        return Promise.resolve();
      },
    };
    const provider = createMeterProvider({ temporality: "delta" });
    const reader = periodicReader(provider, exporter, { intervalMs: 50 });
    provider.meter("m").counter("c").add(1, { a: 1 });
    const a = reader.shutdown();
    const b = reader.shutdown();
    assert.equal(a, b);
    await a;
    provider.meter("m").counter("c").add(1, { a: 2 });
    await reader.forceFlush();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(shutdowns, 1);
    assert.deepEqual(rx.requests.slice(before).map((r) => r.items), [1]);
    assert.equal(reader.stats().exported, 1);
  });

  it("never rejects: a throwing exporter and a throwing exporter shutdown become dropped data points", async () => {
    const bad: MetricExporter = {
      kind: "bad",
      export: () => {
        throw new Error("exporter bug");
      },
      shutdown: () => Promise.reject(new Error("shutdown bug")),
    };
    const provider = createMeterProvider({ temporality: "delta" });
    const warnings: string[] = [];
    const reader = periodicReader(provider, bad, {}, { warn: (m) => warnings.push(m) });
    provider.meter("m").histogram("h").record(1);
    await reader.forceFlush();
    await reader.shutdown();
    const s = reader.stats();
    assert.deepEqual(s.droppedByReason, { exporter_error: 1 });
    assert.match(s.lastError ?? "", /exporter bug/);
    assert.equal(warnings.length, 1);
  });

  it("reports trouble as codex.exporter.* events naming the metrics signal, with no header values", async () => {
    const seen: { name: string; md: Record<string, unknown> }[] = [];
    attach("metrics-exporter-events-test", ["codex.exporter.failed", "codex.exporter.dropped"], (name, _m, md) => {
      seen.push({ name, md: md as Record<string, unknown> });
    });
    try {
      rx.script({ status: 401 });
      const h = harness(metricsUrl(rx), { headers: { authorization: "Bearer do-not-leak" } });
      h.produce(2);
      await h.reader.forceFlush();
      assert.deepEqual(seen.map((s) => s.name), ["codex.exporter.failed", "codex.exporter.dropped"]);
      assert.ok(seen.every((s) => s.md.signal === "metrics"));
      const text = JSON.stringify(seen) + h.warnings.join("\n") + JSON.stringify(h.reader.stats());
      assert.equal(text.includes("do-not-leak"), false);
    } finally {
      detach("metrics-exporter-events-test");
    }
  });

  it("a script with a reader on a 60 s interval exits as soon as it is done (the timer is unref'd)", { timeout: 30_000 }, async () => {
    const g = globalThis as { Deno?: { execPath(): string }; Bun?: unknown; process?: { execPath: string } };
    const cmd = g.Deno ? [g.Deno.execPath(), "run", "-A", "--no-lock"] : g.Bun ? [g.process!.execPath, "run"] : [g.process!.execPath];
    const base = rx.received("metrics");
    const t0 = Date.now();
    const child = spawn(cmd[0], [...cmd.slice(1), join(ROOT, "tests/metrics/reader-exit-script.ts"), rx.url], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, out);
    assert.ok(Date.now() - t0 < 20_000, `exited after ${Date.now() - t0} ms`);
    assert.equal(rx.received("metrics") - base, 1, out);
    assert.match(out, /"exported":1/);
  });
});
