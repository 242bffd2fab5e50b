import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { base64 } from "../../src/base/base64.ts";
import { encodeAttributes, encodeTraces, encodeTracesBytes, jsonString } from "../../src/export/otlp-json.ts";
import type { Attributes, AttributeValue, SpanRecord } from "../../src/tracing/span-record.ts";
import { validateTraces } from "../support/otlp-schema.ts";
import { decodeAny, expectedDecoded, makeSpan, normalizeOtlp, toReadable } from "../support/otlp-spans.ts";

type Json = Record<string, any>;
const firstSpan = (body: string): Json => JSON.parse(body).resourceSpans[0].scopeSpans[0].spans[0];
const attrMap = (list: { key: string; value: Json }[]): Record<string, unknown> =>
  Object.fromEntries(list.map((kv) => [kv.key, decodeAny(kv.value)]));

const anyString = fc.string({ unit: "binary", maxLength: 40 });
const leaf: fc.Arbitrary<AttributeValue> = fc.oneof(
  anyString,
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 20 }),
  fc.constantFrom(2 ** 53 + 2, -(2 ** 63), 2 ** 63, 2 ** 64, -0, Number.MAX_VALUE, 5e-324),
);
const attrValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ v: AttributeValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(anyString, tie("v"), { maxKeys: 4 }),
  ),
})).v;
const attributes = fc.dictionary(anyString, attrValue, { maxKeys: 8 });

