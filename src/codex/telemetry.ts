/**
 * Turns one run's CLI events into telemetry (docs/TELEMETRY-CONTRACT.md): the thread span around
 * the process, turn, item, tool, approval and compaction spans inside it, usage, diff, warnings,
 * malformed lines and unknown events. {@link RunTelemetry.finish} ends every span still open, so
 * each start gets exactly one end on every path.
 * @module
 */
import { describeError, emit, startSpan } from "../telemetry/bus.ts";
import type { SpanHandle } from "../telemetry/bus.ts";
import { Events } from "../telemetry/events.ts";
import { scrubCredentials } from "../telemetry/redact.ts";
import type { Measurements, Metadata, Usage } from "../telemetry/events.ts";
import type { MalformedLine } from "../jsonl/decoder.ts";
import type { ThreadEvent } from "./events.ts";
import type { ThreadItem } from "./items.ts";

/** Longest raw line carried by `codex.jsonl.malformed`. */
export const MALFORMED_LINE_LIMIT = 4096;

/** Per-thread state kept across runs (turn numbering and the usage baseline). */
export interface ThreadTelemetryState {
  /** Turns started by this Thread object. */
  turnSeq: number;
  /** Cumulative usage after the previous turn; `undefined` when unknown (resumed thread). */
  lastUsage: Usage | undefined;
}

const USAGE_KEYS = [
  "input_tokens",
  "cached_input_tokens",
  "output_tokens",
  "reasoning_output_tokens",
  "cache_write_input_tokens",
  "total_tokens",
] as const;

function usageDelta(now: Usage, before: Usage): Usage | undefined {
  const out: Record<string, number> = {};
  for (const k of USAGE_KEYS) {
    const a = now[k];
    if (a === undefined) continue;
    const d = a - (before[k] ?? 0);
    if (d < 0) return undefined; // not cumulative after all
    out[k] = d;
  }
  return out as unknown as Usage;
}

function usageMeasurements(u: Usage | undefined): Measurements {
  const m: Measurements = {};
  if (u === undefined) return m;
  for (const k of USAGE_KEYS) if (typeof u[k] === "number") m[k] = u[k];
  return m;
}

/** The tool name of a CLI tool item, or `undefined` for items that are not tool calls. */
function toolOf(item: ThreadItem): string | undefined {
  switch (item.type) {
    case "command_execution":
      return "exec_command";
    case "file_change":
      return "apply_patch";
    case "web_search":
      return "web_search";
    case "mcp_tool_call":
      return `${String(item.server)}.${String(item.tool)}`;
    default:
      return undefined;
  }
}

function itemError(item: ThreadItem): { message: string } | undefined {
  const own = item.type === "error" ? item.message : undefined;
  const nested = ((item as { error?: unknown }).error as { message?: unknown } | null | undefined)?.message;
  const message = typeof own === "string" ? own : nested;
  return typeof message === "string" ? { message: scrubCredentials(message) } : undefined;
}

// Error text from the CLI and the server (stderr tails, HTTP answers) goes into events, and from
// there into spans and log records that leave the process: credential shapes are replaced first.
function scrubbedError(error: unknown): unknown {
  if (typeof error === "string") return scrubCredentials(error);
  if (error === null || typeof error !== "object" || typeof (error as { message?: unknown }).message !== "string") {
    return error;
  }
  const message = scrubCredentials((error as { message: string }).message);
  if (message === (error as { message: string }).message) return error;
  if (!(error instanceof Error)) return { ...error, message };
  const clean = new Error(message);
  clean.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(clean, { code });
  return clean;
}

/** How a run ended, as the runner decided. */
export interface RunOutcome {
  /** Thread result. */
  result: "ok" | "error" | "early_exit";
  /** Status for a turn still open. */
  openTurnStatus: "early_exit" | "aborted" | "timeout" | "error";
  /** The error, for `result: "error"`. */
  error?: unknown;
  /** Exit code. */
  exitCode?: number | null;
  /** Signal. */
  signal?: string | null;
  /** Why it ended, when not by itself (`consumer_stopped`, `aborted`...). */
  reason?: string;
}

