/**
 * The log record exporter contract and the OTLP/HTTP JSON logs exporter: records encoded with
 * `encodeLogsBytes`, batches whose body would exceed the bound split, sent through the one OTLP/HTTP
 * transport every signal shares (`export/otlp-http.ts`: retries, `Retry-After`, deadline, gzip,
 * `partialSuccess.rejectedLogRecords`).
 * @module
 */
import type { ExportResult } from "../export/exporter.ts";
import { MiB, otlpHttpTransport, sendSplit } from "../export/otlp-http.ts";
import type { OtlpHttpOptions } from "../export/otlp-http.ts";
import type { LogRecordData } from "./data.ts";
import { encodeLogsBytes } from "./otlp-json.ts";
import type { EncodeOptions } from "./otlp-json.ts";

/** Something that sends log records somewhere. */
export interface LogExporter {
  /** `otlp-http`, `memory`, `console`, or a custom name. */
  readonly kind: string;
  /** Sends a batch; resolves with the outcome, never rejects. */
  export(records: readonly LogRecordData[]): Promise<ExportResult>;
  /** Releases resources. */
  shutdown?(): Promise<void>;
}

/** Options of {@link otlpHttpLogExporter}. */
export interface OtlpHttpLogExporterOptions extends OtlpHttpOptions {
  /** Resource attributes and schema URL. */
  encode?: EncodeOptions;
  /** Request body bound before compression, bytes. @default 64 MiB */
  maxBodyBytes?: number;
}

/**
 * Creates the OTLP/HTTP JSON logs exporter (`POST …/v1/logs`).
 *
 * @param options Endpoint (the full `/v1/logs` URL), headers, transport and limits.
 * @returns The exporter.
 * @example
 * ```ts
 * import { otlpHttpLogExporter } from "./exporter.ts";
 * const exporter = otlpHttpLogExporter({ url: "http://127.0.0.1:4318/v1/logs", compression: "gzip" });
 * ```
 */
export function otlpHttpLogExporter(options: OtlpHttpLogExporterOptions): LogExporter {
  const maxBody = options.maxBodyBytes ?? 64 * MiB;
  const transport = otlpHttpTransport(options, "logs");
  const encode = (part: readonly LogRecordData[]): Uint8Array => encodeLogsBytes(part, options.encode);

  return {
    kind: "otlp-http",
    async export(records: readonly LogRecordData[]): Promise<ExportResult> {
      if (records.length === 0) return { ok: true, rejected: 0 };
      try {
        return await sendSplit(transport, records, encode, maxBody, "log record");
      } catch (error) {
        return { ok: false, rejected: records.length, reason: "exporter_error", error: String((error as Error)?.message ?? error) };
      }
    },
  };
}