describe("OTLP/JSON encoder", () => {
  it("writes hex ids, integer enums and 64-bit times as exact decimal strings", () => {
    const span = makeSpan({
      parentSpanId: "00f067aa0ba902b7",
      kind: 3,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_000_987_654_321n,
      status: { code: 2, message: "boom" },
      traceState: "vendor=x",
    });
    const body = encodeTraces([span], { resource: { "service.name": "svc" } });
    const out = firstSpan(body);
    assert.equal(out.traceId, span.traceId);
    assert.match(out.traceId, /^[0-9a-f]{32}$/);
    assert.equal(out.parentSpanId, "00f067aa0ba902b7");
    assert.equal(out.kind, 3);
    assert.equal(out.startTimeUnixNano, "1700000000123456789");
    assert.equal(out.endTimeUnixNano, "1700000000987654321");
    assert.deepEqual(out.status, { code: 2, message: "boom" });
    assert.equal(out.traceState, "vendor=x");
    assert.equal(out.flags, 0x101);
    assert.deepEqual(validateTraces(JSON.parse(body), { int64AsString: true }), []);
  });

  it("omits the parent id of a root span and keeps the resource and scope", () => {
    const body = JSON.parse(encodeTraces([makeSpan()], { resource: { "service.name": "svc" } }));
    const rs = body.resourceSpans[0];
    assert.deepEqual(attrMap(rs.resource.attributes), { "service.name": "svc" });
    assert.deepEqual(rs.scopeSpans[0].scope, { name: "codex-otel-sdk", version: "0.1.0" });
    assert.equal("parentSpanId" in rs.scopeSpans[0].spans[0], false);
  });

  it("encodes every AnyValue shape", () => {
    const attrs: Attributes = {
      s: "text",
      b: true,
      i: 42,
      neg: -7,
      d: 1.5,
      big: 2n ** 62n,
      hugeBig: 2n ** 70n,
      hugeNum: 2 ** 63,
      exact: 2 ** 60,
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
      bytes: new Uint8Array([0, 1, 2, 250, 255]),
      arr: ["a", 1, [true]],
      map: { k: "v", n: { deep: 1 } },
      nul: null,
    };
    const body = encodeTraces([makeSpan({ attributes: attrs })]);
    assert.deepEqual(validateTraces(JSON.parse(body), { int64AsString: true }), []);
    const byKey = Object.fromEntries(firstSpan(body).attributes.map((kv: Json) => [kv.key, kv.value]));
    assert.deepEqual(byKey.s, { stringValue: "text" });
    assert.deepEqual(byKey.b, { boolValue: true });
    assert.deepEqual(byKey.i, { intValue: "42" });
    assert.deepEqual(byKey.neg, { intValue: "-7" });
    assert.deepEqual(byKey.d, { doubleValue: 1.5 });
    assert.deepEqual(byKey.big, { intValue: "4611686018427387904" });
    assert.deepEqual(byKey.hugeBig, { stringValue: "1180591620717411303424" });
    assert.deepEqual(byKey.hugeNum, { doubleValue: 9223372036854775808 });
    assert.deepEqual(byKey.exact, { intValue: "1152921504606846976" });
    assert.deepEqual(byKey.nan, { doubleValue: "NaN" });
    assert.deepEqual(byKey.inf, { doubleValue: "Infinity" });
    assert.deepEqual(byKey.ninf, { doubleValue: "-Infinity" });
    assert.deepEqual(byKey.bytes, { bytesValue: "AAEC+v8=" });
    assert.deepEqual(byKey.arr, {
      arrayValue: { values: [{ stringValue: "a" }, { intValue: "1" }, { arrayValue: { values: [{ boolValue: true }] } }] },
    });
    assert.deepEqual(byKey.map.kvlistValue.values[1], {
      key: "n",
      value: { kvlistValue: { values: [{ key: "deep", value: { intValue: "1" } }] } },
    });
    assert.deepEqual(byKey.nul, {});
  });

  it("keeps strings with quotes, control characters, emoji and lone surrogates intact", () => {
    const tricky = ['"quoted"', "back\\slash", "\u0000\u0001\u001f\n\t", "emoji 🎉 ok", "lone \ud800 high", "lone \udfff low", "\u2028\u2029", "</script>"];
    for (const s of tricky) {
      const lit = jsonString(s);
      assert.equal(JSON.parse(lit), s);
      assert.equal(/[\ud800-\udfff]/.test(lit.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")), false, "no raw lone surrogate");
    }
    const body = encodeTraces([makeSpan({ name: tricky.join("|"), attributes: { [tricky[0]]: tricky[4] } })]);
    const out = firstSpan(body);
    assert.equal(out.name, tricky.join("|"));
    assert.equal(out.attributes[0].key, tricky[0]);
    assert.equal(out.attributes[0].value.stringValue, tricky[4]);
    // The body must be valid UTF-8 once encoded: a lone surrogate would become U+FFFD.
    assert.equal(new TextDecoder().decode(new TextEncoder().encode(body)), body);
  });

  it("writes standard padded base64 for bytes", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 31]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + 11) & 255);
      assert.equal(base64(bytes), Buffer.from(bytes).toString("base64"));
    }
  });

  it("groups spans by scope under one resource", () => {
    const spans = [makeSpan(), makeSpan({ scope: { name: "other" } }), makeSpan()];
    const body = JSON.parse(encodeTraces(spans));
    assert.equal(body.resourceSpans.length, 1);
    assert.deepEqual(body.resourceSpans[0].scopeSpans.map((s: Json) => s.spans.length), [2, 1]);
    assert.deepEqual(body.resourceSpans[0].scopeSpans[1].scope, { name: "other" });
  });

  it("encodes events, links and dropped counts", () => {
    const span = makeSpan({
      events: [{ name: "exception", timeUnixNano: 1_700_000_000_000_000_001n, attributes: { "exception.message": "x" }, droppedAttributesCount: 2 }],
      links: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceState: "a=b", attributes: { k: 1 }, droppedAttributesCount: 0 }],
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
    });
    const body = encodeTraces([span]);
    assert.deepEqual(validateTraces(JSON.parse(body), { int64AsString: true }), []);
    const out = firstSpan(body);
    assert.equal(out.events[0].timeUnixNano, "1700000000000000001");
    assert.equal(out.events[0].droppedAttributesCount, 2);
    assert.equal(out.links[0].traceState, "a=b");
    assert.deepEqual([out.droppedAttributesCount, out.droppedEventsCount, out.droppedLinksCount], [3, 4, 5]);
  });

  it("round-trips arbitrary attribute values and passes the proto schema (property)", () => {
    fc.assert(
      fc.property(attributes, anyString, (attrs, name) => {
        const body = encodeTraces([makeSpan({ name, attributes: attrs as Attributes })], { resource: attrs as Attributes });
        const parsed = JSON.parse(body);
        assert.deepEqual(validateTraces(parsed, { int64AsString: true }), []);
        const span = parsed.resourceSpans[0].scopeSpans[0].spans[0];
        assert.equal(span.name, name);
        assert.deepEqual(attrMap(span.attributes), expectedDecoded(attrs));
      }),
      { numRuns: 300 },
    );
  });

  it("matches @opentelemetry/otlp-transformer's JSON after normalizing intValue (property)", () => {
    const comparable: fc.Arbitrary<AttributeValue> = fc.letrec<{ v: AttributeValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        anyString,
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.uint8Array({ maxLength: 12 }),
        fc.array(tie("v"), { maxLength: 3 }),
        fc.dictionary(anyString, tie("v"), { maxKeys: 3 }),
      ),
    })).v;
    const serializer = JsonTraceSerializer;
    fc.assert(
      fc.property(fc.dictionary(anyString, comparable, { maxKeys: 6 }), fc.boolean(), (attrs, withParent) => {
        const resource = { "service.name": "svc", "x.y": "z" };
        const span: SpanRecord = makeSpan({
          attributes: attrs as Attributes,
          ...(withParent ? { parentSpanId: "b7ad6b7169203331" } : {}),
          status: { code: 2, message: "m" },
          events: [{ name: "e", timeUnixNano: 1_700_000_000_000_000_123n, attributes: attrs as Attributes, droppedAttributesCount: 0 }],
          links: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", attributes: { a: 1 }, droppedAttributesCount: 0 }],
        });
        const ours = normalizeOtlp(JSON.parse(encodeTraces([span], { resource })));
        const bytes = serializer.serializeRequest([toReadable(span, resource)] as never)!;
        const theirs = normalizeOtlp(JSON.parse(new TextDecoder().decode(bytes)));
        assert.deepEqual(ours, theirs);
      }),
      { numRuns: 150 },
    );
  });

  it("escapes every string exactly like JSON.stringify and writes valid UTF-8 (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 20 }), (a, b) => {
        for (const x of [a, b, a + b]) {
          assert.equal(encodeAttributes({ k: x }), `[{"key":"k","value":{"stringValue":${JSON.stringify(x)}}}]`);
          assert.equal(jsonString(x), JSON.stringify(x));
        }
        const bytes = encodeTracesBytes([makeSpan({ name: a, attributes: { [b]: a } })]);
        const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        assert.deepEqual(bytes, new TextEncoder().encode(text));
      }),
      { numRuns: 300 },
    );
  });

  it("encodes a bare attribute list", () => {
    assert.equal(encodeAttributes({ n: 1, u: undefined as never }), '[{"key":"n","value":{"intValue":"1"}}]');
  });
});
