/**
 * The app-server transport: one long-lived `codex app-server` (JSON-RPC over stdio) serves a
 * `Codex` instance's threads, turn after turn. Started lazily, restarted on the next turn once it
 * died, ended by `close()`. Each turn is a session fed by the notifications of its thread, mapped
 * to the exec path's records; approval requests become {@link PendingApproval} records that the
 * thread answers. Teardown: interrupt first, kill the process group only when that does not end
 * the turn within `killGraceMs`.
 * @module
 */
// Measured on 0.169 (docs in README "Transports"): spawn + initialize ≈ 160–230 ms, a second turn
// in a warm process ≈ 80–220 ms; `turn/interrupt` answers in ≈ 12 ms and `turn/completed`
// (interrupted) follows ≈ 2 ms later with the command's process group gone; stdin EOF ends the
// server in ≈ 30 ms. An interrupted command that outlived its first yield window (a slow login
// profile is enough) stays alive as a "background terminal" that turn/interrupt does not end:
// thread/backgroundTerminals/clean (experimental API) does, in ≈ 1 ms, so every turn that ends
// interrupted or stopped is followed by it. The envelope's `trace` is honoured per request, so each run's thread span
// parents that turn's server spans; TRACEPARENT in the process environment would parent only
// `initialize` and leak into every later turn's commands, so it is not set.
import { CodexExecError } from "../../base/errors.ts";
import { RpcConnection, RpcError, METHOD_NOT_FOUND } from "../../app-server/rpc.ts";
import type { RpcProblem, RpcTrace } from "../../app-server/rpc.ts";
import { TurnRecords } from "../../app-server/records.ts";
import type { CommandExecutionRequestApprovalParams } from "../../app-server/protocol/v2/CommandExecutionRequestApprovalParams.ts";
import type { FileChangeRequestApprovalParams } from "../../app-server/protocol/v2/FileChangeRequestApprovalParams.ts";
import type { InitializeParams } from "../../app-server/protocol/InitializeParams.ts";
import type { ThreadResumeParams } from "../../app-server/protocol/v2/ThreadResumeParams.ts";
import type { ThreadResumeResponse } from "../../app-server/protocol/v2/ThreadResumeResponse.ts";
import type { ThreadStartParams } from "../../app-server/protocol/v2/ThreadStartParams.ts";
import type { ThreadStartResponse } from "../../app-server/protocol/v2/ThreadStartResponse.ts";
import type { TurnStartParams } from "../../app-server/protocol/v2/TurnStartParams.ts";
import type { TurnStartResponse } from "../../app-server/protocol/v2/TurnStartResponse.ts";
import type { UserInput as WireInput } from "../../app-server/protocol/v2/UserInput.ts";
import type { AskForApproval } from "../../app-server/protocol/v2/AskForApproval.ts";
import { chunkReader } from "../../runtime/chunk-reader.ts";
import { guardGroup } from "../../runtime/exit-guard.ts";
import type { ExitStatus, SpawnedProcess } from "../../runtime/spawner.ts";
import { emit } from "../../telemetry/bus.ts";
import { epochNanos } from "../../telemetry/clock.ts";
import { Events } from "../../telemetry/events.ts";
import { flattenConfig } from "../args.ts";
import { PendingApproval } from "../approvals.ts";
import type { ApprovalAnswer, ToolApprovalRequest } from "../options.ts";
import type { CodexOptions, ThreadOptions } from "../options.ts";
import { delay, terminate, WOKEN } from "../process.ts";
import { cliLaunch, spawnCli } from "./exec.ts";
import type { ExecHost } from "./exec.ts";
import { TransportWarning } from "./transport.ts";
import type { Transport, TurnEnd, TurnRequest, TurnSession } from "./transport.ts";

const LABEL = "the Codex app-server";
// How long stdout may stay open after the server exited before its sessions are ended anyway.
const DRAIN_AFTER_EXIT_MS = 1000;
const CLIENT_INFO = { name: "codex_otel_sdk", title: "@codex-otel/sdk", version: "0.1.0" };
// Notifications the SDK never uses: the server does not send them (less to parse per turn).
const OPT_OUT = ["account/rateLimits/updated", "remoteControl/status/changed", "thread/status/changed"];

