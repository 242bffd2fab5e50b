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
   * Keep stdin open as {@link SpawnedProcess.stdin} instead (a long-lived child that reads
   * requests, such as `codex app-server`); `stdin` is then ignored. @default false
   */
  openStdin?: boolean;
  /**
   * Start the child as the leader of a new process group, so {@link SpawnedProcess.kill} also
   * reaches the processes it started. @default false
   */
  processGroup?: boolean;
  /** Bytes of stderr kept (the tail). @default 65536 */
  stderrTailBytes?: number;
}

/** The open stdin of a child spawned with {@link SpawnOptions.openStdin}. */
export interface ProcessStdin {
  /**
   * Writes bytes (text as UTF-8). Writes are kept in order and never interleave.
   *
   * @param data What to write.
   * @returns Once the runtime took the bytes; rejects (code `EPIPE`) when stdin is closed or the
   *   child is gone.
   */
  write(data: string | Uint8Array): Promise<void>;
  /**
   * Closes stdin after the pending writes (the child sees end of input).
   *
   * @returns Once closed; never rejects.
   */
  close(): Promise<void>;
  /** Whether {@link ProcessStdin.close} was called. */
  readonly closed: boolean;
}

/** A running child process. */
export interface SpawnedProcess {
  /** Process id. */
  readonly pid: number;
  /** Standard output as bytes. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The open stdin, when spawned with {@link SpawnOptions.openStdin}. */
  readonly stdin?: ProcessStdin;
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
  /**
   * Whether the child (its handle and pipes) keeps the host's event loop alive. A long-lived
   * child that is idle (`codex app-server` between turns) is let go with `false`, so a host that
   * forgot to close it can still exit (the exit guard then ends its group). Absent where the
   * runtime cannot do it: on Bun a pending pipe read holds the loop whatever `unref()` says.
   *
   * @param on `true` to hold the loop (the default), `false` to let go.
   */
  keepAlive?(on: boolean): void;
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
