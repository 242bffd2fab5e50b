import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { memoryExporter } from "../../src/sdk/memory-exporter.ts";
import type { SpanRecord } from "../../src/tracing/span-record.ts";
import { makeSpan } from "../support/otlp-spans.ts";
import { Span } from "../../src/tracing/span.ts";

describe("memoryExporter()", () => {
  it("keeps spans up to its bound, evicting the oldest", async () => {
    const mem = memoryExporter({ limit: 3 });
    for (let i = 0; i < 5; i++) await mem.export([makeSpan({ name: `s${i}` })]);
    assert.deepEqual(mem.finished().map((s) => s.name), ["s2", "s3", "s4"]);
    assert.equal(mem.evicted, 2);
    mem.reset();
    assert.equal(mem.finished().length, 0);
  });

  it("keeps plain records whose times survive spread and structuredClone (a Span's are accessors)", async () => {
    const mem = memoryExporter();
    const span = new Span("s", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
    span.end();
    await mem.export([span]);
    const [kept] = mem.finished();
    assert.equal(Object.getPrototypeOf(kept), Object.prototype);
    const start = span.startTimeUnixNano;
    assert.ok(start > 1_600_000_000_000_000_000n, "an epoch-ns bigint");
    assert.equal({ ...kept }.startTimeUnixNano, start);
    assert.equal(structuredClone(kept).endTimeUnixNano, span.endTimeUnixNano);
    assert.ok(kept.endTimeUnixNano >= start);
  });

  it("hands each span to onSpan and survives a throwing callback", async () => {
    const seen: string[] = [];
    const mem = memoryExporter({
      onSpan: (s) => {
        seen.push(s.name);
        if (s.name === "b") throw new Error("callback bug");
      },
    });
    const r = await mem.export([makeSpan({ name: "a" }), makeSpan({ name: "b" }), makeSpan({ name: "c" })]);
    assert.deepEqual(r, { ok: true, rejected: 0 });
    assert.deepEqual(seen, ["a", "b", "c"]);
  });

  it("waitFor(n) resolves once n spans arrived and rejects after its timeout", async () => {
    const mem = memoryExporter();
    const waiting = mem.waitFor(2, 2000);
    await mem.export([makeSpan()]);
    setTimeout(() => void mem.export([makeSpan()]), 5);
    assert.equal((await waiting).length, 2);
    await assert.rejects(mem.waitFor(5, 20), /only 2 spans after 20 ms/);
  });

  it("spans() yields what is kept; with follow it waits for more until shutdown", async () => {
    const mem = memoryExporter();
    await mem.export([makeSpan({ name: "one" })]);
    const now: string[] = [];
    for await (const s of mem.spans()) now.push(s.name);
    assert.deepEqual(now, ["one"]);
    const followed: SpanRecord[] = [];
    const reader = (async () => {
      for await (const s of mem.spans({ follow: true })) followed.push(s);
    })();
    await mem.export([makeSpan({ name: "two" })]);
    await new Promise((r) => setTimeout(r, 5));
    await mem.shutdown();
    await reader;
    assert.deepEqual(followed.map((s) => s.name), ["one", "two"]);
  });
});
