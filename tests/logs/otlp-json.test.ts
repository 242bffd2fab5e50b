import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeLogs, encodeLogsBytes } from "../../src/logs/otlp-json.ts";
import { Severity } from "../../src/logs/data.ts";
import type { LogRecordData } from "../../src/logs/data.ts";
import type { AttributeValue } from "../../src/tracing/span-record.ts";
import { countLogRecords, validateLogs } from "../support/otlp-schema.ts";
import { decodeAny, expectedDecoded } from "../support/otlp-spans.ts";

type Json = Record<string, any>;
const SCOPE = Object.freeze({ name: "codex-otel-sdk", version: "0.1.0" });

function makeRecord(over: Partial<LogRecordData> = {}): LogRecordData {
  return {
    timeUnixNano: 1_700_000_000_123_456_789n,
    observedTimeUnixNano: 1_700_000_000_223_456_789n,
    severityNumber: Severity.INFO,
    severityText: "INFO",
    body: "hello",
    attributes: { "k.s": "v", "k.n": 3 },
    droppedAttributesCount: 0,
    scope: SCOPE,
    ...over,
  };
}

let payloads = 0;
let invalid = 0;
/** Encodes, parses and validates against the vendored proto (every payload of this file). */
function encodeChecked(records: readonly LogRecordData[], options = {}): Json {
  const body = JSON.parse(encodeLogs(records, options));
  const errors = validateLogs(body, { int64AsString: true });
  payloads++;
  if (errors.length > 0) invalid++;
  assert.deepEqual(errors, []);
  assert.equal(countLogRecords(body), records.length);
  return body;
}
const firstRecord = (body: Json): Json => body.resourceLogs[0].scopeLogs[0].logRecords[0];
const attrMap = (list: { key: string; value: Json }[]): Record<string, unknown> =>
  Object.fromEntries(list.map((kv) => [kv.key, decodeAny(kv.value)]));

const anyString = fc.string({ unit: "binary", maxLength: 40 });
const leaf: fc.Arbitrary<AttributeValue> = fc.oneof(
  anyString,
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.uint8Array({ maxLength: 20 }),
  fc.constantFrom(2 ** 53 + 2, -(2 ** 63), 2 ** 60, -0, Number.MAX_VALUE, 5e-324),
);
const anyValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ v: AttributeValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(anyString, tie("v"), { maxKeys: 4 }),
  ),
})).v;
const hex = (n: number): fc.Arbitrary<string> =>
  fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
const anyRecord: fc.Arbitrary<LogRecordData> = fc.record({
  timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  observedTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  severityNumber: fc.integer({ min: 0, max: 24 }),
  severityText: fc.option(anyString, { nil: undefined }),
  body: fc.option(anyValue, { nil: undefined }),
  attributes: fc.dictionary(anyString, anyValue, { maxKeys: 6 }),
  droppedAttributesCount: fc.nat({ max: 1000 }),
  eventName: fc.option(anyString, { nil: undefined }),
  traceId: fc.option(hex(32), { nil: undefined }),
  spanId: fc.option(hex(16), { nil: undefined }),
  flags: fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }),
  scope: fc.constantFrom(SCOPE, Object.freeze({ name: "other" }), Object.freeze({ name: "other", version: "2" })),
}, { requiredKeys: ["timeUnixNano", "observedTimeUnixNano", "severityNumber", "attributes", "droppedAttributesCount", "scope"] });

