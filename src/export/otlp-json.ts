/**
 * The OTLP/JSON encoder: writes an `ExportTraceServiceRequest` as a JSON string directly, without
 * building an intermediate object tree. Hex ids, integer enums, 64-bit values as decimal strings
 * (times are bigints, so never rounded through a float), every AnyValue shape, any string content.
 * @module
 */
import type { Attributes, SpanRecord } from "../tracing/span-record.ts";
import { attributes, BodySize, byte, context, count, decoder, raw, scopedRequest, str, withWriter } from "./json-writer.ts";

export { encodeAttributes, jsonString } from "./json-writer.ts";

/** The resource and scope context of an export. */
export interface EncodeOptions {
  /** Resource attributes (`service.name`, ...). */
  resource?: Attributes;
  /** Resource attributes dropped by limits. */
  resourceDroppedAttributesCount?: number;
  /** Resource schema URL. */
  schemaUrl?: string;
}


function span(sp: SpanRecord): void {
  context(sp);
  if (sp.parentSpanId) {
    raw(',"parentSpanId":');
    str(sp.parentSpanId);
  }
  raw(',"flags":');
  raw(String(sp.flags >>> 0));
  raw(',"name":');
  str(sp.name);
  raw(',"kind":');
  raw(String(sp.kind));
  raw(',"startTimeUnixNano":"');
  raw(sp.startTimeUnixNano.toString());
  raw('","endTimeUnixNano":"');
  raw(sp.endTimeUnixNano.toString());
  byte(34);
  attributes(sp.attributes, sp.droppedAttributesCount);
  const events = sp.events;
  if (events.length !== 0) {
    raw(',"events":[');
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i > 0) byte(44);
      raw('{"timeUnixNano":"');
      raw(e.timeUnixNano.toString());
      raw('","name":');
      str(e.name);
      attributes(e.attributes, e.droppedAttributesCount);
      byte(125);
    }
    byte(93);
  }
  count("droppedEventsCount", sp.droppedEventsCount);
  const links = sp.links;
  if (links.length !== 0) {
    raw(',"links":[');
    for (let i = 0; i < links.length; i++) {
      const l = links[i];
      if (i > 0) byte(44);
      context(l);
      attributes(l.attributes, l.droppedAttributesCount);
      byte(125);
    }
    byte(93);
  }
  count("droppedLinksCount", sp.droppedLinksCount);
  const st = sp.status;
  raw(',"status":{');
  if (st.code) {
    raw('"code":');
    raw(String(st.code));
    if (st.message) {
      raw(',"message":');
      str(st.message);
    }
  }
  raw("}}");
}

const TRACE_FIELDS = ["resourceSpans", "scopeSpans", "spans"] as const;
// 15% over the learned size per span.
const size = new BodySize(768, 1.15);

/**
 * Encodes finished spans as an OTLP/JSON `ExportTraceServiceRequest` body in UTF-8, grouped by
 * scope under one resource. This is what the exporter sends.
 *
 * @param spans Finished spans.
 * @param options Resource and schema.
 * @returns The request body bytes.
 * @example
 * ```ts
 * import { encodeTracesBytes } from "./otlp-json.ts";
 * const body: Uint8Array = encodeTracesBytes([], { resource: { "service.name": "demo" } });
 * ```
 */
export function encodeTracesBytes(spans: readonly SpanRecord[], options: EncodeOptions = {}): Uint8Array {
  const out = withWriter(size.estimate(spans.length), () => scopedRequest(TRACE_FIELDS, spans, span, options), false);
  size.learn(spans.length, out.length);
  return out;
}

/**
 * Encodes finished spans as OTLP/JSON text (the same bytes as {@link encodeTracesBytes}, decoded).
 *
 * @param spans Finished spans.
 * @param options Resource and schema.
 * @returns The request body (JSON text).
 * @example
 * ```ts
 * import { encodeTraces } from "./otlp-json.ts";
 * const body = encodeTraces([], { resource: { "service.name": "demo" } });
 * ```
 */
export function encodeTraces(spans: readonly SpanRecord[], options: EncodeOptions = {}): string {
  return decoder.decode(encodeTracesBytes(spans, options));
}
