/**
 * A reader of a child's stdout (or any byte stream) that reuses one buffer when the stream is a
 * byte stream, so a long stream leaves no garbage per read.
 * @module
 */

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
 * way leaves no 64 KB chunk of garbage per read (docs/PERFORMANCE-NOTES.md).
 *
 * @param stream The stream (`SpawnedProcess.stdout`).
 * @param size The reused buffer's size in bytes. @default 262144
 * @returns The reader.
 * @example
 * ```ts
 * import { chunkReader } from "./chunk-reader.ts";
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