/** Telemetry of one CLI invocation. */
export class RunTelemetry {
  /** The thread span. */
  readonly thread: SpanHandle;
  /** Thread id, once known. */
  threadId: string | undefined;
  /** Current or last turn id. */
  turnId: string | undefined;
  /** Usage of the completed turn (per-turn delta). */
  turnUsage: Usage | undefined;
  /** Cumulative usage the CLI reported. */
  cumulativeUsage: Usage | undefined;
  /** How the turn ended, once it did (`interrupted`: app-server `turn/interrupt`). */
  turnStatus: "completed" | "failed" | "early_exit" | "interrupted" | undefined;
  /** The CLI's message of a failed turn. */
  turnError: string | undefined;
  /** `error` events that did not fail the turn. */
  readonly warnings: string[] = [];
  /** `error` events of the current turn, not yet known to be warnings. */
  pendingErrors: string[] = [];
  /** The final answer (`final_response` of the seed's `turn.completed`). */
  finalResponse: string | undefined;

  readonly #state: ThreadTelemetryState;
  #turn: SpanHandle | undefined;
  readonly #items = new Map<string, { span: SpanHandle; tool?: SpanHandle }>();
  readonly #approvals = new Map<string, SpanHandle>();
  // Call ids whose approval was decided through approvalStart (app-server): their declined items
  // need no synthetic "declined by the policy" approval span.
  readonly #decided = new Set<string>();
  #compaction: SpanHandle | undefined;
  #lastSeenUsage: Usage | undefined;
  readonly #common: Metadata;

  /**
   * Emits `codex.thread.start` (before the spawn, so a tracer can hand out trace context).
   *
   * @param state Per-thread state.
   * @param metadata Start metadata.
   */
  constructor(state: ThreadTelemetryState, metadata: Metadata) {
    this.#state = state;
    this.threadId = typeof metadata.thread_id === "string" ? metadata.thread_id : undefined;
    // Carried by every event of the run, not only the thread's own.
    this.#common = { originator: metadata.originator, source: metadata.source };
    this.thread = startSpan("codex.thread", metadata);
  }