describe("OTLP/JSON logs encoder", () => {
  it("encodeLogs() writes 64-bit times as decimal strings, the severity, the event name, hex ids and masked flags", () => {
    const r = makeRecord({
      timeUnixNano: 18_446_744_073_709_551_615n,
      severityNumber: Severity.ERROR,
      severityText: "ERROR",
      eventName: "codex.turn.stop",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      flags: 0x301,
      droppedAttributesCount: 2,
    });
    const out = firstRecord(encodeChecked([r]));
    assert.equal(out.timeUnixNano, "18446744073709551615");
    assert.equal(out.observedTimeUnixNano, "1700000000223456789");
    assert.equal(out.severityNumber, 17);
    assert.equal(out.severityText, "ERROR");
    assert.deepEqual(out.body, { stringValue: "hello" });
    assert.equal(out.eventName, "codex.turn.stop");
    assert.equal(out.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(out.spanId, "b7ad6b7169203331");
    assert.equal(out.flags, 1, "only the W3C trace flags: bits 8-31 are reserved");
    assert.equal(out.droppedAttributesCount, 2);
    assert.deepEqual(attrMap(out.attributes), { "k.s": "v", "k.n": 3n });
  });

  it("leaves out what is unset: ids and flags outside a span, an unknown time, an unspecified severity, no body", () => {
    const out = firstRecord(encodeChecked([makeRecord({ timeUnixNano: 0n, severityNumber: 0, severityText: undefined, body: undefined })]));
    for (const k of ["traceId", "spanId", "flags", "timeUnixNano", "severityNumber", "severityText", "body", "eventName", "droppedAttributesCount"]) {
      assert.equal(k in out, false, k);
    }
    assert.equal(out.observedTimeUnixNano, "1700000000223456789");
  });

  it("writes nested bodies (maps in arrays in maps), bytes, bigints, doubles and non-finite numbers", () => {
    const body: AttributeValue = {
      message: "turn done",
      usage: { input_tokens: 600, cached: 300n, ratio: 0.5, list: [1, "two", [3n, { deep: true }], null] },
      raw: new Uint8Array([0, 255, 10]),
      inf: Infinity,
      nan: NaN,
      huge: 2 ** 63,
    };
    const out = firstRecord(encodeChecked([makeRecord({ body })]));
    assert.deepEqual(decodeAny(out.body), expectedDecoded(body));
    assert.deepEqual(out.body.kvlistValue.values.find((kv: Json) => kv.key === "inf").value, { doubleValue: "Infinity" });
  });

  it("keeps unicode intact: emoji, CJK, combining marks, quotes, control characters, U+2028", () => {
    const texts = ["naïve café ☕ — 漢字 🎉👩‍💻", 'quote " backslash \\ tab \t nl \n nul \u0000', "e\u0301 \u2028\u2029 </script>", "pair 😀 \u{10FFFF}"];
    const records = texts.map((t) => makeRecord({ body: t, severityText: t, eventName: t, attributes: { [t]: t } }));
    const body = encodeChecked(records);
    const outs = body.resourceLogs[0].scopeLogs[0].logRecords as Json[];
    texts.forEach((t, i) => {
      const expected = JSON.parse(JSON.stringify(t)) as string;
      assert.equal(outs[i].body.stringValue, expected);
      assert.equal(outs[i].severityText, expected);
      assert.equal(outs[i].eventName, expected);
      assert.deepEqual(attrMap(outs[i].attributes), { [expected]: expected });
    });
    // Valid UTF-8 on the wire: decoding with fatal errors on succeeds.
    new TextDecoder("utf-8", { fatal: true }).decode(encodeLogsBytes(records));
  });

  it("writes a lone surrogate as a \\udXXX escape, as the trace encoder does (valid JSON and UTF-8; not a proto string)", () => {
    // Not counted as a validated payload: proto strings must be UTF-8, so the schema check's
    // protobuf round trip rejects a lone surrogate whatever its JSON spelling.
    const bytes = encodeLogsBytes([makeRecord({ body: "lone \ud800 high", attributes: { k: "low \udc00" } })]);
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    assert.match(text, /"stringValue":"lone \\ud800 high"/);
    assert.match(text, /"stringValue":"low \\udc00"/);
    assert.equal(JSON.parse(text).resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue, "lone \ud800 high");
  });

  it("groups records by scope under one resource, with the resource attributes and schema URL", () => {
    const a = Object.freeze({ name: "a" });
    const b = Object.freeze({ name: "b", version: "1" });
    const b2 = { name: "b", version: "1" }; // an equal scope in another object joins the same group
    const records = [makeRecord({ scope: a, body: "1" }), makeRecord({ scope: b, body: "2" }), makeRecord({ scope: a, body: "3" }), makeRecord({ scope: b2, body: "4" })];
    const body = encodeChecked(records, { resource: { "service.name": "svc" }, resourceDroppedAttributesCount: 1, schemaUrl: "https://opentelemetry.io/schemas/1.37.0" });
    assert.equal(body.resourceLogs.length, 1);
    const rl = body.resourceLogs[0];
    assert.deepEqual(attrMap(rl.resource.attributes), { "service.name": "svc" });
    assert.equal(rl.resource.droppedAttributesCount, 1);
    assert.equal(rl.schemaUrl, "https://opentelemetry.io/schemas/1.37.0");
    assert.deepEqual(rl.scopeLogs.map((s: Json) => s.scope), [{ name: "a" }, { name: "b", version: "1" }]);
    assert.deepEqual(rl.scopeLogs.map((s: Json) => s.logRecords.map((r: Json) => r.body.stringValue)), [["1", "3"], ["2", "4"]]);
  });

  it("an empty list is a valid request with no scopes, and the text is the bytes decoded", () => {
    assert.deepEqual(encodeChecked([]).resourceLogs[0].scopeLogs, []);
    const records = [makeRecord(), makeRecord({ body: { a: [1, 2] } })];
    assert.equal(encodeLogs(records), new TextDecoder().decode(encodeLogsBytes(records)));
  });

  it("writes large batches without losing records (buffer sizing learns bytes per record)", () => {
    const records = Array.from({ length: 3000 }, (_, i) => makeRecord({ body: "x".repeat(i % 200), attributes: { i } }));
    const body = encodeChecked(records);
    const outs = body.resourceLogs[0].scopeLogs[0].logRecords as Json[];
    assert.equal(outs.length, 3000);
    assert.equal(outs[2999].body.stringValue, "x".repeat(2999 % 200));
    assert.deepEqual(attrMap(outs[1234].attributes), { i: 1234n });
  });

  it("round-trips arbitrary records and every payload passes the proto schema (property)", () => {
    fc.assert(
      fc.property(fc.array(anyRecord, { maxLength: 6 }), (records) => {
        const body = encodeChecked(records);
        const outs: Json[] = body.resourceLogs[0].scopeLogs.flatMap((s: Json) => s.logRecords);
        assert.equal(outs.length, records.length);
        // Records come out grouped by scope: match them up by scope order.
        const order = [...new Set(records.map((r) => `${r.scope.name}\u0000${r.scope.version}`))];
        const sorted = order.flatMap((k) => records.filter((r) => `${r.scope.name}\u0000${r.scope.version}` === k));
        sorted.forEach((r, i) => {
          const o = outs[i];
          assert.equal(o.observedTimeUnixNano, r.observedTimeUnixNano.toString());
          assert.equal(o.timeUnixNano ?? "0", r.timeUnixNano.toString());
          assert.equal(o.severityNumber ?? 0, r.severityNumber);
          if (r.body === undefined) assert.equal("body" in o, false);
          else assert.deepEqual(decodeAny(o.body), expectedDecoded(r.body));
          assert.deepEqual(attrMap(o.attributes), expectedDecoded(r.attributes));
          assert.equal(o.flags ?? 0, (r.flags ?? 0) & 0xff);
          assert.equal(o.traceId, r.traceId || undefined);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("every payload of this file was valid OTLP (0 invalid)", () => {
    assert.ok(payloads > 300, `${payloads} payloads`);
    assert.equal(invalid, 0);
  });
});
