/**
 * A Codex thread: each {@link Thread.run} / {@link Thread.runStreamed} is one CLI invocation
 * (`codex exec --experimental-json [resume <id>]`), with telemetry around it and a teardown that
 * runs on every path. `run` is a fold over the same generator `runStreamed` exposes.
 * @module
 */
import { createJsonlDecoder, MalformedLine } from "../jsonl/decoder.ts";
import { detectSpawner } from "../runtime/detect.ts";
import { guardGroup } from "../runtime/exit-guard.ts";
import { fsSeam } from "../runtime/fs.ts";
import { chunkReader } from "../runtime/chunk-reader.ts";
import type { SpawnedProcess } from "../runtime/spawner.ts";
import type { ChunkReader } from "../runtime/chunk-reader.ts";
import { releaseTraceEnv, traceEnvFor } from "../telemetry/propagation.ts";
import type { Metadata } from "../telemetry/events.ts";
import { buildArgv, buildEnv } from "./args.ts";
import { CodexExecError } from "./errors.ts";
import { isKnownEvent } from "./events.ts";
import type { ThreadEvent, ToolCallRequiredEvent, Usage } from "./events.ts";
import { delay, notFound, RunControl, terminate, WOKEN } from "./exec.ts";
import { runtimeEnv } from "../runtime/env.ts";
import type { ResolvedBinary } from "./exec.ts";
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
import { RunTelemetry } from "./telemetry.ts";
import type { RunOutcome, ThreadTelemetryState } from "./telemetry.ts";

/** What a {@link Thread} needs from its {@link Codex}. @internal */
export interface ThreadHost {
  /** Codex options. */
  readonly options: CodexOptions;
  /** Resolves the executable. */
  resolveBinary(env: Record<string, string | undefined>): Promise<ResolvedBinary>;
  /** Registers a running CLI for `Codex.stop(pid)`; returns the unregister function. */
  register(pid: number, stop: () => Promise<void>): () => void;
}

/** Mutable facts of one run, read by the `run` fold after the generator ends. */
interface RunState {
  telemetry?: RunTelemetry;
  pid: number | null;
}

