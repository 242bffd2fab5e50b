/**
 * What the three spawner adapters share once each has started its child: exit-status tracking,
 * the bounded stderr tail, a stdin that is either written and closed or kept open as a writer,
 * and `kill` that signals the process group and falls back to the leader.
 * @module
 */
import type { ExitStatus, ProcessStdin, SpawnedProcess, SpawnOptions } from "./spawner.ts";

/** The runtime-specific half of a child, as an adapter sees it. */
export interface ChildParts {
  /** Process id. */
  readonly pid: number;
  /** Standard output. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Standard error as a stream to drain into the tail (Bun, Deno); Node pushes into the tail itself. */
  readonly stderr?: ReadableStream<Uint8Array>;
  /** Settles once with the exit status (never rejects). */
  readonly status: Promise<ExitStatus>;
  /** Writes to stdin; resolves once the runtime took the bytes. */
  writeStdin(data: Uint8Array): Promise<void>;
  /** Closes stdin. */
  closeStdin(): Promise<void>;
  /**
   * Writes `data` (if any) and closes stdin at once, without waiting: the one-shot path. The CLI
   * starts only at end of input, so this must not cost an event-loop turn (measured: awaiting the
   * write before closing made each exec run ~7% slower).
   */
  endStdin(data: string | Uint8Array | undefined): void;
  /** Signals the whole process group; `undefined` when there is no group to signal. */
  killGroup?(signal: string): boolean;
  /** Signals the leader itself. */
  killChild(signal: string): boolean;
  /** Refs / unrefs the child and its pipes, where the runtime can. */
  keepAlive?(on: boolean): void;
}

const encoder = new TextEncoder();

/**
 * Turns an adapter's {@link ChildParts} into the {@link SpawnedProcess} of the seam.
 *
 * @param parts The runtime-specific half.
 * @param options The spawn options (stdin, tail size, process group).
 * @param tail The tail stderr goes to (created here when omitted).
 * @returns The process.
 */
export function spawnedProcess(parts: ChildParts, options: SpawnOptions, tail?: ByteTail): SpawnedProcess {
  const stderr = tail ?? new ByteTail(options.stderrTailBytes);
  if (parts.stderr !== undefined) void drainToTail(parts.stderr, stderr);
  let hasExited = false;
  const exited = parts.status.then((s) => {
    hasExited = true;
    return s;
  });
  const group = options.processGroup === true && parts.killGroup !== undefined;
  let stdin: ProcessStdin | undefined;
  if (options.openStdin === true) stdin = stdinWriter(parts, () => hasExited);
  else {
    // Written then closed; EPIPE (the child exited without reading) is not the host's problem.
    try {
      parts.endStdin(options.stdin);
    } catch { /* the child exited before reading stdin */ }
  }
  return {
    pid: parts.pid,
    stdout: parts.stdout,
    stdin,
    keepAlive: parts.keepAlive,
    stderrTail: () => stderr.text(),
    exited,
    get hasExited() {
      return hasExited;
    },
    kill(signal = "SIGTERM"): boolean {
      if (group) {
        try {
          if (parts.killGroup!(signal)) return true;
        } catch { /* group gone: fall back to the leader */ }
      }
      if (hasExited) return false;
      try {
        return parts.killChild(signal);
      } catch {
        return false;
      }
    },
  };
}

/** Serializes writes (a line is never interleaved with another) and fails them clearly once closed. */
function stdinWriter(parts: ChildParts, gone: () => boolean): ProcessStdin {
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const closedError = (): Error =>
    Object.assign(new Error("the child's stdin is closed or the child has exited"), { code: "EPIPE" });
  return {
    write(data: string | Uint8Array): Promise<void> {
      if (closed || gone()) return Promise.reject(closedError());
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      // Bun's FileSink takes writes to a dead child without complaint: check again when it is our turn.
      const next = chain.then(() => (gone() ? Promise.reject(closedError()) : parts.writeStdin(bytes)));
      // The chain goes on after a failed write; the caller still sees the failure.
      chain = next.catch(() => {});
      return next;
    },
    close(): Promise<void> {
      if (closed) return chain;
      closed = true;
      const next = chain.then(() => parts.closeStdin()).catch(() => {});
      chain = next;
      return next;
    },
    get closed(): boolean {
      return closed;
    },
  };
}

/**
 * Keeps the last `limit` bytes written to it, for a bounded stderr tail.
 *
 * @example
 * ```ts
 * import { ByteTail } from "./child.ts";
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