/** The app-server transport, with what tests and the benchmark read. */
export interface AppServerTransport extends Transport {
  /** The pid of the running server, when one runs. */
  readonly pid: number | undefined;
  /** Counters of the current connection (server requests received / answered / abandoned...). */
  readonly stats: {
    readonly processes: number;
    readonly serverRequests: number;
    readonly answered: number;
    readonly abandoned: number;
  };
}

/**
 * Creates the app-server transport of one `Codex` instance.
 *
 * @param host Binary resolution and the run registry of `Codex.stop`.
 * @param codex The instance's options (the server's binary, `-c` config, environment).
 * @returns The transport (no process yet).
 */
export function appServerTransport(host: ExecHost, codex: CodexOptions): AppServerTransport {
  return new AppServer(host, codex);
}

class AppServer implements AppServerTransport {
  readonly name = "app-server";
  readonly interactive = true;
  readonly #host: ExecHost;
  readonly #codex: CodexOptions;
  #server: ServerProcess | undefined;
  #starting: Promise<ServerProcess> | undefined;
  // One turn per thread at a time: a second run on the same thread waits for the first.
  readonly #locks = new Map<string, Promise<void>>();
  readonly #totals = { processes: 0, serverRequests: 0, answered: 0, abandoned: 0 };

  constructor(host: ExecHost, codex: CodexOptions) {
    this.#host = host;
    this.#codex = codex;
  }

  get pid(): number | undefined {
    return this.#server?.alive ? this.#server.proc.pid : undefined;
  }

  get stats(): AppServerTransport["stats"] {
    const t = this.#totals;
    const live = this.#server?.rpc.stats;
    return {
      processes: t.processes,
      serverRequests: t.serverRequests + (live?.serverRequests ?? 0),
      answered: t.answered + (live?.answered ?? 0),
      abandoned: t.abandoned + (live?.abandoned ?? 0),
    };
  }

  async startTurn(request: TurnRequest): Promise<TurnSession> {
    const { thread, control } = request;
    if (thread.approvalPolicy === "on-failure") {
      throw new CodexExecError(
        "invalid_options",
        'approvalPolicy "on-failure" does not exist in codex app-server 0.169 (thread/start rejects it; as a config value it silently becomes "on-request"): use "on-request" or "untrusted", or the exec transport',
      );
    }
    let release: (() => void) | undefined;
    if (request.threadId !== null) release = await this.#lock(request.threadId, control);
    try {
      const server = await this.#ensure(request);
      if (control.reason !== undefined) throw new CodexExecError("aborted", "the run was interrupted before it started");
      const session = await server.startTurn(request, release);
      release = undefined; // the session releases it when it closes
      return session;
    } finally {
      release?.();
    }
  }

  async #lock(threadId: string, control: TurnRequest["control"]): Promise<() => void> {
    const before = this.#locks.get(threadId);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = (before ?? Promise.resolve()).then(() => mine);
    this.#locks.set(threadId, chained);
    const done = (): void => {
      release();
      if (this.#locks.get(threadId) === chained) this.#locks.delete(threadId);
    };
    if (before !== undefined && (await control.wait(before)) === WOKEN) {
      done();
      throw new CodexExecError("aborted", "the run was interrupted while an earlier turn of its thread was running");
    }
    return done;
  }

