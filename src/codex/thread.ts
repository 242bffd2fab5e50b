/**
 * A Codex thread: each {@link Thread.run} / {@link Thread.runStreamed} is one turn through the
 * thread's transport (`transports/`), folded into telemetry events and the result, with a teardown
 * that runs on every path. `run` is a fold over the same generator `runStreamed` exposes.
 * @module
 */
import { CodexExecError } from "../base/errors.ts";
import { MalformedLine } from "../jsonl/decoder.ts";
import type { ExitStatus } from "../runtime/spawner.ts";
import { releaseTraceEnv, traceEnvFor } from "../telemetry/propagation.ts";
import type { Metadata } from "../telemetry/events.ts";
import { isKnownEvent } from "./events.ts";
import type { ThreadEvent, ToolCallRequiredEvent, Usage } from "./events.ts";
import type { ThreadItem } from "./items.ts";
import type {
  ApprovalDecision,
  CodexOptions,
  Input,
  RunResult,
  RunStreamedResult,
  ThreadOptions,
  TurnOptions,
} from "./options.ts";
import { decideApproval, PendingApproval } from "./approvals.ts";
import { delay, RunControl, WOKEN } from "./process.ts";
import { RunTelemetry } from "./telemetry.ts";
import type { RunOutcome, ThreadTelemetryState } from "./telemetry.ts";
import { TransportWarning } from "./transports/transport.ts";
import type { Transport, TurnEnd, TurnSession } from "./transports/transport.ts";

/** What a {@link Thread} needs from its {@link Codex}. @internal */
export interface ThreadHost {
  /** Codex options. */
  readonly options: CodexOptions;
  /**
   * The transport a thread with these options runs its turns through.
   *
   * @param thread The thread's options.
   * @returns The transport.
   */
  transport(thread: ThreadOptions): Transport;
}

/** Mutable facts of one run, read by the `run` fold after the generator ends. */
interface RunState {
  telemetry?: RunTelemetry;
  pid: number | null;
}

/**
 * A conversation with the agent. Created by `Codex.startThread` / `Codex.resumeThread`.
 *
 * @example
 * ```ts
 * import { Codex } from "../../mod.ts";
 * const thread = new Codex().startThread({ skipGitRepoCheck: true });
 * const { finalResponse } = await thread.run("Say hi");
 * ```
 */
export class Thread {
  readonly #host: ThreadHost;
  readonly #options: ThreadOptions;
  #id: string | null;
  #pid: number | null = null;
  readonly #state: ThreadTelemetryState;
  // The session of the run in flight (for interrupt / steer), once its transport started it.
  #live: Promise<TurnSession | undefined> | undefined;

