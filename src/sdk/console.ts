/**
 * Console exporters (`OTEL_{TRACES,METRICS,LOGS}_EXPORTER=console`): each export is printed as one
 * line of OTLP/JSON (the same body the OTLP exporter would send), so a reader can pipe it to `jq`
 * or paste it into a collector. What is printed went through the same redaction as every export.
 * @module
 */
import type { ExportResult } from "../export/exporter.ts";
import { encodeTraces } from "../export/otlp-json.ts";
import type { EncodeOptions } from "../export/otlp-json.ts";
import { encodeLogs } from "../logs/otlp-json.ts";
import type { LogRecordData } from "../logs/data.ts";
import { countPoints } from "../metrics/data.ts";
import type { ScopeMetrics } from "../metrics/data.ts";
import { encodeMetrics } from "../metrics/otlp-json.ts";
import type { SpanRecord } from "../tracing/span-record.ts";
import type { AnyExporter } from "./pipeline.ts";

/** Where console exporters write. @default console.log */
export type LineSink = (line: string) => void;

function printer<T>(encode: (items: T) => string, count: (items: T) => number, write: LineSink): AnyExporter<T> {
  return {
    kind: "console",
    export(items: T): Promise<ExportResult> {
      if (count(items) === 0) return Promise.resolve({ ok: true, rejected: 0 });
      try {
        write(encode(items));
        return Promise.resolve({ ok: true, rejected: 0 });
      } catch (error) {
        return Promise.resolve({ ok: false, rejected: count(items), reason: "console", error: String((error as Error)?.message ?? error) });
      }
    },
  };
}

/**
 * A console exporter of one signal.
 *
 * @param signal The signal.
 * @param encode Resource and schema.
 * @param write The line sink.
 * @returns The exporter.
 * @example
 * ```ts
 * import { consoleExporter } from "./console.ts";
 * const lines: string[] = [];
 * const spans = consoleExporter("traces", {}, (l) => lines.push(l));
 * ```
 */
export function consoleExporter(signal: "traces", encode?: EncodeOptions, write?: LineSink): AnyExporter<readonly SpanRecord[]>;
/** A console exporter of metrics (one OTLP/JSON line per collection). */
export function consoleExporter(signal: "metrics", encode?: EncodeOptions, write?: LineSink): AnyExporter<readonly ScopeMetrics[]>;
/** A console exporter of log records (one OTLP/JSON line per batch). */
export function consoleExporter(signal: "logs", encode?: EncodeOptions, write?: LineSink): AnyExporter<readonly LogRecordData[]>;
export function consoleExporter(
  signal: "traces" | "metrics" | "logs",
  encode: EncodeOptions = {},
  write: LineSink = (l) => console.log(l),
): AnyExporter<readonly SpanRecord[]> | AnyExporter<readonly ScopeMetrics[]> | AnyExporter<readonly LogRecordData[]> {
  if (signal === "traces") return printer((s: readonly SpanRecord[]) => encodeTraces(s, encode), (s) => s.length, write);
  if (signal === "metrics") return printer((m: readonly ScopeMetrics[]) => encodeMetrics(m, encode), countPoints, write);
  return printer((r: readonly LogRecordData[]) => encodeLogs(r, encode), (r) => r.length, write);
}
