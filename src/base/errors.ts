/**
 * The runner's error class: every failure of a Codex run is a {@link CodexExecError} with a
 * stable `code` and a message that says what to do next.
 * @module
 */

/** Stable codes of {@link CodexExecError}. */
export type CodexExecErrorCode =
  | "exit_nonzero"
  | "turn_failed"
  | "not_found"
  | "timeout"
  | "aborted"
  | "stopped"
  | "spawn_failed"
  | "stream_error"
  | "no_spawner"
  | "no_fs"
  | "invalid_options"
  | "invalid_output"
  // app-server transport (codex/transports/app-server.ts, app-server/rpc.ts)
  | "rpc_error"
  | "rpc_timeout"
  | "closed"
  | "not_running"
  | "unsupported";

/** Details carried by a {@link CodexExecError}. */
export interface CodexExecErrorDetails {
  /** Exit code of the CLI, when it exited. */
  exitCode?: number | null;
  /** Signal that ended the CLI, when one did. */
  signal?: string | null;
  /** The last bytes the CLI wrote to stderr. */
  stderrTail?: string;
  /** Thread id, when known. */
  threadId?: string;
  /** Process id of the CLI, when it was spawned. */
  pid?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A failed Codex run.
 *
 * @example Tell a failed turn from a crash
 * ```ts
 * import { CodexExecError } from "./errors.ts";
 * const error: unknown = new CodexExecError("turn_failed", "model said no");
 * if (error instanceof CodexExecError && error.code === "turn_failed") console.log(error.message);
 * ```
 */
export class CodexExecError extends Error {
  /** Stable error code. */
  readonly code: CodexExecErrorCode;
  /** Exit code of the CLI, when it exited. */
  readonly exitCode: number | null | undefined;
  /** Signal that ended the CLI, when one did. */
  readonly signal: string | null | undefined;
  /** The last bytes the CLI wrote to stderr. */
  readonly stderrTail: string | undefined;
  /** Thread id, when known. */
  readonly threadId: string | undefined;
  /** Process id of the CLI, when it was spawned. */
  readonly pid: number | undefined;
  /**
   * Creates the error.
   *
   * @param code Stable error code.
   * @param message What went wrong and what to do next.
   * @param details Exit code, signal, stderr tail, thread id, cause.
   */
  constructor(code: CodexExecErrorCode, message: string, details: CodexExecErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "CodexExecError";
    this.code = code;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail;
    this.threadId = details.threadId;
    this.pid = details.pid;
  }
}