  /**
   * @param host The owning Codex.
   * @param options Thread options.
   * @param id Thread id to resume, or `null` for a new thread.
   * @internal
   */
  constructor(host: ThreadHost, options: ThreadOptions = {}, id: string | null = null) {
    this.#host = host;
    this.#options = options;
    this.#id = id;
    this.#state = {
      turnSeq: 0,
      lastUsage: id === null ? zeroUsage() : options.usageBaseline,
    };
  }

  /** The thread id: known after the first run started (or given to `resumeThread`). */
  get id(): string | null {
    return this.#id;
  }

  /** The pid of the CLI process of the run in progress (for `Codex.stop`), or `null`. */
  get pid(): number | null {
    return this.#pid;
  }

  /**
   * Interrupts the turn in flight (app-server `turn/interrupt`): it ends as `interrupted`, `run`
   * resolves with that status, and the server process serves the next turn. Waits for a turn that
   * is still starting.
   *
   * @returns `true` when a turn was interrupted; `false` when none was running.
   * @throws {CodexExecError} `unsupported` on the exec transport (an exec turn ends only with its
   *   process: abort it with a `signal`), `rpc_error` / `rpc_timeout` when the server refused.
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const thread = new Codex({ transport: "app-server" }).startThread();
   * const run = thread.run("Run the slow suite");
   * setTimeout(() => void thread.interrupt(), 1000);
   * console.log((await run).status); // "interrupted"
   * ```
   */
  async interrupt(): Promise<boolean> {
    this.#interactive("interrupt()");
    const session = await this.#live;
    if (session === undefined) return false;
    return await session.interrupt!();
  }

  /**
   * Adds input to the turn in flight (app-server `turn/steer`): the agent sees it in its next
   * model request, within the same turn.
   *
   * @param input Text, or text parts and local images.
   * @returns Once the server accepted it.
   * @throws {CodexExecError} `unsupported` on the exec transport, `not_running` when no turn is in
   *   flight, `rpc_error` when the server refused (the turn just ended, or cannot be steered).
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const thread = new Codex({ transport: "app-server" }).startThread();
   * const run = thread.run("Fix the failing test");
   * await thread.steer("Only touch files under src/");
   * await run;
   * ```
   */
  async steer(input: Input): Promise<void> {
    this.#interactive("steer()");
    const session = await this.#live;
    if (session === undefined) {
      throw new CodexExecError("not_running", "steer() needs a turn in flight: start one with run() or runStreamed()");
    }
    const { prompt, images } = normalizeInput(input);
    await session.steer!(prompt, images);
  }

  #interactive(what: string): void {
    if (this.#host.transport(this.#options).interactive === true) return;
    throw new CodexExecError(
      "unsupported",
      `${what} needs the app-server transport (new Codex({ transport: "app-server" }) or startThread({ transport: "app-server" })); ` +
        "an exec turn ends only with its process: abort it with a signal instead",
    );
  }

  /**
   * Runs a turn and streams the CLI's events. Breaking out of the loop early kills the CLI and
   * ends every telemetry span.
   *
   * @param input A prompt, or text parts and local images.
   * @param turnOptions Output schema, abort signal, timeout, metadata.
   * @returns `{ events }`.
   * @throws {CodexExecError} From the iteration: `turn_failed`, `exit_nonzero`, `timeout`, `aborted`, ...
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const { events } = await new Codex().startThread().runStreamed("Say hi");
   * for await (const event of events) console.log(event.type);
   * ```
   */
  runStreamed(input: Input, turnOptions: TurnOptions = {}): Promise<RunStreamedResult<ThreadEvent>> {
    return Promise.resolve({ events: this.#run(input, turnOptions, { pid: null }) });
  }

  /**
   * Runs a turn to its end.
   *
   * @param input A prompt, or text parts and local images.
   * @param turnOptions Output schema, abort signal, timeout, metadata.
   * @returns Items, final response, usage (as reported and per turn), ids, and `parsed` with a schema.
   * @throws {CodexExecError} `turn_failed`, `exit_nonzero`, `timeout`, `aborted`, `not_found`, `invalid_output`, ...
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const thread = new Codex().startThread();
   * const result = await thread.run("Answer", { outputSchema: { type: "object" } });
   * console.log(result.parsed);
   * ```
   */
  async run<T = unknown>(input: Input, turnOptions: TurnOptions = {}): Promise<RunResult<T>> {
    const state: RunState = { pid: null };
    const items: ThreadItem[] = [];
    let finalResponse = "";
    let usage: Usage | null = null;
    for await (const event of this.#run(input, turnOptions, state)) {
      if (event.type === "item.completed") {
        const item = (event as { item: ThreadItem }).item;
        if (item.type === "agent_message" && typeof item.text === "string") finalResponse = item.text;
        items.push(item);
      } else if (event.type === "turn.completed") {
        usage = (event as { usage?: Usage | null }).usage ?? null;
      }
    }
    const t = state.telemetry!;
    if (t.finalResponse !== undefined && finalResponse === "") finalResponse = t.finalResponse;
    const result: RunResult<T> = {
      items,
      finalResponse,
      usage,
      turnUsage: t.turnUsage ?? null,
      threadId: this.#id,
      turnId: t.turnId ?? null,
      status: t.turnStatus === "completed" || t.turnStatus === "interrupted" ? t.turnStatus : "early_exit",
      warnings: [...t.warnings],
      pid: state.pid,
    };
    if (turnOptions.outputSchema !== undefined && result.status === "completed") {
      try {
        result.parsed = JSON.parse(finalResponse) as T;
      } catch (error) {
        throw new CodexExecError(
          "invalid_output",
          `the agent's answer is not the JSON the output schema asked for: ${
            JSON.stringify(finalResponse.slice(0, 200))
          }`,
          { threadId: this.#id ?? undefined, cause: error },
        );
      }
    }
    return result;
  }

  async *#run(
    input: Input,
    turnOptions: TurnOptions,
    state: RunState,
  ): AsyncGenerator<ThreadEvent, void, undefined> {
    const opts = this.#options;
    const { prompt, images } = normalizeInput(input);
    const meta = { ...opts.metadata, ...turnOptions.metadata };
    const startMeta: Metadata = {
      input: prompt,
      thread_id: this.#id ?? undefined,
      model: opts.model,
      base_url: modelEndpoint(this.#host.options),
      sandbox_mode: opts.sandboxMode,
      working_directory: opts.workingDirectory,
      resume: this.#id !== null,
      images: images.length > 0 ? images.length : undefined,
    };
    for (const key in meta) if (meta[key] !== undefined) startMeta[key] = meta[key];
    const telemetry = new RunTelemetry(this.#state, startMeta);
    state.telemetry = telemetry;
    const token = telemetry.thread.token;
    const control = new RunControl();
    const timeoutMs = turnOptions.timeoutMs ?? opts.timeoutMs;
    const signal = turnOptions.signal;
    let session: TurnSession | undefined;
    // Stop at once, not at the consumer's next pull: a paused consumer must not keep the CLI alive.
    const onAbort = (): void => {
      control.interrupt("aborted");
      session?.cancel("aborted");
    };
    let failure: unknown;
    let end: TurnEnd | undefined;
    let natural = false; // the generator reached its natural end (not a consumer break)
    let ready: (s: TurnSession | undefined) => void = () => {};
    const live = this.#live = new Promise<TurnSession | undefined>((resolve) => (ready = resolve));
    try {
      if (signal?.aborted) throw aborted(signal);
      signal?.addEventListener("abort", onAbort, { once: true });
      const outputSchema = turnOptions.outputSchema === undefined ? undefined : checkSchema(turnOptions.outputSchema);
      try {
        session = await this.#host.transport(opts).startTurn({
          codex: this.#host.options,
          thread: opts,
          threadId: this.#id,
          prompt,
          images,
          outputSchema,
          traceEnv: { ...traceEnvFor(token) },
          control,
          timeoutMs,
          deltas: turnOptions.streamDeltas === true,
        });
      } catch (error) {
        throw control.reason !== undefined ? interruptError(control.reason, signal, timeoutMs) : error;
      }
      ready(session);
      state.pid = session.pid;
      this.#pid = session.pid;
      telemetry.spawned(session.pid);
      if (control.reason !== undefined) session.cancel(control.reason);
      for (let batch = await session.next(); batch !== null; batch = await session.next()) {
        for (const record of batch) {
          if (record instanceof PendingApproval) {
            yield await decideApproval(record, telemetry, opts, control);
            continue;
          }
          const event = this.#event(record, telemetry);
          if (event === undefined) continue;
          if (event.type === "tool.call.required") {
            await this.#approve(event as ToolCallRequiredEvent, telemetry, control);
          }
          yield event;
        }
        if (control.reason !== undefined) break;
      }
      if (control.reason !== undefined) throw interruptError(control.reason, signal, timeoutMs);
      natural = true;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      failure = error instanceof CodexExecError
        ? error
        : session === undefined
        ? new CodexExecError("spawn_failed", `could not prepare the Codex CLI run: ${message}`, {
          cause: error,
        })
        : new CodexExecError("stream_error", `reading the Codex CLI's output failed: ${message}`, {
          cause: error,
          threadId: this.#id ?? undefined,
          pid: session.pid,
        });
    } finally {
      ready(undefined);
      if (this.#live === live) this.#live = undefined;
      signal?.removeEventListener("abort", onAbort);
      if (session !== undefined) {
        try {
          end = await session.close();
        } catch (error) {
          failure ??= new CodexExecError("stream_error", `closing the turn failed: ${(error as Error)?.message ?? error}`, {
            cause: error,
          });
        }
        if (this.#pid === session.pid) this.#pid = null;
      }
      if (failure === undefined && natural && end !== undefined) {
        failure = this.#exitFailure(telemetry, end, session!.pid);
      }
      const outcome = this.#outcome(telemetry, failure, natural, end?.status);
      telemetry.finish(outcome);
      releaseTraceEnv(token);
    }
    if (failure !== undefined) throw failure;
  }

  /** Checks a record and records it in telemetry; `undefined` for one that is not an event. */
  #event(record: unknown, telemetry: RunTelemetry): ThreadEvent | undefined {
    if (record instanceof MalformedLine) {
      telemetry.malformed(record);
      return undefined;
    }
    if (record instanceof TransportWarning) {
      telemetry.warning(record.reason, record.message);
      return undefined;
    }
    if (
      record === null || typeof record !== "object" ||
      typeof (record as { type?: unknown }).type !== "string"
    ) {
      const line = JSON.stringify(record) ?? String(record);
      telemetry.malformed({ line, error: "not an event object with a string `type`", bytes: line.length });
      return undefined;
    }
    const event = record as ThreadEvent;
    if (event.type === "thread.started" && typeof (event as { thread_id?: unknown }).thread_id === "string") {
      this.#id = (event as { thread_id: string }).thread_id;
    }
    telemetry.event(event, isKnownEvent(event));
    return event;
  }

  #exitFailure(t: RunTelemetry, end: TurnEnd, pid: number): CodexExecError | undefined {
    const code = end.status?.code ?? null;
    const signal = end.status?.signal ?? null;
    const details = {
      exitCode: code,
      signal,
      stderrTail: end.stderrTail,
      threadId: this.#id ?? undefined,
      pid,
    };
    if (t.turnStatus === "failed") {
      return new CodexExecError("turn_failed", `Codex turn failed: ${t.turnError}`, details);
    }
    if (end.status !== undefined && (code !== 0 || signal !== null)) {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = t.pendingErrors.at(-1);
      const tail = details.stderrTail.trim();
      return new CodexExecError(
        "exit_nonzero",
        `${end.label} ${how}${last ? ` (last error: ${last})` : ""}${tail ? `; stderr: ${tail.slice(-2000)}` : ""}`,
        details,
      );
    }
    if (!end.finished) {
      const tail = details.stderrTail.trim();
      return new CodexExecError(
        "exit_nonzero",
        `${end.label} ${end.status === undefined ? "stopped answering" : "exited"} before the turn completed${
          tail ? `; stderr: ${tail.slice(-2000)}` : ""
        }`,
        details,
      );
    }
    return undefined;
  }

  #outcome(t: RunTelemetry, failure: unknown, finished: boolean, status: ExitStatus | undefined): RunOutcome {
    const base = { exitCode: status?.code, signal: status?.signal };
    if (failure !== undefined) {
      const code = (failure as { code?: unknown }).code;
      const status = code === "timeout"
        ? "timeout"
        : code === "aborted" || code === "stopped"
        ? "aborted"
        : "error";
      return {
        ...base,
        result: "error",
        openTurnStatus: status,
        error: failure,
        reason: typeof code === "string" ? code : undefined,
      };
    }
    if (!finished) {
      // The consumer stopped iterating: not an error, but the turn did not finish unless it had.
      return t.turnStatus === "completed"
        ? { ...base, result: "ok", openTurnStatus: "aborted", reason: "consumer_stopped" }
        : { ...base, result: "early_exit", openTurnStatus: "aborted", reason: "consumer_stopped" };
    }
    if (t.turnStatus === "completed") return { ...base, result: "ok", openTurnStatus: "early_exit" };
    if (t.turnStatus === "interrupted") {
      return { ...base, result: "early_exit", openTurnStatus: "early_exit", reason: "interrupted" };
    }
    return { ...base, result: "early_exit", openTurnStatus: "early_exit", reason: "no_turn_completed" };
  }

  async #approve(event: ToolCallRequiredEvent, t: RunTelemetry, control: RunControl): Promise<void> {
    if (event.requires_approval === false) return;
    const tool = event.tool ?? event.name ?? "unknown";
    const decide = t.approvalStart(String(event.call_id), tool);
    const handler = this.#options.approvalHandler;
    if (handler === undefined) {
      decide("denied", "policy", "no approvalHandler configured");
      event.decision = "denied";
      return;
    }
    const limit = this.#options.approvalTimeoutMs ?? 60_000;
    const abort = new AbortController();
    const timer = delay(limit);
    let decision: "approved" | "denied" | "timeout";
    let reason: string | undefined;
    try {
      const answer = await control.wait(
        Promise.race([
          Promise.resolve(handler({
            tool,
            callId: String(event.call_id),
            arguments: event.arguments,
            reason: event.reason,
            threadId: t.threadId,
            turnId: t.turnId,
            signal: abort.signal,
          })),
          timer.promise.then(() => TIMED_OUT),
        ]),
      );
      if (answer === TIMED_OUT) {
        decision = "timeout";
        reason = `no decision within ${limit} ms`;
      } else if (answer === WOKEN) {
        decision = "timeout";
        reason = `run interrupted (${control.reason}) before a decision`;
      } else {
        ({ decision, reason } = readDecision(answer as ApprovalDecision));
      }
    } catch (error) {
      decision = "denied";
      reason = `approvalHandler threw: ${(error as Error).message ?? error}`;
    } finally {
      timer.cancel();
      abort.abort();
    }
    decide(decision, "user", reason);
    event.decision = decision;
  }
}

