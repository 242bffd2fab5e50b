import { describe, it } from "node:test";
import { createServer } from "node:http";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createJsonlDecoder, decodeJsonl, MalformedLine } from "../../src/jsonl/decoder.ts";
import { chunkReader } from "../../src/runtime/chunk-reader.ts";
import { asciiRunEnd } from "../../src/jsonl/ascii-runs.ts";
import { bunJsonlAccelerator } from "../../src/runtime/bun/jsonl.ts";
import { nodeBufferJsonlAccelerator } from "../../src/runtime/node/jsonl.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function feed(chunks: Uint8Array[]): unknown[] {
  const d = createJsonlDecoder();
  const out: unknown[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.end());
  return out;
}

/**
 * Feeds through `values()`, taking at most `takes[i]` values from each chunk's iterator before the
 * next chunk: what an iterator leaves must come first from the next call.
 */
function feedLazy(chunks: Uint8Array[], takes: number[], options = {}): unknown[] {
  const d = createJsonlDecoder(options);
  const out: unknown[] = [];
  chunks.forEach((c, i) => {
    const it = d.values(c);
    for (let k = takes[i % takes.length]; k > 0; k--) {
      const r = it.next();
      if (r.done) break;
      out.push(r.value);
    }
  });
  out.push(...d.end());
  return out;
}

function splitEvery(bytes: Uint8Array, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += n) out.push(bytes.slice(i, i + n));
  return out;
}

