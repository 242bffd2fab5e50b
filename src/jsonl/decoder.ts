/**
 * A streaming JSON Lines decoder over bytes: CRLF, blank lines, a byte-order mark, a last line
 * without newline, lines of many megabytes; a line that is not JSON becomes a {@link MalformedLine}.
 * @module
 */
// Lines are split on `\n` with `Uint8Array.indexOf` (UTF-8 never has 0x0A inside a character) and
// each run of complete lines is decoded once; a long line is kept as chunks until its newline comes.
// Where the runtime offers it, ASCII runs skip the UTF-8 decode (`runtime/jsonl-accelerator.ts`).
// `values()` decodes and parses each line only when its consumer reaches it, which keeps scavenges
// from finding a chunk's worth of values alive (docs/PERFORMANCE-NOTES.md).
import { chunkReader } from "../runtime/chunk-reader.ts";
import { jsonlAccelerator } from "../runtime/jsonl-accelerator.ts";
import { asciiRunEnd } from "./ascii-runs.ts";

/** A line that was not valid JSON. */
export class MalformedLine {
  /** The raw line (CR stripped), possibly cut to `maxLineBytes`. */
  readonly line: string;
  /** The `JSON.parse` error message. */
  readonly error: string;
  /** The line's length in bytes before any cut. */
  readonly bytes: number;
  /**
   * Describes a line that did not parse.
   *
   * @param line The raw line.
   * @param error Why it did not parse.
   * @param bytes Its length in bytes.
   */
  constructor(line: string, error: string, bytes: number) {
    this.line = line;
    this.error = error;
    this.bytes = bytes;
  }
}

/** Options of {@link createJsonlDecoder}. */
export interface JsonlDecoderOptions {
  /**
   * Longest line accepted, in bytes; a longer one is dropped and reported as a
   * {@link MalformedLine} holding its first `maxLineBytes` bytes. @default 268435456 (256 MiB)
   */
  maxLineBytes?: number;
}

/** What the decoder produces for each non-blank line: a parsed value or a {@link MalformedLine}. */
export type JsonlRecord = unknown;

/** A push-style decoder: feed chunks, get the values of the lines they complete. */
export interface JsonlDecoder {
  /**
   * Feeds bytes.
   *
   * @param chunk The next bytes of the stream.
   * @returns The values of the lines completed by this chunk (malformed ones as {@link MalformedLine}).
   */
  push(chunk: Uint8Array): JsonlRecord[];
  /**
   * Feeds bytes and parses the lines they complete lazily: each line is decoded and parsed when
   * the iterator reaches it, so a consumer that handles each value before taking the next keeps
   * at most one value of the chunk alive (what keeps the young heap small on a long stream). The
   * chunk's bytes are read as the iterator advances: leave them unchanged until it is done, or
   * until the next call on this decoder, which first finishes what the iterator left.
   *
   * @param chunk The next bytes of the stream.
   * @returns The values of the lines completed by this chunk, in order.
   */
  values(chunk: Uint8Array): IterableIterator<JsonlRecord>;
  /**
   * Ends the stream: a last line without newline is decoded now.
   *
   * @returns The value of that line, if any.
   */
  end(): JsonlRecord[];
}

const NL = 10;

const BOM = [0xef, 0xbb, 0xbf];
// What `next` returns when the chunk has no more lines.
const DONE: unique symbol = Symbol("done");

/**
 * Creates a streaming JSONL decoder.
 *
 * @param options Line length bound.
 * @returns The decoder.
 * @example
 * ```ts
 * import { createJsonlDecoder, MalformedLine } from "./decoder.ts";
 * const d = createJsonlDecoder();
 * const bytes = new TextEncoder().encode('{"a":1}\r\nnot json\n{"b"');
 * const values = [...d.push(bytes), ...d.values(new TextEncoder().encode(":2}\n")), ...d.end()];
 * // [{ a: 1 }, MalformedLine { line: "not json" }, { b: 2 }]
 * console.log(values.length, values[1] instanceof MalformedLine);
 * ```
 */