// How long stdout may stay open after the CLI exited (a grandchild outside its process group
// holding the pipe) before the run stops reading.
const DRAIN_AFTER_EXIT_MS = 1000;

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
      status: t.turnStatus === "completed" ? "completed" : "early_exit",
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
    const codex = this.#host.options;
    const opts = this.#options;
    const { prompt, images } = normalizeInput(input);
    const meta = { ...opts.metadata, ...turnOptions.metadata };
    const startMeta: Metadata = {
      input: prompt,
      thread_id: this.#id ?? undefined,
      model: opts.model,
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
    let proc: SpawnedProcess | undefined;
    const graceMs = codex.killGraceMs ?? 2000;
    // Kill at once, not at the consumer's next pull: a paused consumer must not keep the CLI alive.
    const onAbort = (): void => {
      control.interrupt("aborted");
      if (proc !== undefined) void terminate(proc, graceMs);
    };
    let reader: ChunkReader | undefined;
    let schemaDir: string | undefined;
    let unregister: (() => void) | undefined;
    let forgetGroup: (() => void) | undefined;
    let drainTimer: ReturnType<typeof delay> | undefined;
    let failure: unknown;
    let finished = false; // the generator reached its natural end (not a consumer break)
    try {
      if (signal?.aborted) throw aborted(signal);
      signal?.addEventListener("abort", onAbort, { once: true });
      const spawner = codex.spawner ?? detectSpawner();
      let schemaFile: string | undefined;
      if (turnOptions.outputSchema !== undefined) {
        const schema = turnOptions.outputSchema;
        if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
          throw new CodexExecError(
            "invalid_options",
            "outputSchema must be a plain JSON object (a JSON schema)",
          );
        }
        const fs = fsSeam();
        schemaDir = await fs.mkdtemp("codex-output-schema-");
        schemaFile = fs.join(schemaDir, "schema.json");
        await fs.writeFile(schemaFile, JSON.stringify(schema));
      }
      const host = runtimeEnv();
      const binary: ResolvedBinary = codex.codexPathOverride
        ? { path: codex.codexPathOverride, pathDirs: [] }
        : await this.#host.resolveBinary(codex.env ?? host);
      const argv = buildArgv({
        codex,
        thread: opts,
        threadId: this.#id,
        images,
        outputSchemaFile: schemaFile,
      });
      const env = buildEnv(codex, host, { ...traceEnvFor(token) });
      if (binary.pathDirs.length > 0) {
        env.PATH = [...binary.pathDirs, env.PATH].filter(Boolean).join(fsSeam().delimiter);
      }
      if (control.reason !== undefined) throw interruptError(control.reason, signal, timeoutMs);
      try {
        proc = await spawner.spawn(binary.path, argv, {
          cwd: opts.workingDirectory,
          env,
          stdin: prompt,
          processGroup: codex.processGroup !== false,
        });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === "ENOENT") throw notFound(binary.path, error);
        throw new CodexExecError(
          "spawn_failed",
          `could not start the Codex CLI (${binary.path}): ${(error as Error).message ?? error}`,
          { cause: error },
        );
      }
      const child = proc;
      state.pid = child.pid;
      this.#pid = child.pid;
      if (codex.processGroup !== false) forgetGroup = guardGroup(child.pid);
      telemetry.spawned(child.pid);
      unregister = this.#host.register(child.pid, async () => {
        control.interrupt("stopped");
        await terminate(child, graceMs);
      });
      void child.exited.then(() => {
        // Sweep the group now: anything the CLI left running dies with it, and its pipes close.
        child.kill("SIGKILL");
        drainTimer = delay(DRAIN_AFTER_EXIT_MS);
        void drainTimer.promise.then(() => control.wake());
      });
      reader = chunkReader(child.stdout);
      const decoder = createJsonlDecoder();
      let eof = false;
      while (!eof) {
        const r = await control.wait(reader.read(), timeoutMs);
        if (r === WOKEN) break;
        let records: Iterable<unknown>;
        if (r.done) {
          eof = true;
          records = decoder.end();
        } else {
          // Lazily: each line is parsed when the loop reaches it, and the chunk's bytes stay
          // untouched until the next read, after the loop.
          records = decoder.values(r.value);
        }
        for (const record of records) {
          if (record instanceof MalformedLine) {
            telemetry.malformed(record);
            continue;
          }
          if (
            record === null || typeof record !== "object" ||
            typeof (record as { type?: unknown }).type !== "string"
          ) {
            const line = JSON.stringify(record) ?? String(record);
            telemetry.malformed({
              line,
              error: "not an event object with a string `type`",
              bytes: line.length,
            });
            continue;
          }
          const event = record as ThreadEvent;
          if (
            event.type === "thread.started" &&
            typeof (event as { thread_id?: unknown }).thread_id === "string"
          ) {
            this.#id = (event as { thread_id: string }).thread_id;
          }
          const known = isKnownEvent(event);
          telemetry.event(event, known);
          if (event.type === "tool.call.required") {
            await this.#approve(event as ToolCallRequiredEvent, telemetry, control);
          }
          yield event;
        }
        if (control.reason !== undefined) break;
      }
      if (control.reason === undefined && !child.hasExited) {
        // stdout closed: the CLI is exiting; wait for it (the inactivity timeout still applies).
        await control.wait(child.exited, timeoutMs);
      }
      if (control.reason !== undefined) throw interruptError(control.reason, signal, timeoutMs);
      finished = true;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      failure = error instanceof CodexExecError
        ? error
        : proc === undefined
        ? new CodexExecError("spawn_failed", `could not prepare the Codex CLI run: ${message}`, {
          cause: error,
        })
        : new CodexExecError("stream_error", `reading the Codex CLI's output failed: ${message}`, {
          cause: error,
          threadId: this.#id ?? undefined,
          pid: proc.pid,
        });
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (proc !== undefined) await terminate(proc, graceMs);
      drainTimer?.cancel();
      if (reader !== undefined) {
        try {
          await reader.cancel();
        } catch { /* already closed */ }
        reader.releaseLock();
      }
      unregister?.();
      forgetGroup?.();
      if (proc !== undefined && this.#pid === proc.pid) this.#pid = null;
      if (schemaDir !== undefined) {
        try {
          await fsSeam().rm(schemaDir);
        } catch { /* best effort: never mask the run's own outcome */ }
      }
      const status = proc !== undefined && proc.hasExited ? await proc.exited : undefined;
      if (failure === undefined && finished && status !== undefined) {
        failure = this.#exitFailure(telemetry, status.code, status.signal, proc!);
      }
      const outcome = this.#outcome(telemetry, failure, finished, status?.code, status?.signal);
      telemetry.finish(outcome);
      releaseTraceEnv(token);
    }
    if (failure !== undefined) throw failure;
  }

  #exitFailure(
    t: RunTelemetry,
    code: number | null,
    signal: string | null,
    proc: SpawnedProcess,
  ): CodexExecError | undefined {
    const details = {
      exitCode: code,
      signal,
      stderrTail: proc.stderrTail(),
      threadId: this.#id ?? undefined,
      pid: proc.pid,
    };
    if (t.turnStatus === "failed") {
      return new CodexExecError("turn_failed", `Codex turn failed: ${t.turnError}`, details);
    }
    if (code !== 0 || signal !== null) {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = t.pendingErrors.at(-1);
      const tail = details.stderrTail.trim();
      return new CodexExecError(
        "exit_nonzero",
        `the Codex CLI ${how}${last ? ` (last error: ${last})` : ""}${
          tail ? `; stderr: ${tail.slice(-2000)}` : ""
        }`,
        details,
      );
    }
    return undefined;
  }

  #outcome(
    t: RunTelemetry,
    failure: unknown,
    finished: boolean,
    exitCode: number | null | undefined,
    signal: string | null | undefined,
  ): RunOutcome {
    const base = { exitCode, signal };
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
