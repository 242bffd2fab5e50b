/**
 * The OTLP/JSON logs encoder: writes an `ExportLogsServiceRequest` as UTF-8 bytes directly with the
 * shared byte writer (no object tree), log records grouped by scope under one resource. Times are
 * bigints written as decimal strings, ids hex, the body any AnyValue.
 * @module
 */
import type { EncodeOptions } from "../export/otlp-json.ts";
import { anyValue, attributes, BodySize, byte, decoder, raw, scopedRequest, str, withWriter } from "../export/json-writer.ts";
import type { LogRecordData } from "./data.ts";

export type { EncodeOptions } from "../export/otlp-json.ts";

function record(r: LogRecordData): void {
  // proto3 JSON leaves defaults out: an unknown time (0), an unspecified severity, absent ids.
  byte(123);
  raw('"observedTimeUnixNano":"');
  raw(r.observedTimeUnixNano.toString());
  byte(34);
  if (r.timeUnixNano !== 0n) {
    raw(',"timeUnixNano":"');
    raw(r.timeUnixNano.toString());
    byte(34);
  }
  if (r.severityNumber) {
    raw(',"severityNumber":');
    raw(String(r.severityNumber));
  }
  if (r.severityText) {
    raw(',"severityText":');
    str(r.severityText);
  }
  if (r.body !== undefined) {
    raw(',"body":');
    anyValue(r.body, 0);
  }
  attributes(r.attributes, r.droppedAttributesCount);
  if (r.flags) {
    // Bits 8–31 are reserved and must be zero: only the W3C trace flags go out.
    raw(',"flags":');
    raw(String(r.flags & 0xff));
  }
  if (r.traceId) {
    raw(',"traceId":');
    str(r.traceId);
  }
  if (r.spanId) {
    raw(',"spanId":');
    str(r.spanId);
  }
  if (r.eventName) {
    raw(',"eventName":');
    str(r.eventName);
  }
  byte(125);
}

const LOG_FIELDS = ["resourceLogs", "scopeLogs", "logRecords"] as const;
const size = new BodySize(512, 1.15);

/**
 * Encodes log records as an OTLP/JSON `ExportLogsServiceRequest` body in UTF-8, grouped by scope
 * under one resource. This is what the logs exporter sends.
 *
 * @param records Log records.
 * @param options Resource and schema.
 * @returns The request body bytes.
 * @example
 * ```ts
 * import { encodeLogsBytes } from "./otlp-json.ts";
 * const body: Uint8Array = encodeLogsBytes([{
 *   timeUnixNano: 1_700_000_000_000_000_000n,
 *   observedTimeUnixNano: 1_700_000_000_000_000_000n,
 *   severityNumber: 9,
 *   severityText: "INFO",
 *   body: "hello",
 *   attributes: { n: 1 },
 *   droppedAttributesCount: 0,
 *   scope: { name: "demo" },
 * }], { resource: { "service.name": "demo" } });
 * ```
 */
export function encodeLogsBytes(records: readonly LogRecordData[], options: EncodeOptions = {}): Uint8Array {
  const out = withWriter(size.estimate(records.length), () => scopedRequest(LOG_FIELDS, records, record, options), false);
  size.learn(records.length, out.length);
  return out;
}

/**
 * Encodes log records as OTLP/JSON text (the same bytes as {@link encodeLogsBytes}, decoded).
 *
 * @param records Log records.
 * @param options Resource and schema.
 * @returns The request body (JSON text).
 * @example
 * ```ts
 * import { encodeLogs } from "./otlp-json.ts";
 * const body = encodeLogs([], { resource: { "service.name": "demo" } });
 * JSON.parse(body).resourceLogs[0].scopeLogs; // []
 * ```
 */
export function encodeLogs(records: readonly LogRecordData[], options: EncodeOptions = {}): string {
  return decoder.decode(encodeLogsBytes(records, options));
}
