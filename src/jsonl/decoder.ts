/**
 * A streaming JSON Lines decoder over bytes: splits on `\n` with `Uint8Array.indexOf`, decodes
 * each run of complete lines once (UTF-8 never has a 0x0A inside a multi-byte character, so a
 * byte split is safe), handles CRLF, blank lines, a byte-order mark at the start of the stream, a
 * last line without newline and lines of many megabytes (kept as a list of chunks until their
 * newline comes, joined once). A line that is not JSON becomes a {@link MalformedLine} instead of
 * an exception: the stream goes on. Where the runtime offers it, runs of ASCII lines skip the
 * UTF-8 decode (`jsonl/ascii-runs.ts` and the runtime adapters' `jsonl.ts`).
 * @module
 */
import { bunJsonlAccelerator } from "../runtime/bun/jsonl.ts";
import { denoJsonlAccelerator } from "../runtime/deno/jsonl.ts";
import { walkAsciiRuns } from "./ascii-runs.ts";
import type { AsciiAccelerator } from "./ascii-runs.ts";
import { chunkReader } from "../runtime/spawner.ts";

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
   * Ends the stream: a last line without newline is decoded now.
   *
   * @returns The value of that line, if any.
   */
  end(): JsonlRecord[];
}

const NL = 10;

// The runtime's accelerator, looked up once (the lookups reach for globals and builtin modules).
let cachedAcc: AsciiAccelerator | undefined | null = null;
const accelerator = (): AsciiAccelerator | undefined =>
  cachedAcc === null ? (cachedAcc = bunJsonlAccelerator() ?? denoJsonlAccelerator()) : cachedAcc;
const BOM = [0xef, 0xbb, 0xbf];

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
 * const values = [...d.push(bytes), ...d.push(new TextEncoder().encode(":2}")), ...d.end()];
 * // [{ a: 1 }, MalformedLine { line: "not json" }, { b: 2 }]
 * console.log(values.length, values[1] instanceof MalformedLine);
 * ```
 */
export function createJsonlDecoder(options: JsonlDecoderOptions = {}): JsonlDecoder {
  const maxLine = options.maxLineBytes ?? 268_435_456;
  // A byte-order mark is skipped in bytes, at the start of the stream only (push): TextDecoder's
  // own handling would strip one at the start of every decode() call, that is, of any chunk.
  const td = new TextDecoder("utf-8", { ignoreBOM: true });
  const acc = accelerator();
  let bomAt = 0; // BOM bytes matched at the start of the stream; -1 once settled
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let overflow = false;

  // JSON.parse takes a trailing CR as whitespace, so CRLF and blank lines cost nothing on the
  // hot path: they are only looked at when a line fails to parse.
  const line = (text: string, bytes: number, out: JsonlRecord[]): void => {
    if (text.length === 0) return;
    try {
      out.push(JSON.parse(text));
    } catch (error) {
      malformed(text, (error as Error).message, bytes, out);
    }
  };

  const malformed = (text: string, error: string, bytes: number, out: JsonlRecord[]): void => {
    const s = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    if (s.trim() === "") return;
    out.push(new MalformedLine(s, error, bytes >= 0 ? bytes : new TextEncoder().encode(text).length));
  };

  const joinPending = (tail: Uint8Array): Uint8Array => {
    let kept = tail.length;
    for (const p of pending) kept += p.length;
    const all = new Uint8Array(kept);
    let at = 0;
    for (const p of pending) {
      all.set(p, at);
      at += p.length;
    }
    all.set(tail, at);
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

  const tooLong = (head: Uint8Array, bytes: number, out: JsonlRecord[]): void => {
    out.push(new MalformedLine(td.decode(head), `line longer than maxLineBytes (${maxLine})`, bytes));
  };

  const finishPending = (tail: Uint8Array, out: JsonlRecord[]): void => {
    const bytes = pendingLen + tail.length;
    if (overflow) tooLong(joinPending(new Uint8Array(0)), bytes, out);
    else if (bytes > maxLine) tooLong(joinPending(tail).subarray(0, maxLine), bytes, out);
    else line(td.decode(pendingLen === 0 ? tail : joinPending(tail)), bytes, out);
    pending = [];
    pendingLen = 0;
    overflow = false;
  };

  // Decoded text (no trailing newline): indexOf + slice per line (sliced strings share the
  // decoded text; no copy).
  const text = (t: string, out: JsonlRecord[]): void => {
    let i = 0;
    for (;;) {
      const j = t.indexOf("\n", i);
      if (j === -1) {
        line(i === 0 ? t : t.slice(i), -1, out);
        break;
      }
      line(t.slice(i, j), -1, out);
      i = j + 1;
    }
  };

  // The complete lines bytes[start, end), `end` just past a newline: one decode for all of them.
  const portable = (bytes: Uint8Array, start: number, end: number, out: JsonlRecord[]): void =>
    text(td.decode(bytes.subarray(start, end - 1)), out);

  const lines = (bytes: Uint8Array, start: number, end: number, out: JsonlRecord[]): void => {
    if (acc === undefined) portable(bytes, start, end, out);
    else walkAsciiRuns(acc, bytes, start, end, out, text, portable);
  };

  // The complete lines bytes[start, end) of one chunk. Only a window longer than the bound can
  // hold a line over it, so only then is each line measured.
  const complete = (bytes: Uint8Array, start: number, end: number, out: JsonlRecord[]): void => {
    if (end - start <= maxLine) return lines(bytes, start, end, out);
    let run = start;
    for (let at = start; at < end;) {
      const nl = bytes.indexOf(NL, at);
      if (nl - at > maxLine) {
        if (at > run) lines(bytes, run, at, out);
        tooLong(bytes.subarray(at, at + maxLine), nl - at, out);
        run = nl + 1;
      }
      at = nl + 1;
    }
    if (run < end) lines(bytes, run, end, out);
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

  return {
    push(chunk: Uint8Array): JsonlRecord[] {
      const out: JsonlRecord[] = [];
      if (bomAt >= 0) chunk = skipBom(chunk);
      const first = chunk.indexOf(NL);
      if (first === -1) {
        if (chunk.length > 0) keep(chunk);
        return out;
      }
      let start = 0;
      if (pendingLen > 0) {
        if (overflow) pendingLen += first;
        finishPending(overflow ? new Uint8Array(0) : chunk.subarray(0, first), out);
        start = first + 1;
      }
      const last = chunk.lastIndexOf(NL);
      if (last >= start) {
        complete(chunk, start, last + 1, out);
      }
      if (last + 1 < chunk.length) keep(chunk.subarray(last + 1));
      return out;
    },
    end(): JsonlRecord[] {
      const out: JsonlRecord[] = [];
      // A stream of only part of a BOM: those bytes were data after all.
      if (bomAt > 0) keep(new Uint8Array(BOM.slice(0, bomAt)));
      bomAt = -1;
      if (pendingLen > 0) finishPending(new Uint8Array(0), out);
      return out;
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
        yield* decoder.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    for await (const chunk of source) yield* decoder.push(chunk);
  }
  yield* decoder.end();
}