  #ids(): Metadata {
    const ids: Metadata = { thread_id: this.threadId, turn_id: this.turnId };
    if (this.#common.originator !== undefined) ids.originator = this.#common.originator;
    if (this.#common.source !== undefined) ids.source = this.#common.source;
    if (this.#common.response_model !== undefined) ids.response_model = this.#common.response_model;
    return ids;
  }

  #parent(): string {
    return this.#turn?.token ?? this.thread.token;
  }

  /**
   * The CLI is running.
   *
   * @param pid Its process id.
   */
  spawned(pid: number): void {
    this.thread.merge({ pid });
    const { input: _input, ...meta } = this.thread.metadata;
    emit(Events.threadSpawned, {}, { ...meta, pid, span_token: this.thread.token });
  }

  /**
   * A line that was not a JSON event.
   *
   * @param bad The line.
   */
  malformed(bad: MalformedLine | { line: string; error: string; bytes: number }): void {
    const line = bad.line.length > MALFORMED_LINE_LIMIT ? bad.line.slice(0, MALFORMED_LINE_LIMIT) : bad.line;
    emit(Events.jsonlMalformed, { bytes: bad.bytes }, {
      ...this.#ids(),
      parent_token: this.thread.token,
      reason: "malformed_jsonl",
      message: `stdout line is not a JSON event: ${bad.error}`,
      line,
      truncated: line.length < bad.line.length,
    });
  }

  /**
   * Records one CLI event (approvals are handled by the runner through {@link approvalStart}).
   *
   * @param event The event.
   * @param known Whether its type is known.
   */
  event(event: ThreadEvent, known: boolean): void {
    const e = event as Record<string, unknown>;
    if (typeof e.thread_id === "string" && this.threadId === undefined) this.#setThreadId(e.thread_id);
    const type = event.type.includes("/") ? event.type.replaceAll("/", ".") : event.type;
    switch (type) {
      case "thread.started":
        this.#setThreadId(String(e.thread_id));
        // app-server answers the model it resolved: every later event of the run carries it.
        if (typeof e.model === "string" && e.model !== "") {
          this.#common.response_model = e.model;
          this.thread.merge({ response_model: e.model });
        }
        return;
      case "turn.started":
        this.#startTurn(typeof e.turn_id === "string" ? e.turn_id : undefined);
        return;
      case "turn.completed":
        this.#completeTurn(e);
        return;
      case "turn.failed":
        if (this.#turn === undefined) this.#startTurn(typeof e.turn_id === "string" ? e.turn_id : undefined);
        this.#failTurn(messageOf(e.error) ?? this.pendingErrors.at(-1) ?? "turn failed");
        return;
      case "item.started":
      case "item.updated":
      case "item.completed":
        this.#item(type, e.item as ThreadItem);
        return;
      case "error":
        this.pendingErrors.push(String(e.message ?? ""));
        return;
      case "thread.tokenUsage.updated":
        this.#usageUpdated(e.usage as Usage | undefined, e.delta as Usage | undefined);
        return;
      case "turn.diff.updated":
        emit(Events.diffUpdated, {}, { ...this.#ids(), parent_token: this.#parent(), diff: e.diff });
        return;
      case "turn.compaction.started":
        this.#compaction?.stop({}, { reason: "superseded" }, Events.compactionFailed);
        this.#compaction = this.#compactionSpan();
        return;
      case "turn.compaction.completed":
      case "turn.compaction.failed": {
        const span = this.#compaction ?? this.#compactionSpan();
        this.#compaction = undefined;
        const info = (e.compaction ?? {}) as Record<string, unknown>;
        const savings = typeof info.token_savings === "number" ? info.token_savings : undefined;
        span.stop(
          savings === undefined ? {} : { token_savings: savings },
          { compaction: e.compaction ?? undefined, error: scrubbedError(e.error ?? undefined), ...this.#ids() },
          type === "turn.compaction.completed" ? Events.compactionCompleted : Events.compactionFailed,
        );
        return;
      }
      default:
        if (!known) {
          emit(Events.eventUnknown, {}, {
            ...this.#ids(),
            parent_token: this.#parent(),
            reason: "unknown_event",
            message: `unknown event type ${JSON.stringify(event.type)} kept as is`,
            type: event.type,
            event,
          });
        }
    }
  }

  #setThreadId(id: string): void {
    this.threadId = id;
    this.thread.merge({ thread_id: id });
  }

  #startTurn(cliTurnId: string | undefined): void {
    if (this.#turn !== undefined) this.#endTurn("early_exit", {});
    const n = ++this.#state.turnSeq;
    this.turnId = cliTurnId ?? `${this.threadId ?? "thread"}:${n}`;
    this.turnStatus = undefined;
    this.thread.merge({ turn_id: this.turnId });
    this.#turn = startSpan("codex.turn", { parent_token: this.thread.token, ...this.#ids() });
  }

  #completeTurn(e: Record<string, unknown>): void {
    if (this.#turn === undefined) this.#startTurn(typeof e.turn_id === "string" ? e.turn_id : undefined);
    const fr = e.final_response as { text?: unknown } | null | undefined;
    if (fr && typeof fr.text === "string") this.finalResponse = fr.text;
    const usage = e.usage as Usage | null | undefined;
    let delta: Usage | undefined;
    let baseline: string | undefined;
    if (usage) {
      const before = this.#state.lastUsage;
      // A producer that knows the turn's own usage (app-server) needs no baseline.
      const exact = e.turn_usage as Usage | null | undefined;
      if (exact) delta = exact;
      else {
        if (before === undefined) baseline = "unknown";
        delta = before === undefined ? usage : usageDelta(usage, before);
        if (delta === undefined) {
          delta = usage;
          baseline = "reset";
        }
      }
      this.#state.lastUsage = usage;
      this.cumulativeUsage = usage;
      this.turnUsage = delta;
      emit(Events.tokenUsageUpdated, usageMeasurements(delta), {
        ...this.#ids(),
        parent_token: this.#turn!.token,
        usage,
        delta,
        usage_baseline: baseline,
      });
    }
    if (e.status === "failed") {
      this.#failTurn(messageOf(e.error) ?? this.pendingErrors.at(-1) ?? "turn failed");
      return;
    }
    for (const message of this.pendingErrors) {
      this.warnings.push(message);
      emit(Events.warning, {}, {
        ...this.#ids(),
        parent_token: this.#turn!.token,
        reason: "cli_error_recovered",
        message: scrubCredentials(message),
      });
    }
    this.pendingErrors = [];
    const status = e.status === "early_exit" || e.status === "interrupted" ? e.status : "completed";
    this.turnStatus = status;
    this.#endTurn(status, { usage: delta, usage_cumulative: usage ?? undefined, usage_baseline: baseline });
  }

  #failTurn(message: string): void {
    this.turnStatus = "failed";
    this.turnError = message;
    this.pendingErrors = [];
    this.#endTurn("failed", { error: { message } });
  }

  #endTurn(status: string, metadata: Metadata): void {
    const turn = this.#turn;
    if (turn === undefined) return;
    this.#closeChildren(status === "completed" ? "incomplete" : status);
    this.#turn = undefined;
    const md: Metadata = { ...metadata, status };
    if (md.error !== undefined) md.error = scrubbedError(md.error);
    turn.stop(usageMeasurements(metadata.usage as Usage | undefined), md);
  }

  #closeChildren(status: string): void {
    for (const [id, open] of this.#items) {
      this.#items.delete(id);
      open.tool?.stop({}, { result: status, status }, Events.toolFailure);
      open.span.stop({}, { status });
    }
    for (const [id, approval] of this.#approvals) {
      this.#approvals.delete(id);
      approval.stop({}, { reason: `run ended (${status}) before a decision` }, Events.approvalTimeout);
    }
    this.#compaction?.stop({}, { reason: `run ended (${status})` }, Events.compactionFailed);
    this.#compaction = undefined;
  }

  #usageUpdated(usage: Usage | undefined, delta: Usage | undefined): void {
    const d = delta ?? (usage && this.#lastSeenUsage ? usageDelta(usage, this.#lastSeenUsage) : usage);
    if (usage) this.#lastSeenUsage = usage;
    emit(Events.tokenUsageUpdated, usageMeasurements(d ?? undefined), {
      ...this.#ids(),
      parent_token: this.#parent(),
      usage,
      delta: d,
    });
  }

  #item(type: string, item: ThreadItem): void {
    if (item === null || typeof item !== "object") return;
    const id = String(item.id ?? "");
    let open = this.#items.get(id);
    if (open === undefined) {
      const tool = toolOf(item);
      const meta: Metadata = {
        ...this.#ids(),
        parent_token: this.#parent(),
        item_id: id,
        item_type: item.type,
        command: item.type === "command_execution" ? item.command : undefined,
        server: item.type === "mcp_tool_call" ? item.server : undefined,
        tool: item.type === "mcp_tool_call" ? item.tool : undefined,
      };
      open = { span: startSpan("codex.item", meta) };
      if (tool !== undefined) {
        open.tool = startSpan(
          "codex.tool",
          {
            ...this.#ids(),
            parent_token: this.#parent(),
            tool,
            call_id: id,
            attempt: 1,
            item_type: item.type,
          },
          {},
          { stop: Events.toolSuccess, exception: Events.toolFailure },
        );
      }
      this.#items.set(id, open);
    }
    const status = typeof (item as { status?: unknown }).status === "string"
      ? (item as { status: string }).status
      : undefined;
    if (type === "item.updated") {
      emit(Events.itemUpdate, {}, {
        ...open.span.metadata,
        status,
        item: item.type === "todo_list" ? item : undefined,
      });
    }
    if (type !== "item.completed") return;
    this.#items.delete(id);
    const exitCode = (item as { exit_code?: unknown }).exit_code;
    const error = itemError(item);
    const finalStatus = status ?? "completed";
    if (finalStatus === "declined" && !this.#decided.has(id)) {
      const approval = this.#approvalSpan(toolOf(item), id);
      approval.stop({}, { source: "policy", reason: "declined by the approval policy" }, Events.approvalDenied);
    }
    if (open.tool !== undefined) {
      const ok = finalStatus === "completed";
      open.tool.stop({}, {
        result: finalStatus,
        exit_code: typeof exitCode === "number" ? exitCode : undefined,
        error,
      }, ok ? Events.toolSuccess : Events.toolFailure);
    }
    open.span.stop({}, {
      status: finalStatus,
      exit_code: typeof exitCode === "number" ? exitCode : undefined,
      error,
    });
    if (item.type === "error" && error !== undefined) {
      emit(Events.warning, {}, {
        ...this.#ids(),
        parent_token: this.#parent(),
        reason: "cli_error_item",
        message: error.message,
      });
    }
  }

