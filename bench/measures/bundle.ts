// Measure 5: what each kind of user pays in bundle size (esbuild, minified, --platform=browser,
// gzip -9 by Node's zlib): edge workers that export spans (vs @opentelemetry/sdk-trace + exporter-trace-otlp-http +
// resources), metrics (vs sdk-metrics + exporter-metrics-otlp-http) or logs (vs sdk-logs +
// exporter-logs-otlp-http), a service that runs threads with export on, and the whole entries.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Row } from "../harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Bundles an entry with code splitting, as an application bundler does: `gzip` is the entry chunk
 * (what loads at start), `lazyGzip` the chunks only a dynamic `import()` loads (the app-server
 * transport, loaded on the first app-server turn).
 */
function bundle(dir: string, name: string, source: string): { raw: number; gzip: number; lazyGzip: number } {
  const entry = join(dir, `${name}.ts`);
  const out = join(dir, `out-${name}`);
  writeFileSync(entry, source);
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "esbuild"), [
    entry,
    "--bundle",
    "--minify",
    "--splitting",
    "--format=esm",
    "--platform=browser",
    `--outdir=${out}`,
    `--metafile=${join(dir, `meta-${name}.json`)}`,
    "--log-level=error",
  ], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`esbuild ${name}: ${r.stderr}`);
  // What loads at start: the entry chunk and the chunks it imports statically, transitively.
  const meta = JSON.parse(readFileSync(join(out, "..", `meta-${name}.json`), "utf8")) as {
    outputs: Record<string, { imports: { path: string; kind: string }[]; entryPoint?: string }>;
  };
  const eager = new Set<string>();
  const visit = (file: string): void => {
    if (eager.has(file)) return;
    eager.add(file);
    for (const imp of meta.outputs[file]?.imports ?? []) if (imp.kind === "import-statement") visit(imp.path);
  };
  const entryOut = Object.keys(meta.outputs).find((f) => meta.outputs[f].entryPoint !== undefined)!;
  visit(entryOut);
  let lazyGzip = 0;
  const main = { raw: 0, gzip: 0 };
  for (const file of Object.keys(meta.outputs)) {
    const code = readFileSync(join(ROOT, file));
    const gz = gzipSize(join(ROOT, file));
    if (eager.has(file)) {
      main.raw += code.length;
      main.gzip += gz;
    } else lazyGzip += gz;
  }
  return { ...main, lazyGzip };
}

// One deflate for every runtime: the bundle's bytes are the same wherever the bench runs, but
// Bun's and Deno's zlib compress them differently (measured: +33 B on a 10 KB bundle, level 9).
// Sizes are Node's zlib at level 9, what size-limit and bundlephobia report; the Node binary of
// the devDependencies computes them when the bench runs on Bun or Deno.
const NODE_BIN = join(ROOT, "node_modules", ".bin", "node");
const onNode = !(globalThis as { Bun?: unknown }).Bun && !(globalThis as { Deno?: unknown }).Deno;

function gzipSize(file: string): number {
  if (onNode || !existsSync(NODE_BIN)) return gzipSync(readFileSync(file), { level: 9 }).length;
  const r = spawnSync(NODE_BIN, [
    "-e",
    'process.stdout.write(String(require("zlib").gzipSync(require("fs").readFileSync(process.argv[1]), { level: 9 }).length))',
    file,
  ], { encoding: "utf8" });
  const n = Number(r.stdout);
  if (r.status !== 0 || !Number.isInteger(n)) throw new Error(`gzip size of ${file}: ${r.stderr}`);
  return n;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

/** What each kind of user imports, and the target for it (min+gzip, esbuild, browser platform). */
const USERS: { measure: string; entry: (root: { mod: string; exp: string }) => string; target?: number }[] = [
  {
    measure: "bundle: edge worker exporting spans it starts itself (./export: tracer, batch processor, OTLP exporter)",
    entry: ({ exp }) => `export { createTracer, batchProcessor, otlpHttpExporter } from ${exp};\n`,
    target: 8,
  },
  {
    measure: "bundle: edge worker with the Codex event instrumentation (+ traceEvents)",
    entry: ({ exp }) => `export { createTracer, traceEvents, batchProcessor, otlpHttpExporter } from ${exp};\n`,
    target: 10,
  },
  {
    measure: "bundle: Node service running threads with export on (Codex + Telemetry.configure)",
    entry: ({ mod }) => `export { Codex, Telemetry } from ${mod};\n`,
    target: 25,
  },
  {
    measure: "bundle: edge worker exporting metrics it records itself (./export: meter provider, periodic reader, OTLP exporter)",
    entry: ({ exp }) => `export { createMeterProvider, periodicReader, otlpHttpMetricExporter } from ${exp};\n`,
  },
  {
    measure: "bundle: edge worker exporting log records (./export: logger provider, batch processor, OTLP exporter)",
    entry: ({ exp }) => `export { createLoggerProvider, batchLogProcessor, otlpHttpLogExporter } from ${exp};\n`,
  },
  { measure: "bundle: the whole root entry (mod.ts)", entry: ({ mod }) => `export * from ${mod};\n` },
  { measure: "bundle: the whole ./export entry", entry: ({ exp }) => `export * from ${exp};\n` },
];

export function benchBundle(): Row[] {
  const dir = mkdtempSync(join(ROOT, ".tmp-bundle-"));
  try {
    const paths = { mod: JSON.stringify(join(ROOT, "mod.ts")), exp: JSON.stringify(join(ROOT, "export.ts")) };
    const otel = bundle(
      dir,
      "otel",
      `export { TracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace";
export { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
export { resourceFromAttributes, defaultResource } from "@opentelemetry/resources";\n`,
    );
    const otelMetrics = bundle(
      dir,
      "otel-metrics",
      `export { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
export { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
export { resourceFromAttributes, defaultResource } from "@opentelemetry/resources";\n`,
    );
    const otelLogs = bundle(
      dir,
      "otel-logs",
      `export { LoggerProvider, BatchLogRecordProcessor } from "@opentelemetry/sdk-logs";
export { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
export { resourceFromAttributes, defaultResource } from "@opentelemetry/resources";\n`,
    );
    const versusOf: Record<number, [string, number]> = {
      0: ["sdk-trace + exporter-trace-otlp-http + resources", otel.gzip],
      1: ["sdk-trace + exporter-trace-otlp-http + resources", otel.gzip],
      3: ["sdk-metrics + exporter-metrics-otlp-http + resources", otelMetrics.gzip],
      4: ["sdk-logs + exporter-logs-otlp-http + resources", otelLogs.gzip],
    };
    return USERS.map((u, i) => {
      const b = bundle(dir, `user${i}`, u.entry(paths));
      const vs = versusOf[i];
      return {
        measure: u.measure,
        ours: kb(b.gzip),
        versus: (vs !== undefined ? `${vs[0]} ${kb(vs[1])}` : `raw ${kb(b.raw)}`) +
          (b.lazyGzip > 0 ? `; + ${kb(b.lazyGzip)} loaded only by the first app-server turn` : ""),
        ratio: vs !== undefined ? `${(vs[1] / b.gzip).toFixed(1)}× smaller` : "–",
        target: u.target === undefined ? "report" : `≤ ${u.target} KB`,
        met: u.target === undefined ? null : b.gzip <= u.target * 1024,
        value: b.gzip / 1024,
        better: "lower" as const,
        ...(u.target === undefined ? {} : { goal: u.target }),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
