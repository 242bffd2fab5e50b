// Measure 5: bundle size (esbuild, minified, --platform=browser, gzip) of all of mod.ts and of the
// export path alone, vs @opentelemetry/sdk-trace + exporter-trace-otlp-http + resources.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Row } from "../harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function bundle(dir: string, name: string, source: string): { raw: number; gzip: number } {
  const entry = join(dir, `${name}.ts`);
  const out = join(dir, `${name}.js`);
  writeFileSync(entry, source);
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "esbuild"), [
    entry,
    "--bundle",
    "--minify",
    "--format=esm",
    "--platform=browser",
    `--outfile=${out}`,
    "--log-level=error",
  ], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`esbuild ${name}: ${r.stderr}`);
  const code = readFileSync(out);
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export function benchBundle(): Row[] {
  const dir = mkdtempSync(join(ROOT, ".tmp-bundle-"));
  try {
    const mod = JSON.stringify(join(ROOT, "mod.ts"));
    const all = bundle(dir, "all", `export * from ${mod};\n`);
    const exportPath = bundle(
      dir,
      "export-path",
      `export { createTracer, batchProcessor, otlpHttpExporter, encodeTraces } from ${mod};\n`,
    );
    // What Telemetry.configure runs: the export path plus the Codex event instrumentation (the
    // rules that turn the SDK's telemetry events into spans; OpenTelemetry keeps instrumentations
    // out of sdk-trace too, so the comparison above is like for like).
    const instrumented = bundle(
      dir,
      "instrumented",
      `export { createTracer, traceEvents, batchProcessor, otlpHttpExporter, encodeTraces } from ${mod};\n`,
    );
    const otel = bundle(
      dir,
      "otel",
      `export { TracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace";
export { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
export { resourceFromAttributes, defaultResource } from "@opentelemetry/resources";\n`,
    );
    return [
      {
        measure: "bundle: export path (tracer + encoder + exporter), min+gzip",
        ours: kb(exportPath.gzip),
        versus: `sdk-trace + exporter-trace-otlp-http + resources ${kb(otel.gzip)}`,
        ratio: `${(otel.gzip / exportPath.gzip).toFixed(1)}× smaller`,
        target: "≤ 8 KB",
        met: exportPath.gzip <= 8 * 1024,
      },
      {
        measure: "bundle: export path + Codex event instrumentation (traceEvents), min+gzip",
        ours: kb(instrumented.gzip),
        versus: `sdk-trace + exporter-trace-otlp-http + resources ${kb(otel.gzip)}`,
        ratio: `${(otel.gzip / instrumented.gzip).toFixed(1)}× smaller`,
        target: "report",
        met: null,
      },
      {
        measure: "bundle: all of mod.ts, min+gzip",
        ours: kb(all.gzip),
        versus: `raw ${kb(all.raw)}`,
        ratio: "–",
        target: "≤ 15 KB",
        met: all.gzip <= 15 * 1024,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