  /**
   * A tool call needs approval: emits `codex.approval.requested`.
   *
   * @param callId Call id.
   * @param tool Tool name.
   * @param options When the request arrived (epoch ns; the span is back-dated to it) and extra
   *   start metadata (the app-server's `policy`, `approval_kind`).
   * @returns A function that records the decision (with extra end metadata such as `answer`).
   */
  approvalStart(
    callId: string,
    tool: string,
    options: { startTime?: bigint; metadata?: Metadata } = {},
  ): (decision: "approved" | "denied" | "timeout", source: "policy" | "user", reason?: string, extra?: Metadata) => void {
    const span = this.#approvalSpan(tool, callId, options.startTime, options.metadata);
    this.#approvals.set(callId, span);
    this.#decided.add(callId);
    return (decision, source, reason, extra) => {
      this.#approvals.delete(callId);
      const name = decision === "approved"
        ? Events.approvalApproved
        : decision === "denied"
        ? Events.approvalDenied
        : Events.approvalTimeout;
      span.stop({}, { ...extra, source, reason }, name);
    };
  }

  #approvalSpan(tool: string | undefined, callId: string, startTime?: bigint, extra?: Metadata): SpanHandle {
    const meta: Metadata = { parent_token: this.#parent(), ...this.#ids(), tool, call_id: callId, ...extra };
    return startSpan("codex.approval", meta, {}, { start: Events.approvalRequested, startTime });
  }