  #ensure(request: TurnRequest): Promise<ServerProcess> {
    const current = this.#server;
    if (current !== undefined && current.alive) return Promise.resolve(current);
    this.#starting ??= (async () => {
      try {
        const server = await ServerProcess.start(this.#host, this.#codex, request, (s) => this.#ended(s));
        this.#server = server;
        this.#totals.processes++;
        return server;
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }

  #ended(server: ServerProcess): void {
    const s = server.rpc.stats;
    this.#totals.serverRequests += s.serverRequests;
    this.#totals.answered += s.answered;
    this.#totals.abandoned += s.abandoned;
    if (this.#server === server) this.#server = undefined;
  }

  async close(): Promise<void> {
    const starting = this.#starting;
    const server = this.#server ?? (starting === undefined ? undefined : await starting.catch(() => undefined));
    await server?.close();
  }
}

interface ThreadState {
  /** The approval policy the server reported for the thread. */
  policy: string;
  /** The model the server resolved for the thread (`thread/start` and `thread/resume` answer it). */
  model: string | undefined;
}

function threadState(r: ThreadStartResponse | ThreadResumeResponse): ThreadState {
  return { policy: policyName(r.approvalPolicy), model: typeof r.model === "string" && r.model !== "" ? r.model : undefined };
}

/** One running `codex app-server` and its connection. */
class ServerProcess {
  readonly proc: SpawnedProcess;
  readonly rpc: RpcConnection;
  readonly #codex: CodexOptions;
  readonly #sessions = new Map<string, AppServerTurn>();
  readonly #threads = new Map<string, ThreadState>();
  readonly #graceMs: number;
  readonly #timeoutMs: number;
  readonly #unregister: () => void;
  readonly #forgetGroup: (() => void) | undefined;
  readonly #onEnded: (s: ServerProcess) => void;
  readonly #readDone: Promise<void>;
  readonly #exitHandled: Promise<void>;
  #status: ExitStatus | undefined;
  #closing: Promise<void> | undefined;
  #ended = false;

  static async start(
    host: ExecHost,
    codex: CodexOptions,
    request: TurnRequest,
    onEnded: (s: ServerProcess) => void,
  ): Promise<ServerProcess> {
    // No per-run trace context in the process environment (see the module notes).
    const { spawner, binary, env } = await cliLaunch(host, { codex, traceEnv: {} });
    const argv = ["app-server"];
    const configs = [
      ...flattenConfig(codex.config),
      ...(codex.configOverrides ?? []),
      ...(codex.baseUrl ? [`openai_base_url=${JSON.stringify(codex.baseUrl)}`] : []),
    ];
    for (const c of configs) argv.push("--config", c);
    const proc = await spawnCli(spawner, binary.path, argv, {
      env,
      openStdin: true,
      processGroup: codex.processGroup !== false,
    });
    const server = new ServerProcess(host, proc, codex, onEnded);
    try {
      const params: InitializeParams = {
        clientInfo: CLIENT_INFO,
        // experimentalApi: thread/backgroundTerminals/clean needs it.
        capabilities: { experimentalApi: true, requestAttestation: false, optOutNotificationMethods: OPT_OUT },
      };
      // Not woken by this run's interrupts: other runs may be waiting for the same startup.
      await server.call("initialize", params, request);
      await server.rpc.notify("initialized");
      server.#idle();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  constructor(host: ExecHost, proc: SpawnedProcess, codex: CodexOptions, onEnded: (s: ServerProcess) => void) {
    this.proc = proc;
    this.#codex = codex;
    this.#graceMs = codex.killGraceMs ?? 2000;
    this.#timeoutMs = codex.requestTimeoutMs ?? 60_000;
    this.#onEnded = onEnded;
    const stdin = proc.stdin!;
    this.rpc = new RpcConnection((line) => stdin.write(`${line}\n`), {
      notification: (method, params) => this.#notification(method, params),
      request: (method, params) => this.#serverRequest(method, params),
      problem: (problem) => this.#problem(problem),
    });
    this.#forgetGroup = codex.processGroup !== false ? guardGroup(proc.pid) : undefined;
    this.#unregister = host.register(proc.pid, async () => {
      for (const s of this.#sessions.values()) s.request.control.interrupt("stopped");
      await terminate(proc, this.#graceMs);
    });
    this.#readDone = this.#read();
    this.#exitHandled = proc.exited.then((status) => this.#exited(status));
  }

  get alive(): boolean {
    return !this.#ended && !this.proc.hasExited && this.#closing === undefined;
  }

  /** A call bounded by `requestTimeoutMs` and woken by the run's interrupts. */
  async call<T>(method: string, params: unknown, request: TurnRequest, control?: TurnRequest["control"]): Promise<T> {
    const p = this.rpc.call<T>(method, params, { timeoutMs: this.#timeoutMs, trace: traceOf(request) });
    if (control === undefined) return await p;
    p.catch(() => {}); // given up below when woken: the late rejection is nobody's
    const r = await control.wait(p);
    if (r === WOKEN) throw new CodexExecError("aborted", `the run was interrupted while waiting for ${method}`);
    return r;
  }

  async #read(): Promise<void> {
    const reader = chunkReader(this.proc.stdout);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.rpc.receive(value);
      }
    } catch { /* a broken pipe ends the stream like an EOF */ }
    try {
      this.rpc.end();
    } finally {
      reader.releaseLock();
    }
  }

