/**
 * The transport seam: how a {@link Thread} runs one turn through the Codex CLI. A transport starts
 * the turn and hands back a {@link TurnSession}: batches of protocol records (the CLI's events in
 * the exec-path shapes of `events.ts`), cancel, close. `exec.ts` runs `codex exec --json`, one
 * process per turn; `app-server.ts` drives one long-lived `codex app-server`. What records mean
 * (telemetry, spans, the result) is the thread's fold, the same for every transport.
 * @module
 */
import type { ExitStatus } from "../../runtime/spawner.ts";
import type { CodexOptions, ThreadOptions } from "../options.ts";
import type { InterruptReason, RunControl } from "../process.ts";

/** Everything a transport needs to start one turn. */
export interface TurnRequest {
  /** The Codex options. */
  readonly codex: CodexOptions;
  /** The thread's options. */
  readonly thread: ThreadOptions;
  /** The thread to continue, or `null` for a new one. */
  readonly threadId: string | null;
  /** The prompt text. */
  readonly prompt: string;
  /** Local image paths. */
  readonly images: readonly string[];
  /** The output schema (a plain object, validated by the thread), when one was given. */
  readonly outputSchema?: Record<string, unknown>;
  /** Extra environment for the CLI (the run's `TRACEPARENT` / `TRACESTATE`). */
  readonly traceEnv: Readonly<Record<string, string | undefined>>;
  /** Interrupts of the run (abort, timeout, stop); the session's waits wake on them. */
  readonly control: RunControl;
  /** Inactivity bound: the turn fails when the CLI says nothing for this long. */
  readonly timeoutMs?: number;
  /** Yield item deltas (app-server's `streamDeltas`); a transport without them ignores it. */
  readonly deltas?: boolean;
}

/** One turn in progress. */
export interface TurnSession {
  /** The pid of the CLI process serving the turn. */
  readonly pid: number;
  /**
   * The next records, in order: values decoded from the CLI (an object with a string `type` is
   * an event; anything else, and `MalformedLine`s, the thread reports as malformed).
   *
   * @returns A batch of records, or `null` when the turn's output ended or the run was interrupted
   *   (`control.reason` then says why).
   */
  next(): Promise<Iterable<unknown> | null>;
  /**
   * Stops the turn now (abort, timeout, `Codex.stop`): exec ends the process; app-server
   * interrupts the turn and ends the process only if that does not finish it in time.
   *
   * @param reason Why.
   */
  cancel(reason: InterruptReason): void;
  /**
   * Releases everything the turn holds (process, pipes, temp files); call exactly once, on every
   * path.
   *
   * @returns How the CLI process ended, when it did during the turn.
   */
  close(): Promise<TurnEnd>;
  /**
   * Interrupts the turn and lets it end by itself (`interrupted`); only on transports that are
   * `interactive`.
   *
   * @returns `false` when the turn had already ended.
   */
  interrupt?(): Promise<boolean>;
  /**
   * Adds input to the running turn; only on transports that are `interactive`.
   *
   * @param prompt Text.
   * @param images Local image paths.
   * @returns Once the server took it.
   */
  steer?(prompt: string, images: readonly string[]): Promise<void>;
}

/**
 * A record a transport yields for a problem that does not fail the run; the thread reports it as
 * a `codex.warning` and in the result's `warnings`.
 */
export class TransportWarning {
  /** Stable reason code. */
  readonly reason: string;
  /** What happened. */
  readonly message: string;
  /**
   * Describes the problem.
   *
   * @param reason Stable reason code.
   * @param message What happened.
   */
  constructor(reason: string, message: string) {
    this.reason = reason;
    this.message = message;
  }
}

/** How a turn ended at the process level. */
export interface TurnEnd {
  /** The process's exit status, when it exited (always for exec; for app-server only if it died). */
  readonly status?: ExitStatus;
  /** The last bytes of the process's stderr. */
  readonly stderrTail: string;
  /** Whether the output ended normally (exec: stdout closed; app-server: the turn completed). */
  readonly finished: boolean;
  /** What the process is, for messages (`the Codex CLI`, `the Codex app-server`). */
  readonly label: string;
}

/** Runs turns through the Codex CLI. */
export interface Transport {
  /** `exec` or `app-server`. */
  readonly name: string;
  /** Whether its sessions take `interrupt` and `steer`. */
  readonly interactive?: boolean;
  /**
   * Starts a turn.
   *
   * @param request The turn.
   * @returns The session, once the CLI accepted the turn.
   * @throws {CodexExecError} `not_found`, `spawn_failed`, `invalid_options`, ...
   */
  startTurn(request: TurnRequest): Promise<TurnSession>;
  /**
   * Ends whatever the transport keeps between turns (the app-server process); turns in flight
   * fail. Idempotent.
   *
   * @returns Once closed.
   */
  close(): Promise<void>;
}