const TIMED_OUT: unique symbol = Symbol("timed out");

function readDecision(answer: ApprovalDecision): { decision: "approved" | "denied"; reason?: string } {
  if (typeof answer === "boolean") return { decision: answer ? "approved" : "denied" };
  if (answer === "approved" || answer === "denied") return { decision: answer };
  if (answer !== null && typeof answer === "object") {
    return { decision: answer.approved ? "approved" : "denied", reason: answer.reason };
  }
  return { decision: "denied", reason: `unrecognized decision ${JSON.stringify(answer)}` };
}

function zeroUsage(): Usage {
  return { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
}

function normalizeInput(input: Input): { prompt: string; images: string[] } {
  if (typeof input === "string") return { prompt: input, images: [] };
  const parts: string[] = [];
  const images: string[] = [];
  for (const part of input) {
    if (part.type === "text") parts.push(part.text);
    else if (part.type === "local_image") images.push(part.path);
    else if (part.type === "staged_file") {
      if (part.file.isImage) images.push(part.file.path);
      else parts.push(`Attached file ${JSON.stringify(part.file.name)}: ${part.file.path}`);
    }
  }
  return { prompt: parts.join("\n\n"), images };
}

function checkSchema(schema: unknown): Record<string, unknown> {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    throw new CodexExecError("invalid_options", "outputSchema must be a plain JSON object (a JSON schema)");
  }
  return schema as Record<string, unknown>;
}

