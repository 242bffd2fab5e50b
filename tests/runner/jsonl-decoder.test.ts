import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createJsonlDecoder, decodeJsonl, MalformedLine } from "../../mod.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function feed(chunks: Uint8Array[]): unknown[] {
  const d = createJsonlDecoder();
  const out: unknown[] = [];
  for (const c of chunks) out.push(...d.push(c));
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
});
