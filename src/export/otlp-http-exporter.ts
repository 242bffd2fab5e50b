/**
 * The OTLP/HTTP JSON trace exporter: encodes spans with `encodeTracesBytes`, splits batches whose
 * body would exceed 64 MiB, and sends them through the shared OTLP/HTTP transport (`otlp-http.ts`).
 * @module
 */
import type { SpanRecord } from "../tracing/span-record.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";
import { MiB, otlpHttpTransport, sendSplit } from "./otlp-http.ts";
import type { OtlpHttpOptions } from "./otlp-http.ts";
import { encodeTracesBytes } from "./otlp-json.ts";
import type { EncodeOptions } from "./otlp-json.ts";

export { parseRetryAfter } from "./otlp-http.ts";

/** Options of {@link otlpHttpExporter}. */
export interface OtlpHttpExporterOptions extends OtlpHttpOptions {
  /** Resource attributes and schema URL. */
  encode?: EncodeOptions;
  /** Request body bound before compression, bytes. @default 64 MiB */
  maxBodyBytes?: number;
}

/**
 * Creates the OTLP/HTTP JSON exporter.
 *
 * @param options Endpoint, headers, transport and limits.
 * @returns The exporter.
 * @example
 * ```ts
 * import { otlpHttpExporter } from "./otlp-http-exporter.ts";
 * const exporter = otlpHttpExporter({ url: "http://127.0.0.1:4318/v1/traces", compression: "gzip" });
 * ```
 */
export function otlpHttpExporter(options: OtlpHttpExporterOptions): SpanExporter {
  const maxBody = options.maxBodyBytes ?? 64 * MiB;
  const transport = otlpHttpTransport(options, "traces");

  return {
    kind: "otlp-http",
    async export(spans: readonly SpanRecord[]): Promise<ExportResult> {
      if (spans.length === 0) return { ok: true, rejected: 0 };
      try {
        return await sendSplit(transport, spans, (part) => encodeTracesBytes(part, options.encode), maxBody, "span");
      } catch (error) {
        return { ok: false, rejected: spans.length, reason: "exporter_error", error: String((error as Error)?.message ?? error) };
      }
    },
  };
}
