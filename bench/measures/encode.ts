// Measure 1: OTLP/JSON encoding of 10,000 spans × 20 attributes and an event each: ours vs
// @opentelemetry/otlp-transformer's JsonTraceSerializer on the same spans, and vs JSON.stringify
// of the finished OTLP object tree (the floor).
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { encodeTraces, encodeTracesBytes } from "../../export.ts";
import type { Attributes, SpanRecord } from "../../mod.ts";
import { toReadable } from "../../tests/support/otlp-spans.ts";
import { compare, roundRatios, type Row } from "../harness.ts";

function hex(n: number, len: number): string {
  return n.toString(16).padStart(len, "0").slice(-len);
}

/** 10,000 spans shaped like the SDK's: strings, ints, doubles, bools, an array; one event. */
export function makeSpans(count = 10_000): SpanRecord[] {
  const spans: SpanRecord[] = [];
  const t0 = 1_764_000_000_000_000_000n;
  for (let i = 0; i < count; i++) {
    const attributes: Attributes = {};
    for (let a = 0; a < 4; a++) attributes[`codex.attr.string_${a}`] = `value ${i} / ${a} — ünïcode`;
    for (let a = 0; a < 4; a++) attributes[`codex.attr.int_${a}`] = i * 31 + a;
    for (let a = 0; a < 4; a++) attributes[`codex.attr.double_${a}`] = i / 7 + a + 0.5;
    for (let a = 0; a < 4; a++) attributes[`codex.attr.bool_${a}`] = (i + a) % 2 === 0;
    attributes["gen_ai.operation.name"] = "execute_tool";
    attributes["gen_ai.tool.name"] = "exec_command";
    attributes["codex.command"] = `echo "line ${i}"\n`;
    attributes["codex.paths"] = ["src/a.ts", "src/b.ts", `src/c${i}.ts`];
    const start = t0 + BigInt(i) * 1_000_000n;
    spans.push({
      traceId: hex(i + 1, 16) + "0af7651916cd43dd",
      spanId: hex(i + 1, 8) + "b7ad6b71",
      parentSpanId: i % 10 === 0 ? undefined : "00f067aa0ba902b7",
      name: "execute_tool exec_command",
      kind: 1,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 1_234_567n,
      attributes,
      droppedAttributesCount: 0,
      events: [{
        name: "exception",
        timeUnixNano: start + 1_000n,
        attributes: { "exception.type": "CodexExecError", "exception.message": `exit ${i % 3}` },
        droppedAttributesCount: 0,
      }],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: i % 5 === 0 ? 2 : 0, ...(i % 5 === 0 ? { message: "exit 1" } : {}) },
      flags: 0x101,
      scope: { name: "codex-otel-sdk", version: "0.1.0" },
    });
  }
  return spans;
}

export function benchEncode(): Row[] {
  const resource = { "service.name": "bench", "telemetry.sdk.language": "webjs" };
  const spans = makeSpans();
  // One resource object shared by every span, as a real TracerProvider does.
  const shared = (toReadable(spans[0], resource) as { resource: unknown }).resource;
  const readable = spans.map((s) => ({ ...(toReadable(s, resource) as object), resource: shared })) as never[];
  const theirBytes = JsonTraceSerializer.serializeRequest(readable)!;
  const tree = JSON.parse(new TextDecoder().decode(theirBytes));
  // Same content check before timing anything: equal span and attribute counts.
  const ours = JSON.parse(encodeTraces(spans, { resource }));
  const count = (t: { resourceSpans: { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[] }) =>
    t.resourceSpans[0].scopeSpans.reduce((n, s) => n + s.spans.reduce((m, sp) => m + sp.attributes.length, 0), 0);
  if (count(ours) !== count(tree)) throw new Error("encode bench: outputs differ");

  const t = compare([
    { name: "ours", run: () => encodeTraces(spans, { resource }) },
    // what the exporter sends: UTF-8 bytes written directly
    { name: "ours+utf8", run: () => encodeTracesBytes(spans, { resource }) },
    { name: "otlp-transformer", run: () => JsonTraceSerializer.serializeRequest(readable) },
    { name: "stringify floor", run: () => JSON.stringify(tree) },
  ], { fixedN: 1, rounds: 9, opsPerRun: spans.length, warmupMs: 300 });
  const vsTransformer = t["otlp-transformer"] / t["ours+utf8"];
  // The floor only builds a string; ours writes the finished UTF-8 body, which is what is sent.
  const vsFloor = t["ours+utf8"] / t["stringify floor"];
  return [
    {
      measure: "OTLP/JSON encode, 10k spans × 20 attrs (to bytes)",
      ours: `${t["ours+utf8"].toFixed(0)} ns/span`,
      versus: `otlp-transformer ${t["otlp-transformer"].toFixed(0)} ns/span`,
      ratio: `${vsTransformer.toFixed(2)}× faster`,
      target: "≥ 2× faster",
      met: vsTransformer >= 2,
      value: vsTransformer,
      better: "higher",
      goal: 2,
      spread: roundRatios(t, "otlp-transformer", "ours+utf8"),
    },
    {
      measure: "OTLP/JSON encode vs JSON.stringify of the OTLP tree",
      ours: `${t["ours+utf8"].toFixed(0)} ns/span (bytes; as a string ${t["ours"].toFixed(0)})`,
      versus: `JSON.stringify floor ${t["stringify floor"].toFixed(0)} ns/span`,
      ratio: `${vsFloor.toFixed(2)}× floor`,
      target: "≤ 1× floor",
      met: vsFloor <= 1,
      value: vsFloor,
      better: "lower",
      goal: 1,
      spread: roundRatios(t, "ours+utf8", "stringify floor"),
    },
  ];
}