  /**
   * A problem the transport noticed that does not fail the run (a declined approval for want of a
   * hook, a server request this SDK does not answer): a `codex.warning` and an entry in the
   * result's `warnings`.
   *
   * @param reason Stable reason code.
   * @param message What happened.
   */
  warning(reason: string, message: string): void {
    this.warnings.push(message);
    emit(Events.warning, {}, { ...this.#ids(), parent_token: this.#parent(), reason, message });
  }

  #compactionSpan(): SpanHandle {
    return startSpan("codex.turn.compaction", { parent_token: this.#parent(), ...this.#ids() }, {}, {
      start: Events.compactionStarted,
      stop: Events.compactionCompleted,
      exception: Events.compactionFailed,
    });
  }

  /**
   * Ends every span still open and the thread span (stop, or exception for an error result),
   * then forgets nothing else: call exactly once per run.
   *
   * @param outcome How the run ended.
   */
  finish(outcome: RunOutcome): void {
    if (this.#turn !== undefined) {
      const message = outcome.error !== undefined ? describeError(outcome.error).message : outcome.reason;
      this.#endTurn(outcome.openTurnStatus, {
        error: message === undefined ? undefined : { message },
        reason: outcome.reason,
      });
    }
    this.#closeChildren(outcome.openTurnStatus);
    const end: Metadata = {
      ...this.#ids(),
      exit_code: outcome.exitCode ?? undefined,
      signal: outcome.signal ?? undefined,
      result: outcome.result,
      reason: outcome.reason,
      usage: this.turnUsage,
    };
    if (outcome.result === "error") this.thread.exception(scrubbedError(outcome.error), end);
    else this.thread.stop(usageMeasurements(this.turnUsage), end);
  }
}

function messageOf(error: unknown): string | undefined {
  if (
    error !== null && typeof error === "object" &&
    typeof (error as { message?: unknown }).message === "string"
  ) {
    return (error as { message: string }).message;
  }
  return undefined;
}