  async #exited(status: ExitStatus): Promise<void> {
    this.#status = status;
    // Anything the server left running dies with it, which also closes the pipes it held.
    this.proc.kill("SIGKILL");
    const drain = delay(DRAIN_AFTER_EXIT_MS);
    await Promise.race([this.#readDone, drain.promise]);
    drain.cancel();
    this.#ended = true;
    const tail = this.proc.stderrTail().trim();
    const how = status.signal !== null ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    const error = new CodexExecError("exit_nonzero", `${LABEL} ${how}${tail ? `; stderr: ${tail.slice(-2000)}` : ""}`, {
      exitCode: status.code,
      signal: status.signal,
      stderrTail: this.proc.stderrTail(),
      pid: this.proc.pid,
    });
    this.rpc.close(error);
    for (const s of [...this.#sessions.values()]) s.processEnded(status);
    this.#unregister();
    this.#forgetGroup?.();
    this.#onEnded(this);
  }

  /** Ends the server: turns in flight fail with `closed`; stdin EOF, then SIGTERM/SIGKILL. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const error = new CodexExecError("closed", "the Codex instance was closed (codex.close()) while the turn ran", {
        pid: this.proc.pid,
      });
      for (const s of this.#sessions.values()) s.fail(error);
      if (!this.proc.hasExited) {
        await this.proc.stdin?.close();
        const exited = delay(this.#graceMs);
        await Promise.race([this.proc.exited, exited.promise]);
        exited.cancel();
      }
      await terminate(this.proc, this.#graceMs);
      // Until the exit is handled (sessions ended, group guard and registry entry gone).
      await this.#exitHandled;
    })();
    return this.#closing;
  }

  /**
   * No turn in flight: the server no longer holds the host's event loop (where the runtime can
   * let go), so a host that never calls close() still exits, and the exit guard ends the server.
   */
  #idle(): void {
    if (!this.proc.hasExited) this.proc.keepAlive?.(false);
  }

  /** Terminates the whole process (the last resort of a turn that would not end). */
  kill(): Promise<void> {
    return terminate(this.proc, this.#graceMs);
  }

  async startTurn(request: TurnRequest, release: (() => void) | undefined): Promise<TurnSession> {
    const { thread, control } = request;
    let threadId = request.threadId;
    const records: unknown[] = [];
    if (threadId === null) {
      const params: ThreadStartParams = { ...threadParams(thread), sandbox: thread.sandboxMode ?? null };
      const r = await this.call<ThreadStartResponse>("thread/start", params, request, control);
      threadId = r.thread.id;
      this.#threads.set(threadId, threadState(r));
    } else if (!this.#threads.has(threadId)) {
      const params: ThreadResumeParams = {
        ...threadParams(thread),
        threadId,
        sandbox: thread.sandboxMode ?? null,
        excludeTurns: true,
      };
      const r = await this.call<ThreadResumeResponse>("thread/resume", params, request, control);
      this.#threads.set(threadId, threadState(r));
    }
    // The model the server resolved for the thread: the runner reports it as gen_ai.response.model.
    const state = this.#threads.get(threadId)!;
    records.push({ type: "thread.started", thread_id: threadId, ...(state.model === undefined ? {} : { model: state.model }) });
    const session = new AppServerTurn(this, request, threadId, state.policy, records, () => {
      if (this.#sessions.get(threadId!) === session) this.#sessions.delete(threadId!);
      if (this.#sessions.size === 0) this.#idle();
      release?.();
    });
    this.#sessions.set(threadId, session);
    this.proc.keepAlive?.(true);
    const params: TurnStartParams = {
      threadId,
      input: wireInput(request.prompt, request.images),
      approvalPolicy: (thread.approvalPolicy as AskForApproval | undefined) ?? null,
      model: thread.model ?? null,
      cwd: thread.workingDirectory ?? null,
      effort: thread.modelReasoningEffort ?? null,
      outputSchema: (request.outputSchema as TurnStartParams["outputSchema"]) ?? null,
    };
    try {
      const r = await this.call<TurnStartResponse>("turn/start", params, request, control);
      session.started(r.turn.id);
    } catch (error) {
      // Not started as far as we know: nothing to interrupt, and no reason to kill a server that
      // serves other threads. (A turn/start answered after its deadline leaves that turn
      // unobserved on the server; its late response is reported as an unknown id.)
      session.abandon();
      await session.close();
      throw error;
    }
    return session;
  }

  #notification(method: string, params: unknown): void {
    const p = params as { threadId?: unknown; thread?: { id?: unknown } } | undefined;
    const threadId = typeof p?.threadId === "string" ? p.threadId : undefined;
    const session = threadId === undefined ? undefined : this.#sessions.get(threadId);
    if (session !== undefined) {
      session.notify(method, params);
      return;
    }
    if (method === "configWarning" || (method === "warning" && threadId === undefined)) {
      const message = (params as { summary?: unknown; message?: unknown } | undefined);
      emit(Events.warning, {}, {
        reason: "app_server_warning",
        message: String(message?.summary ?? message?.message ?? method),
        pid: this.proc.pid,
      });
    }
    // Anything else is a thread's with no turn in flight here (a late one), or the process's.
  }

  #serverRequest(method: string, params: unknown): Promise<unknown> {
    const p = (params ?? {}) as { threadId?: unknown };
    const session = typeof p.threadId === "string" ? this.#sessions.get(p.threadId) : undefined;
    if (method === "item/commandExecution/requestApproval" || method === "item/fileChange/requestApproval") {
      if (session !== undefined) return session.approval(method, params);
      emit(Events.warning, {}, {
        reason: "approval_without_turn",
        message: `${LABEL} asked ${method} for thread ${String(p.threadId)}, which has no turn in flight here: declined`,
        pid: this.proc.pid,
      });
      return Promise.resolve({ decision: "decline" });
    }
    // User input, MCP elicitation, permissions, dynamic tools, auth refresh, anything new: this
    // SDK has no one to ask, so the server gets an error at once rather than silence.
    const message = `${method} is not supported by @codex-otel/sdk (it answers command and file-change approvals only)`;
    if (session !== undefined) session.warn("server_request_unsupported", `${LABEL} sent ${method}: answered with an error`);
    else emit(Events.warning, {}, { reason: "server_request_unsupported", message, pid: this.proc.pid });
    return Promise.reject(new RpcError(METHOD_NOT_FOUND, message));
  }

  #problem(problem: RpcProblem): void {
    const target = this.#sessions.values().next().value as AppServerTurn | undefined;
    switch (problem.kind) {
      case "malformed":
        if (target !== undefined) target.push(problem.line);
        else {
          emit(Events.jsonlMalformed, { bytes: problem.line.bytes }, {
            reason: "malformed_jsonl",
            message: `${LABEL} wrote a line that is not JSON: ${problem.line.error}`,
            line: problem.line.line.slice(0, 4096),
            pid: this.proc.pid,
          });
        }
        return;
      case "invalid": {
        const message = `${LABEL} wrote a message that is not JSON-RPC (${problem.reason}): ${
          (JSON.stringify(problem.message) ?? String(problem.message)).slice(0, 500)
        }`;
        if (target !== undefined) target.warn("rpc_invalid_message", message);
        else emit(Events.warning, {}, { reason: "rpc_invalid_message", message, pid: this.proc.pid });
        return;
      }
      case "unknown_response":
        emit(Events.warning, {}, {
          reason: "rpc_unknown_response",
          message: `${LABEL} answered request id ${JSON.stringify(problem.id)}, which nobody is waiting for (a call past its deadline?): ignored`,
          pid: this.proc.pid,
        });
        return;
      case "answer_failed":
        return; // the peer is gone; its exit fails the turns
    }
  }

  get graceMs(): number {
    return this.#graceMs;
  }

  get stderrTail(): string {
    return this.proc.stderrTail();
  }

  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** Codex options of the server (for messages). */
  get codex(): CodexOptions {
    return this.#codex;
  }
}

/** One turn on a server: the records of its thread's notifications, as they come. */
class AppServerTurn implements TurnSession {
  readonly pid: number;
  readonly request: TurnRequest;
  readonly #server: ServerProcess;
  readonly #threadId: string;
  readonly #policy: string;
  readonly #records: TurnRecords;
  readonly #onClose: () => void;
  readonly #approvals = new Set<PendingApproval>();
  #queue: unknown[];
  #waiters: (() => void)[] = [];
  #turnId: string | undefined;
  // What arrived before turn/start answered (held back until the turn id is known: a resumed
  // thread first gets the previous turn's usage, which must not count for this one).
  #early: { turnId: string | undefined; deliver: () => void; drop: () => void }[] | undefined = [];
  #started: Promise<string | undefined>;
  #setStarted!: (id: string | undefined) => void;
  #ended = false; // the server died, or the instance closed
  #abandoned = false; // turn/start failed
  #failure: CodexExecError | undefined;
  #exit: ExitStatus | undefined;
  #stopping: Promise<void> | undefined;
  #closed: Promise<TurnEnd> | undefined;

  constructor(
    server: ServerProcess,
    request: TurnRequest,
    threadId: string,
    policy: string,
    first: unknown[],
    onClose: () => void,
  ) {
    this.pid = server.proc.pid;
    this.request = request;
    this.#server = server;
    this.#threadId = threadId;
    this.#policy = policy;
    this.#records = new TurnRecords(threadId, request.deltas === true);
    this.#queue = first;
    this.#onClose = onClose;
    this.#started = new Promise((resolve) => (this.#setStarted = resolve));
  }

  get #finished(): boolean {
    return this.#records.finished;
  }

  /** turn/start answered. */
  started(turnId: string): void {
    this.#turnId = turnId;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const e of early) {
      if (e.turnId === undefined || e.turnId === turnId) e.deliver();
      else e.drop();
    }
    this.#setStarted(turnId);
  }

