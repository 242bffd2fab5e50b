/**
 * The process seam: the core runs the Codex CLI through a {@link Spawner}, and each runtime
 * (Node, Bun, Deno) supplies one. Types only: nothing here touches a runtime API.
 * @module
 */

/** How a child process ended: an exit code, or the name of the signal that killed it. */
export interface ExitStatus {
  /** Exit code; `null` when a signal ended the process. */
  code: number | null;
  /** Signal name (`"SIGTERM"`); `null` when the process exited by itself. */
  signal: string | null;
}

/** Options of {@link Spawner.spawn}. */
export interface SpawnOptions {
  /** Working directory. @default the parent's */
  cwd?: string;
  /** The complete environment of the child (not merged with the parent's). */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed; without it stdin is closed at once. */
  stdin?: string | Uint8Array;
  /**
   * Start the child as the leader of a new process group, so {@link SpawnedProcess.kill} also
   * reaches the processes it started. @default false
   */
  processGroup?: boolean;
  /** Bytes of stderr kept (the tail). @default 65536 */
  stderrTailBytes?: number;
}

/** A running child process. */
export interface SpawnedProcess {
  /** Process id. */
  readonly pid: number;
  /** Standard output as bytes. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The last `stderrTailBytes` of standard error, decoded as UTF-8. */
  stderrTail(): string;
  /** Settles once when the process ends (subscribed at spawn, so an early exit is never missed). */
  readonly exited: Promise<ExitStatus>;
  /** Whether {@link SpawnedProcess.exited} has settled. */
  readonly hasExited: boolean;
  /**
   * Sends a signal to the process (to its whole group when spawned with `processGroup`).
   *
   * @param signal Signal name. @default "SIGTERM"
   * @returns `false` when nothing was signalled (already gone).
   */
  kill(signal?: string): boolean;
}

/** Starts child processes: one adapter per runtime. */
export interface Spawner {
  /** Adapter name: `node`, `bun`, `deno` or a custom one. */
  readonly name: string;
  /**
   * Starts `cmd` with `args`. Rejects (with an error whose `code` is `ENOENT` for a missing
   * binary) when the process could not be started.
   *
   * @param cmd Executable path or name.
   * @param args Arguments.
   * @param options Working directory, environment, stdin, process group.
   * @returns The running process.
   */
  spawn(cmd: string, args: readonly string[], options?: SpawnOptions): Promise<SpawnedProcess>;
}

/**
 * Keeps the last `limit` bytes written to it, for a bounded stderr tail.
 *
 * @example
 * ```ts
 * import { ByteTail } from "./spawner.ts";
 * const tail = new ByteTail(4);
 * tail.push(new TextEncoder().encode("hello"));
 * tail.text(); // "ello"
 * ```
 */
export class ByteTail {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  /**
   * Creates an empty tail.
   *
   * @param limit Bytes kept.
   */
  constructor(limit = 65536) {
    this.#limit = limit;
  }
  /**
   * Appends bytes, dropping the oldest beyond the limit.
   *
   * @param chunk Bytes.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const c = chunk.length > this.#limit ? chunk.slice(chunk.length - this.#limit) : chunk.slice();
    this.#chunks.push(c);
    this.#size += c.length;
    while (this.#size - this.#chunks[0].length >= this.#limit) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }
  /**
   * The kept bytes as text (a multi-byte character cut at the front becomes U+FFFD).
   *
   * @returns The tail.
   */
  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    const start = Math.max(0, this.#size - this.#limit);
    return new TextDecoder().decode(all.subarray(start));
  }
}

/**
 * Reads a byte stream to its end into a {@link ByteTail} (stderr of the Bun and Deno adapters).
 * Best effort: a broken pipe ends the tail instead of failing the run.
 *
 * @param stream The stream to drain.
 * @param tail Where its last bytes are kept.
 * @returns Once the stream ended or broke.
 */
export async function drainToTail(stream: ReadableStream<Uint8Array>, tail: ByteTail): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      tail.push(value);
    }
  } catch {
    // stderr is best effort: a broken pipe ends the tail.
  }
}

/** What {@link chunkReader} returns: the part of a stream reader the runner needs. */
export interface ChunkReader {
  /**
   * Reads the next chunk. With a byte stream the chunk is a view of one reused buffer: it is
   * valid until the next `read()`, so a consumer that keeps bytes copies them.
   *
   * @returns The next chunk, or `done`.
   */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /**
   * Cancels the stream.
   *
   * @returns Once cancelled.
   */
  cancel(): Promise<void>;
  /** Releases the stream's lock. */
  releaseLock(): void;
}

/**
 * Reads a byte stream into one reused buffer when the stream is a byte stream (a BYOB reader;
 * Deno's child pipes are), else with its default reader. Reading a 1 GB child stream on Deno this
 * way cut RSS growth from 57 MB to 14 MB: no 64 KB chunk of garbage per read.
 *
 * @param stream The stream (`SpawnedProcess.stdout`).
 * @param size The reused buffer's size in bytes. @default 262144
 * @returns The reader.
 * @example
 * ```ts
 * import { chunkReader } from "./spawner.ts";
 * const reader = chunkReader(new Response("a\nb\n").body!);
 * for (let r = await reader.read(); !r.done; r = await reader.read()) console.log(r.value.length);
 * ```
 */
export function chunkReader(stream: ReadableStream<Uint8Array>, size = 262_144): ChunkReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    return stream.getReader();
  }
  let buffer = new Uint8Array(size);
  return {
    async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
      const r = await byob.read(buffer);
      // The read transferred the buffer: the next one reuses it, whole, through the new view.
      if (r.value !== undefined) buffer = new Uint8Array(r.value.buffer, 0, size);
      return r.done ? { done: true, value: undefined } : r;
    },
    cancel: (): Promise<void> => byob.cancel(),
    releaseLock: (): void => byob.releaseLock(),
  };
}
