// A script with a periodic metric reader on a 60 s interval that records, flushes once and
// returns: it must exit at once (the reader's timer is unref'd). Usage: <runtime> reader-exit-script.ts <receiver url>
import { createMeterProvider } from "../../src/metrics/meter.ts";
import { otlpHttpMetricExporter } from "../../src/metrics/exporter.ts";
import { periodicReader } from "../../src/metrics/reader.ts";

const base = (globalThis as { process?: { argv: string[] }; Deno?: { args: string[] } }).Deno?.args[0] ??
  (globalThis as { process?: { argv: string[] } }).process?.argv[2];
const provider = createMeterProvider();
const reader = periodicReader(provider, otlpHttpMetricExporter({ url: `${base}/v1/metrics` }), { intervalMs: 60_000 });
provider.meter("exit-script").counter("exit.runs").add(1, { runtime: "any" });
await reader.forceFlush();
const s = reader.stats();
console.log(JSON.stringify(s));