  /** Whether a message for `turnId` belongs to this turn; held back while that is not known yet. */
  #mine(turnId: string | undefined, deliver: () => void, drop: () => void): boolean {
    if (this.#early !== undefined) {
      this.#early.push({ turnId, deliver, drop });
      return false;
    }
    if (turnId !== undefined && turnId !== this.#turnId) {
      drop();
      return false;
    }
    return true;
  }

  push(record: unknown): void {
    this.#queue.push(record);
    this.#signal();
  }

  #signal(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const f of w) f();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  warn(reason: string, message: string): void {
    this.push(new TransportWarning(reason, message));
  }

  notify(method: string, params: unknown): void {
    if (!this.#mine(turnOf(method, params), () => this.notify(method, params), () => {})) return;
    const out = this.#records.map(method, params);
    for (let i = 0; i < out.length; i++) this.#queue.push(out[i]);
    if (out.length > 0 || this.#finished) this.#signal();
  }

  approval(method: string, params: unknown): Promise<unknown> {
    const request = method === "item/fileChange/requestApproval"
      ? this.#fileChange(params as FileChangeRequestApprovalParams)
      : this.#command(params as CommandExecutionRequestApprovalParams);
    if (this.#closed !== undefined || this.#ended) {
      this.#unread(request, "came after the turn ended");
      return Promise.resolve({ decision: "cancel" });
    }
    return new Promise((resolve) => {
      const pending = new PendingApproval(request, epochNanos(), (answer: ApprovalAnswer) => {
        this.#approvals.delete(pending);
        resolve({ decision: answer });
      });
      this.#approvals.add(pending);
      const deliver = (): void => this.push(pending);
      const stale = (): void => {
        if (pending.answer("cancel")) this.#unread(request, `is for turn ${request.turnId}, not this one`);
      };
      if (this.#mine(request.turnId, deliver, stale)) deliver();
    });
  }

  #command(p: CommandExecutionRequestApprovalParams): ToolApprovalRequest {
    return {
      kind: "command",
      threadId: p.threadId,
      turnId: p.turnId,
      itemId: p.itemId,
      reason: p.reason ?? null,
      policy: this.#policy,
      command: p.command ?? null,
      cwd: p.cwd ?? null,
    };
  }

  #fileChange(p: FileChangeRequestApprovalParams): ToolApprovalRequest {
    return {
      kind: "file_change",
      threadId: p.threadId,
      turnId: p.turnId,
      itemId: p.itemId,
      reason: p.reason ?? null,
      policy: this.#policy,
      changes: (this.#records.changesOf(p.itemId) ?? []).map((c) => ({ path: c.path, kind: c.kind.type, diff: c.diff })),
      grantRoot: p.grantRoot ?? null,
    };
  }

  /** turn/start failed: close() has no turn to stop. */
  abandon(): void {
    this.#abandoned = true;
  }

  /** The server is gone. */
  processEnded(status: ExitStatus): void {
    this.#exit = status;
    this.#ended = true;
    this.#cancelApprovals();
    this.#setStarted(undefined);
    this.#signal();
  }

  /** The instance closed under the turn. */
  fail(error: CodexExecError): void {
    this.#failure ??= error;
    this.#ended = true;
    this.#cancelApprovals();
    this.#setStarted(undefined);
    this.#signal();
  }

  /**
   * Answers `cancel` to every request still open. One the thread never took up gets a warning:
   * the run's fold is over (or stopped reading), so no approval span records it.
   */
  #cancelApprovals(): void {
    for (const p of [...this.#approvals]) {
      if (p.answer("cancel") && !p.taken) this.#unread(p.request, "came after the run stopped reading");
    }
  }

  #unread(request: ToolApprovalRequest, why: string): void {
    emit(Events.warning, {}, {
      thread_id: this.#threadId,
      turn_id: request.turnId,
      reason: "approval_cancelled_unread",
      message: `approval request for item ${request.itemId} ${why}: cancelled`,
      call_id: request.itemId,
    });
  }

  async next(): Promise<Iterable<unknown> | null> {
    const { control, timeoutMs } = this.request;
    for (;;) {
      if (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        return batch;
      }
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#finished || this.#ended || control.reason !== undefined) return null;
      if ((await control.wait(this.#changed(), timeoutMs)) === WOKEN) return null;
    }
  }

  cancel(): void {
    void this.#stop();
  }

  /** Interrupts the turn; kills the server when the turn does not end within the grace period. */
  #stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#cancelApprovals();
      if (this.#finished || this.#ended) return;
      const grace = delay(this.#server.graceMs);
      const ended = (async () => {
        while (!this.#finished && !this.#ended) await this.#changed();
      })();
      const interrupted = (async () => {
        const turnId = await Promise.race([this.#started, grace.promise.then(() => undefined)]);
        if (turnId === undefined || this.#finished || this.#ended) return;
        try {
          await this.#server.rpc.call("turn/interrupt", { threadId: this.#threadId, turnId }, {
            timeoutMs: this.#server.graceMs,
          });
        } catch { /* no active turn (it just ended), or no answer: the grace period decides */ }
      })();
      const done = await Promise.race([ended.then(() => true), grace.promise.then(() => false)]);
      grace.cancel();
      await interrupted.catch(() => {});
      if (!done) await this.#server.kill();
    })();
    return this.#stopping;
  }

  /** Ends the commands an interrupted turn left running (see the module notes). */
  async #cleanTerminals(): Promise<void> {
    try {
      await this.#server.rpc.call("thread/backgroundTerminals/clean", { threadId: this.#threadId }, {
        timeoutMs: this.#server.graceMs,
      });
    } catch { /* the server is going away, or has no such thread any more */ }
  }

  async interrupt(): Promise<boolean> {
    const turnId = await this.#started;
    if (turnId === undefined || this.#finished || this.#ended) return false;
    try {
      await this.#server.rpc.call("turn/interrupt", { threadId: this.#threadId, turnId }, {
        timeoutMs: this.#server.codex.requestTimeoutMs ?? 60_000,
      });
      return true;
    } catch (error) {
      if (this.#finished) return false;
      throw error;
    }
  }

  async steer(prompt: string, images: readonly string[]): Promise<void> {
    const turnId = await this.#started;
    if (turnId === undefined || this.#finished || this.#ended) {
      throw new CodexExecError("not_running", "steer() came after the turn ended: start a new one with run()");
    }
    await this.#server.rpc.call("turn/steer", {
      threadId: this.#threadId,
      expectedTurnId: turnId,
      input: wireInput(prompt, images),
    }, { timeoutMs: this.#server.codex.requestTimeoutMs ?? 60_000, trace: traceOf(this.request) });
  }

  close(): Promise<TurnEnd> {
    this.#closed ??= (async () => {
      // Requests the thread never reached (it stopped reading) still get their answer.
      this.#cancelApprovals();
      if (!this.#finished && !this.#ended && !this.#abandoned) await this.#stop();
      else await this.#stopping;
      if (!this.#ended && (this.#stopping !== undefined || this.#records.status === "interrupted")) {
        await this.#cleanTerminals();
      }
      this.#setStarted(undefined);
      this.#onClose();
      return {
        status: this.#exit,
        stderrTail: this.#server.stderrTail,
        finished: this.#finished,
        label: LABEL,
      };
    })();
    return this.#closed;
  }
}