describe("JSONL decoder", () => {
  it("decodes one value per line", () => {
    assert.deepEqual(feed([enc('{"a":1}\n{"b":2}\n')]), [{ a: 1 }, { b: 2 }]);
  });

  it("reassembles UTF-8 characters split across chunks at every byte", () => {
    const line = enc('{"text":"héllo → 世界 🎉"}\n{"x":"ü"}\n');
    for (let n = 1; n <= 7; n++) {
      assert.deepEqual(
        feed(splitEvery(line, n)),
        [{ text: "héllo → 世界 🎉" }, { x: "ü" }],
        `chunks of ${n}`,
      );
    }
  });

  it("strips CR from CRLF line endings", () => {
    assert.deepEqual(feed([enc('{"a":"x"}\r\n{"b":1}\r\n')]), [{ a: "x" }, { b: 1 }]);
    assert.deepEqual(feed([enc('{"a":"x"}\r'), enc('\n{"b":1}\r\n')]), [{ a: "x" }, { b: 1 }]);
  });

  it("decodes a last line that has no newline", () => {
    assert.deepEqual(feed([enc('{"a":1}\n{"b"'), enc(":2}")]), [{ a: 1 }, { b: 2 }]);
  });

  it("skips blank and whitespace-only lines", () => {
    assert.deepEqual(feed([enc('\n\n{"a":1}\n   \n\t\r\n\n{"b":2}\n\n')]), [{ a: 1 }, { b: 2 }]);
  });

  it("decodes a line of several megabytes fed in small chunks", () => {
    const big = "x".repeat(6 * 1024 * 1024);
    const bytes = enc(`{"big":"${big}"}\n{"after":true}\n`);
    const out = feed(splitEvery(bytes, 64 * 1024));
    assert.equal(out.length, 2);
    assert.equal((out[0] as { big: string }).big.length, big.length);
    assert.deepEqual(out[1], { after: true });
  });

  it("turns a line that is not JSON into a MalformedLine and goes on", () => {
    const out = feed([enc('{"a":1}\nnot json {\n{"b":2}\n')]);
    assert.equal(out.length, 3);
    assert.ok(out[1] instanceof MalformedLine);
    assert.equal((out[1] as MalformedLine).line, "not json {");
    assert.ok((out[1] as MalformedLine).error.length > 0);
    assert.deepEqual(out[2], { b: 2 });
  });

  it("reports a line longer than maxLineBytes as malformed with its head, then goes on", () => {
    const d = createJsonlDecoder({ maxLineBytes: 16 });
    const out = [
      ...d.push(enc('{"long":"aaaaaa')),
      ...d.push(enc("aaaaaaaaaaaaaaaaaaaaa")),
      ...d.push(enc('"}\n{"ok":1}\n')),
      ...d.end(),
    ];
    assert.equal(out.length, 2);
    assert.ok(out[0] instanceof MalformedLine);
    assert.equal((out[0] as MalformedLine).line, '{"long":"aaaaaaa');
    assert.deepEqual(out[1], { ok: 1 });
  });

  it("keeps the last duplicate key as JSON.parse does (0.169 web_search items)", () => {
    const out = feed([enc('{"item":{"id":"item_0","type":"web_search","id":"ws_1"}}\n')]);
    assert.equal((out[0] as { item: { id: string } }).item.id, "ws_1");
  });

  it("decodeJsonl() reads a ReadableStream and an async iterable alike", async () => {
    const body = new Response('{"a":1}\n{"b":2}').body!;
    const fromStream: unknown[] = [];
    for await (const v of decodeJsonl(body)) fromStream.push(v);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield enc('{"a":');
      yield enc("1}\n");
    }
    const fromIterable: unknown[] = [];
    for await (const v of decodeJsonl(gen())) fromIterable.push(v);
    assert.deepEqual(fromStream, [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(fromIterable, [{ a: 1 }]);
  });

  it("does not reuse a chunk's buffer after push returns", () => {
    const d = createJsonlDecoder();
    const chunk = enc('{"a":"first');
    d.push(chunk);
    chunk.fill(0x20);
    assert.deepEqual([...d.push(enc('"}\n')), ...d.end()], [{ a: "first" }]);
  });

  it("decodes any values split into any chunks, with LF or CRLF, exactly as JSON.parse of each line", () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        (values, cuts, crlf, finalNewline) => {
          const eol = crlf ? "\r\n" : "\n";
          const text = values.map((v) => JSON.stringify(v)).join(eol) + (finalNewline ? eol : "");
          const bytes = enc(text);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length];
            chunks.push(bytes.slice(at, at + n));
            at += n;
          }
          assert.deepEqual(feed(chunks), values.map((v) => JSON.parse(JSON.stringify(v))));
        },
      ),
      { numRuns: 300, seed: 4242 },
    );
  });

  it("skips a byte-order mark at the start of the stream only", () => {
    const bom = [0xef, 0xbb, 0xbf];
    const bytes = new Uint8Array([...bom, ...enc('{"a":1}\n'), ...bom, ...enc('{"b":2}\n{"c":3}\n')]);
    for (const n of [1, 2, 3, 4, 11, 12, bytes.length]) {
      const out = feed(splitEvery(bytes, n));
      assert.equal(out.length, 3, `chunks of ${n}`);
      assert.deepEqual(out[0], { a: 1 });
      assert.ok(out[1] instanceof MalformedLine, `chunks of ${n}: a BOM inside the stream is not skipped`);
      assert.deepEqual(out[2], { c: 3 });
    }
  });

  it("decodes messy lines (values across lines, two per line, blanks, BOMs, bad UTF-8) exactly as JSON.parse line by line", () => {
    // The model: split the bytes on LF, decode each line (U+FFFD for bad bytes, a BOM skipped at
    // the start of the stream only), JSON.parse it; a line that fails is blank (skipped) or a
    // MalformedLine without its CR. On Bun this also checks the native Bun.JSONL path, which
    // must fall back whenever its view of the bytes differs from this one.
    const piece = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((v) => enc(JSON.stringify(v))),
      fc.jsonValue({ maxDepth: 2 }).map((v) => enc(JSON.stringify(v, null, 1) ?? "null")),
      // Non-ASCII text: on Bun these lines leave the native ASCII runs for the portable path.
      fc.jsonValue({ maxDepth: 2, stringUnit: "grapheme" }).map((v) => enc(JSON.stringify(v))),
      fc.constantFrom(
        "",
        " ",
        "\t",
        "\r",
        '{"a":1} {"b":2}',
        '{"a":1}{"b":2}',
        "[1,",
        "2]",
        '{"a":',
        "1}",
        '"\u2028"',
        "\u2028",
        "nul",
        '{"__proto__":{"x":1}}',
      ).map(enc),
      fc.constant(new Uint8Array([0xef, 0xbb, 0xbf, ...enc('{"bom":1}')])),
      fc.constant(new Uint8Array([...enc('{"s":"'), 0xff, 0xc3, ...enc('"}')])),
    );
    const decodeLine = (bytes: Uint8Array, first: boolean): string => {
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      return first && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    };
    const model = (bytes: Uint8Array): unknown[] => {
      const out: unknown[] = [];
      let start = 0;
      for (let n = 0; start <= bytes.length; n++) {
        let end = bytes.indexOf(10, start);
        if (end === -1) end = bytes.length;
        const text = decodeLine(bytes.subarray(start, end), start === 0);
        start = end + 1;
        if (text.length === 0) continue;
        try {
          out.push(JSON.parse(text));
        } catch {
          const line = text.endsWith("\r") ? text.slice(0, -1) : text;
          if (line.trim() !== "") out.push({ malformed: line });
        }
      }
      return out;
    };
    const shape = (v: unknown): unknown => v instanceof MalformedLine ? { malformed: v.line } : v;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(piece, fc.constantFrom("\n", "\r\n")), { maxLength: 24 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 5 }),
        (lines, cuts, takes) => {
          const parts: number[] = [];
          for (const [bytes, eol] of lines) parts.push(...bytes, ...enc(eol));
          const bytes = new Uint8Array(parts);
          const chunks: Uint8Array[] = [];
          for (let i = 0, at = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length];
            chunks.push(bytes.slice(at, at + n));
            at += n;
          }
          const expected = model(bytes);
          assert.deepEqual(feed(chunks).map(shape), expected, "in chunks");
          assert.deepEqual(feed([bytes]).map(shape), expected, "whole");
          assert.deepEqual(feedLazy(chunks, [1e9]).map(shape), expected, "lazily, each chunk's values all taken");
          assert.deepEqual(feedLazy(chunks, takes).map(shape), expected, "lazily, iterators left unfinished");
        },
      ),
      { numRuns: 500, seed: 777 },
    );
  });

  it("chunkReader() reuses one buffer on a byte stream, and decodeJsonl() still joins lines split across reads", async () => {
    const text = '{"a":"' + "x".repeat(300) + '"}\n{"b":2}\n{"c":"' + "é".repeat(200) + '"}\n';
    const bytes = enc(text);
    const byteStream = (): ReadableStream<Uint8Array> => {
      let at = 0;
      return new ReadableStream({
        type: "bytes",
        pull(controller) {
          if (at >= bytes.length) {
            controller.close();
            // A byte source closing under a pending BYOB read must answer it (Streams spec).
            controller.byobRequest?.respond(0);
            return;
          }
          controller.enqueue(bytes.slice(at, at + 97));
          at += 97;
        },
      });
    };
    const reader = chunkReader(byteStream(), 64);
    const sizes = new Set<number>();
    const seen: number[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      sizes.add(r.value.buffer.byteLength);
      seen.push(...r.value);
    }
    assert.deepEqual(new Uint8Array(seen), bytes);
    let byob = true;
    try {
      byteStream().getReader({ mode: "byob" }).releaseLock();
    } catch {
      byob = false;
    }
    // Each read fills the one 64-byte buffer (transferred, so a new ArrayBuffer object each time).
    if (byob) assert.deepEqual([...sizes], [64]);
    const values: unknown[] = [];
    for await (const v of decodeJsonl(byteStream())) values.push(v);
    assert.deepEqual(values, text.trim().split("\n").map((l) => JSON.parse(l)));
  });

  it("asciiRunEnd() cuts a window into runs of ASCII lines and the lines that hold a non-ASCII byte", () => {
    const lines = ['{"a":1}', '{"b":"é"}', '{"c":3}', '{"d":4}', '{"e":"😀"}', '{"f":"x"}'];
    // Long enough that the doubling blocks and the halving both run.
    const filler = Array.from({ length: 300 }, (_, i) => `{"n":${i},"pad":"${"z".repeat(40)}"}`);
    const all = [...lines.slice(0, 3), ...filler, ...lines.slice(3)];
    const bytes = enc(all.join("\n") + "\n");
    const isAscii = (b: Uint8Array): boolean => b.every((x) => x < 0x80);
    const segments: string[] = [];
    for (let at = 0; at < bytes.length;) {
      const runEnd = asciiRunEnd(isAscii, bytes, at, bytes.length);
      if (runEnd > at) {
        segments.push(`ascii ${new TextDecoder().decode(bytes.subarray(at, runEnd)).split("\n").length - 1}`);
        at = runEnd;
      } else {
        const nl = bytes.indexOf(10, at);
        segments.push(`line ${new TextDecoder().decode(bytes.subarray(at, nl))}`);
        at = nl + 1;
      }
    }
    assert.deepEqual(segments, ["ascii 1", 'line {"b":"é"}', "ascii 302", 'line {"e":"😀"}', "ascii 1"]);
  });

  it("uses the runtime's JSONL accelerator: Bun.JSONL on Bun, node:buffer on Node and Deno; each gives what TextDecoder and JSON.parse give", () => {
    const g = globalThis as { Bun?: unknown; Deno?: unknown };
    const bun = bunJsonlAccelerator();
    assert.equal(bun !== undefined, typeof g.Bun === "object");
    const nodeBuffer = nodeBufferJsonlAccelerator();
    if (typeof g.Bun !== "object") assert.ok(nodeBuffer !== undefined, "node:buffer's latin1Slice on Node and Deno");
    const bytes = enc('xx{"a":1,"s":"t"}\n[2]\n"s"\nyy');
    if (nodeBuffer !== undefined) {
      assert.equal(nodeBuffer.isAscii(bytes), true);
      assert.equal(nodeBuffer.isAscii(enc("é")), false);
      assert.equal(nodeBuffer.ascii(bytes, 2, 26), '{"a":1,"s":"t"}\n[2]\n"s"');
    }
    if (bun !== undefined) {
      assert.deepEqual(bun.ascii(bytes, 2, 26), [{ a: 1, s: "t" }, [2], "s"]);
      assert.equal(bun.ascii(enc('{"a":1}\n\n'), 0, 9), undefined, "a blank line: counts differ, portable path");
    }
  });

  it("values() parses lazily: a value not yet taken is not parsed, and a line split across chunks still comes whole", () => {
    const d = createJsonlDecoder();
    const it = d.values(enc('{"a":1}\nnot json\n{"b":'));
    assert.deepEqual(it.next(), { done: false, value: { a: 1 } });
    const second = it.next();
    assert.ok(second.value instanceof MalformedLine);
    assert.equal(it.next().done, true);
    assert.deepEqual([...d.values(enc("2}\n"))], [{ b: 2 }]);
    assert.deepEqual(d.end(), []);
  });

  it("values() with a reused buffer: the runner's way (each chunk's values taken before the next read)", () => {
    const text = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, s: i % 7 ? "ascii" : "ünï" })).join("\n") + "\n";
    const all = enc(text);
    const buffer = new Uint8Array(37);
    const d = createJsonlDecoder();
    const out: unknown[] = [];
    for (let at = 0; at < all.length; at += buffer.length) {
      const n = Math.min(buffer.length, all.length - at);
      buffer.set(all.subarray(at, at + n));
      for (const v of d.values(buffer.subarray(0, n))) out.push(v);
      buffer.fill(0x7b); // the next read overwrites it
    }
    out.push(...d.end());
    assert.deepEqual(out, text.trim().split("\n").map((l) => JSON.parse(l)));
  });

  it("bounds a line by maxLineBytes however the chunks fall, within one chunk too", () => {
    const line = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.jsonValue({ maxDepth: 1, stringUnit: "grapheme" }).map((v) => JSON.stringify(v)),
      fc.constantFrom("", "not json", "\r"),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.integer({ min: 4, max: 48 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }),
        (lines, max, cuts) => {
          const bytes = enc(lines.map((l) => l + "\n").join(""));
          const expected: unknown[] = [];
          for (const l of lines) {
            const b = enc(l);
            if (b.length > max) {
              expected.push({ tooLong: new TextDecoder().decode(b.subarray(0, max)), bytes: b.length });
              continue;
            }
            try {
              if (l.length) expected.push(JSON.parse(l));
            } catch {
              if (l.trim() !== "") expected.push({ malformed: l });
            }
          }
          const shape = (v: unknown): unknown =>
            v instanceof MalformedLine
              ? v.error.startsWith("line longer") ? { tooLong: v.line, bytes: v.bytes } : { malformed: v.line }
              : v;
          const run = (chunks: Uint8Array[]): unknown[] => {
            const d = createJsonlDecoder({ maxLineBytes: max });
            const out: unknown[] = [];
            for (const c of chunks) out.push(...d.push(c));
            return [...out, ...d.end()].map(shape);
          };
          const chunks: Uint8Array[] = [];
          for (let i = 0, at = 0; at < bytes.length; i++) {
            chunks.push(bytes.slice(at, at + cuts[i % cuts.length]));
            at += cuts[i % cuts.length];
          }
          assert.deepEqual(run([bytes]), expected, "whole");
          assert.deepEqual(run(chunks), expected, "in chunks");
          assert.deepEqual(feedLazy([bytes], [1], { maxLineBytes: max }).map(shape), expected, "lazily, whole");
          assert.deepEqual(feedLazy(chunks, [0, 2, 1], { maxLineBytes: max }).map(shape), expected, "lazily, in chunks");
        },
      ),
      { numRuns: 300, seed: 99 },
    );
  });

  it("decodeJsonl() reads a streamed fetch() body of 2 MB, in order", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      let i = 0;
      const t = setInterval(() => {
        res.write(JSON.stringify({ i, pad: "é".repeat(50_000) }) + "\n");
        if (++i === 20) {
          clearInterval(t);
          res.end();
        }
      }, 2);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/`);
      const seen: number[] = [];
      for await (const v of decodeJsonl(res.body!)) seen.push((v as { i: number; pad: string }).i);
      assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
    } finally {
      server.close();
    }
  });
});