export function createJsonlDecoder(options: JsonlDecoderOptions = {}): JsonlDecoder {
  const maxLine = options.maxLineBytes ?? 268_435_456;
  // A byte-order mark is skipped in bytes, at the start of the stream only (push): TextDecoder's
  // own handling would strip one at the start of every decode() call, that is, of any chunk.
  const td = new TextDecoder("utf-8", { ignoreBOM: true });
  const acc = jsonlAccelerator();
  let bomAt = 0; // BOM bytes matched at the start of the stream; -1 once settled
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let overflow = false;

  // Lazy state. Values ready to hand out (a finished pending line, too-long lines, values an
  // accelerator parsed), then the decoded text being split (`text` from `textAt`), then the
  // complete lines bytes[at, stop) of the current chunk, not decoded yet.
  let ready: JsonlRecord[] = [];
  let readyAt = 0;
  let text: string | undefined;
  let textAt = 0;
  let bytes: Uint8Array = new Uint8Array(0);
  let at = 0;
  let stop = 0;

  const malformed = (t: string, error: string, size: number): MalformedLine | undefined => {
    const s = t.charCodeAt(t.length - 1) === 13 ? t.slice(0, -1) : t;
    return s.trim() === "" ? undefined : new MalformedLine(s, error, size >= 0 ? size : new TextEncoder().encode(t).length);
  };

  // JSON.parse takes a trailing CR as whitespace, so CRLF and blank lines cost nothing on the
  // hot path: they are only looked at when a line fails to parse.
  const parse = (t: string, size: number): JsonlRecord | typeof DONE => {
    try {
      return JSON.parse(t);
    } catch (error) {
      return malformed(t, (error as Error).message, size) ?? DONE;
    }
  };

  const parseNow = (t: string, size: number): void => {
    if (t.length === 0) return;
    const v = parse(t, size);
    if (v !== DONE) ready.push(v);
  };

  // The next value, decoding and parsing no more than it needs.
  const next = (): JsonlRecord | typeof DONE => {
    for (;;) {
      if (readyAt < ready.length) {
        const v = ready[readyAt++];
        if (readyAt === ready.length) {
          ready = [];
          readyAt = 0;
        }
        return v;
      }
      if (text !== undefined) {
        // indexOf + slice per line: sliced strings share the decoded text, no copy.
        const j = text.indexOf("\n", textAt);
        const t = j === -1 ? (textAt === 0 ? text : text.slice(textAt)) : text.slice(textAt, j);
        if (j === -1) text = undefined;
        else textAt = j + 1;
        if (t.length === 0) continue;
        const v = parse(t, -1);
        if (v !== DONE) return v;
        continue;
      }
      if (at >= stop) return DONE;
      textAt = 0;
      // Without an accelerator the whole window is one run, decoded at once.
      const runEnd = acc === undefined ? stop : asciiRunEnd(acc.isAscii, bytes, at, stop);
      if (runEnd > at) {
        const r = acc?.ascii(bytes, at, runEnd);
        if (typeof r === "object") ready = r;
        else text = r ?? td.decode(bytes.subarray(at, runEnd - 1));
        at = runEnd;
      } else {
        // The line holding the non-ASCII byte, on the portable path.
        const nl = bytes.indexOf(NL, at);
        text = td.decode(bytes.subarray(at, nl));
        at = nl + 1;
      }
    }
  };

  const drain = (): JsonlRecord[] => {
    const out: JsonlRecord[] = [];
    for (let v = next(); v !== DONE; v = next()) out.push(v);
    return out;
  };

  // What an earlier `values()` iterator left is finished first, from its bytes, which the caller
  // kept unchanged until now.
  const settle = (): void => {
    if (text === undefined && at >= stop) return;
    ready = drain();
    readyAt = 0;
  };

  const joinPending = (tail: Uint8Array): Uint8Array => {
    let kept = tail.length;
    for (const p of pending) kept += p.length;
    const all = new Uint8Array(kept);
    let o = 0;
    for (const p of pending) {
      all.set(p, o);
      o += p.length;
    }
    all.set(tail, o);
    return all;
  };

  const keep = (part: Uint8Array): void => {
    if (overflow) {
      pendingLen += part.length;
      return;
    }
    if (pendingLen + part.length > maxLine) {
      // Keep the head for the report, drop the rest until the newline.
      const room = maxLine - pendingLen;
      if (room > 0) pending.push(part.slice(0, room));
      overflow = true;
      pendingLen += part.length;
      return;
    }
    // Copy: some runtimes reuse the chunk's buffer after the read.
    pending.push(part.slice());
    pendingLen += part.length;
  };

  const tooLong = (head: Uint8Array, size: number): void => {
    ready.push(new MalformedLine(td.decode(head), `line longer than maxLineBytes (${maxLine})`, size));
  };

  const finishPending = (tail: Uint8Array): void => {
    const size = pendingLen + tail.length;
    if (overflow) tooLong(joinPending(new Uint8Array(0)), size);
    else if (size > maxLine) tooLong(joinPending(tail).subarray(0, maxLine), size);
    else parseNow(td.decode(pendingLen === 0 ? tail : joinPending(tail)), size);
    pending = [];
    pendingLen = 0;
    overflow = false;
  };

  // The complete lines chunk[start, end) of one chunk, left for `next`. Only a window longer than
  // the bound can hold a line over it: then each line is measured, and the lines are decoded now.
  const complete = (chunk: Uint8Array, start: number, end: number): void => {
    bytes = chunk;
    at = start;
    stop = end;
    if (end - start <= maxLine) return;
    stop = start;
    for (let from = start; from < end;) {
      const nl = chunk.indexOf(NL, from);
      if (nl - from > maxLine) {
        settle();
        tooLong(chunk.subarray(from, from + maxLine), nl - from);
        at = stop = nl + 1;
      } else {
        stop = nl + 1;
      }
      from = nl + 1;
    }
    settle();
  };

  const skipBom = (chunk: Uint8Array): Uint8Array => {
    let i = 0;
    while (i < chunk.length && bomAt < 3 && chunk[i] === BOM[bomAt]) {
      i++;
      bomAt++;
    }
    if (bomAt === 3) {
      bomAt = -1;
      return chunk.subarray(i);
    }
    if (i === chunk.length) return chunk.subarray(i); // a BOM so far: wait for more bytes
    // Not a BOM: give back what earlier chunks matched; this chunk is data from its start.
    if (bomAt > i) keep(new Uint8Array(BOM.slice(0, bomAt - i)));
    bomAt = -1;
    return chunk;
  };

  const feed = (chunk: Uint8Array): void => {
    settle();
    // A plain view: a subclass (Node's Buffer) makes every subarray() go through its species
    // constructor, which the ASCII-run search calls several times per run.
    if (chunk.constructor !== Uint8Array) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bomAt >= 0) chunk = skipBom(chunk);
    const first = chunk.indexOf(NL);
    if (first === -1) {
      if (chunk.length > 0) keep(chunk);
      return;
    }
    let start = 0;
    if (pendingLen > 0) {
      if (overflow) pendingLen += first;
      finishPending(overflow ? new Uint8Array(0) : chunk.subarray(0, first));
      start = first + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) complete(chunk, start, last + 1);
    if (last + 1 < chunk.length) keep(chunk.subarray(last + 1));
  };

  const iterator: IterableIterator<JsonlRecord> = {
    next(): IteratorResult<JsonlRecord> {
      const v = next();
      return v === DONE ? { done: true, value: undefined } : { done: false, value: v };
    },
    [Symbol.iterator](): IterableIterator<JsonlRecord> {
      return iterator;
    },
  };

  return {
    push(chunk: Uint8Array): JsonlRecord[] {
      feed(chunk);
      return drain();
    },
    values(chunk: Uint8Array): IterableIterator<JsonlRecord> {
      feed(chunk);
      return iterator;
    },
    end(): JsonlRecord[] {
      settle();
      // A stream of only part of a BOM: those bytes were data after all.
      if (bomAt > 0) keep(new Uint8Array(BOM.slice(0, bomAt)));
      bomAt = -1;
      if (pendingLen > 0) finishPending(new Uint8Array(0));
      return drain();
    },
  };
}

/**
 * Decodes a byte stream of JSON Lines, yielding one value per non-blank line (a
 * {@link MalformedLine} for a line that is not JSON).
 *
 * @param source A `ReadableStream` or any async iterable of byte chunks.
 * @param options Line length bound.
 * @returns The values, in order.
 * @example
 * ```ts
 * import { decodeJsonl } from "./decoder.ts";
 * const body = new Response('{"type":"turn.started"}\n').body!;
 * for await (const value of decodeJsonl(body)) console.log(value);
 * ```
 */
export async function* decodeJsonl(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: JsonlDecoderOptions = {},
): AsyncGenerator<JsonlRecord, void, undefined> {
  const decoder = createJsonlDecoder(options);
  if (source instanceof ReadableStream) {
    const reader = chunkReader(source);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        yield* decoder.values(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    for await (const chunk of source) yield* decoder.values(chunk);
  }
  yield* decoder.end();
}