/** The turn a notification is about, when it names one. */
function turnOf(method: string, params: unknown): string | undefined {
  const p = params as { turnId?: unknown; turn?: { id?: unknown } } | undefined;
  if (typeof p?.turnId === "string") return p.turnId;
  if (method.startsWith("turn/") && typeof p?.turn?.id === "string") return p.turn.id;
  return undefined;
}

function traceOf(request: TurnRequest): RpcTrace | undefined {
  const tp = request.traceEnv.TRACEPARENT;
  if (tp === undefined) return undefined;
  const ts = request.traceEnv.TRACESTATE;
  return ts === undefined ? { traceparent: tp } : { traceparent: tp, tracestate: ts };
}

function wireInput(prompt: string, images: readonly string[]): WireInput[] {
  const input: WireInput[] = [];
  if (prompt !== "" || images.length === 0) input.push({ type: "text", text: prompt, text_elements: [] });
  for (const path of images) input.push({ type: "localImage", path });
  return input;
}

function policyName(policy: AskForApproval | undefined): string {
  if (policy === undefined) return "unknown";
  return typeof policy === "string" ? policy : Object.keys(policy)[0] ?? "unknown";
}

/** thread/start and thread/resume share these. */
function threadParams(thread: ThreadOptions): Pick<ThreadStartParams, "model" | "cwd" | "approvalPolicy" | "config"> {
  const config: Record<string, string | boolean | string[]> = {};
  if (thread.networkAccessEnabled !== undefined) config["sandbox_workspace_write.network_access"] = thread.networkAccessEnabled;
  const search = thread.webSearchMode ?? (thread.webSearchEnabled === undefined ? undefined : thread.webSearchEnabled ? "live" : "disabled");
  if (search !== undefined) config.web_search = search;
  if (thread.additionalDirectories?.length) config["sandbox_workspace_write.writable_roots"] = thread.additionalDirectories;
  if (thread.modelReasoningEffort !== undefined) config.model_reasoning_effort = thread.modelReasoningEffort;
  return {
    model: thread.model ?? null,
    cwd: thread.workingDirectory ?? null,
    approvalPolicy: (thread.approvalPolicy as AskForApproval | undefined) ?? null,
    config: Object.keys(config).length > 0 ? config : null,
  };
}
