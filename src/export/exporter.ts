/**
 * The contract between the span processors and the exporters (OTLP/HTTP, in-memory), and the
 * export error class.
 * @module
 */
import type { SpanRecord } from "../tracing/span-record.ts";

/** The outcome of one export call. Exporters never throw: failures are results. */
export interface ExportResult {
  /** `true` when the receiver accepted the request (possibly with rejected spans). */
  ok: boolean;
  /** Spans the receiver rejected (`partialSuccess.rejectedSpans`) or that were not sent. */
  rejected: number;
  /** Why spans were dropped: `http_400`, `timeout`, `network`, `partial_success`, `too_large`, ... */
  reason?: string;
  /** A human-readable description of the failure (never contains header values). */
  error?: string;
  /** Attempts made (1 without retries). */
  attempts?: number;
}

/** Something that sends finished spans somewhere. */
export interface SpanExporter {
  /** `otlp-http`, `memory`, or a custom name. */
  readonly kind: string;
  /** Sends a batch; resolves with the outcome, never rejects. */
  export(spans: readonly SpanRecord[]): Promise<ExportResult>;
  /** Releases resources. */
  shutdown?(): Promise<void>;
}

/** Error codes of {@link OtlpExportError}. */
export type OtlpExportErrorCode =
  | "http_status"
  | "timeout"
  | "network"
  | "response_too_large"
  | "body_too_large"
  | "tls";

/**
 * Describes an export failure (kept in `status().lastError` and telemetry; never thrown at the host).
 *
 * @example
 * ```ts
 * import { OtlpExportError } from "./exporter.ts";
 * const e = new OtlpExportError("timeout", "export did not finish within 10000 ms");
 * e.code; // "timeout"
 * ```
 */
export class OtlpExportError extends Error {
  /** Stable code. */
  readonly code: OtlpExportErrorCode;
  /** HTTP status, when there was a response. */
  readonly status?: number;
  /**
   * Creates the error.
   *
   * @param code Stable code.
   * @param message What happened and what to do.
   * @param status HTTP status.
   */
  constructor(code: OtlpExportErrorCode, message: string, status?: number) {
    super(message);
    this.name = "OtlpExportError";
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}