function aborted(signal: AbortSignal): CodexExecError {
  const why = signal.reason instanceof Error ? signal.reason.message : signal.reason;
  return new CodexExecError("aborted", `the run was aborted${why === undefined ? "" : `: ${String(why)}`}`, {
    cause: signal.reason,
  });
}

function interruptError(
  reason: string,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): CodexExecError {
  if (reason === "timeout") {
    return new CodexExecError(
      "timeout",
      `the Codex CLI printed nothing for ${timeoutMs} ms (timeoutMs) and was stopped`,
    );
  }
  if (reason === "stopped") return new CodexExecError("stopped", "the run was stopped by Codex.stop(pid)");
  return aborted(signal ?? new AbortController().signal);
}

/**
 * The origin of the model endpoint, where the options name it (`baseUrl`, or the `base_url` of the
 * configured `model_provider`): `server.address` / `server.port` of the metrics. No credentials,
 * path or query.
 */
function modelEndpoint(options: { baseUrl?: string; config?: unknown }): string | undefined {
  let url: unknown = options.baseUrl;
  if (url === undefined && options.config !== null && typeof options.config === "object") {
    const c = options.config as { model_provider?: unknown; model_providers?: Record<string, { base_url?: unknown } | undefined> };
    if (typeof c.model_provider === "string") url = c.model_providers?.[c.model_provider]?.base_url;
  }
  if (typeof url !== "string") return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
