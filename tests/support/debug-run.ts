// Synthetic telemetry for the debug feed tests: a run shaped like the runner's (thread → turn →
// items, tools, token usage) emitted through the real bus, and a minimal stand-in tracer that turns
// start/stop pairs into `codex.span.finished` events the way the real tracer does (span times from
// `system_time`, no span token in the event: the feed has to match spans to starts by time).
import { attach, detach, emit, startSpan } from "../../src/telemetry/bus.ts";
import { Events } from "../../src/telemetry/events.ts";
import type { Measurements, Metadata } from "../../src/telemetry/events.ts";
import type { SpanRecord } from "../../src/tracing/span-record.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Options of {@link syntheticRun}. */
export interface SyntheticRunOptions {
  /** The prompt. */
  prompt?: string;
  /** Pause between steps, so bars have width. */
  stepMs?: number;
  /** End the turn as failed (and the thread with an exception). */
  fail?: boolean;
  /** Extra metadata merged into the thread start (secrets for the scan). */
  threadMetadata?: Metadata;
  /** Error message of a failed run. */
  errorMessage?: string;
  /** Thread id. */
  threadId?: string;
}

/**
 * Emits one run's events.
 *
 * @param options Shape of the run.
 * @returns The thread id.
 */
export async function syntheticRun(options: SyntheticRunOptions = {}): Promise<string> {
  const step = options.stepMs ?? 0;
  const threadId = options.threadId ?? `0199${Math.random().toString(16).slice(2, 10)}-7000-8000-${Date.now()}`;
  const thread = startSpan("codex.thread", {
    input: options.prompt ?? "list the files",
    model: "gpt-5.5",
    sandbox_mode: "workspace-write",
    source: "test",
    ...options.threadMetadata,
  });
  emit(Events.threadSpawned, {}, { pid: 4242, span_token: thread.token });
  await sleep(step);
  thread.merge({ thread_id: threadId });
  const turnId = `${threadId}:1`;
  const turn = startSpan("codex.turn", { parent_token: thread.token, thread_id: threadId, turn_id: turnId });
  await sleep(step);
  const cmd = startSpan("codex.item", {
    parent_token: turn.token,
    thread_id: threadId,
    turn_id: turnId,
    item_id: "item_0",
    item_type: "command_execution",
    command: "bash -lc ls",
  });
  const tool = startSpan("codex.tool", {
    parent_token: turn.token,
    thread_id: threadId,
    tool: "exec_command",
    call_id: "call_1",
    attempt: 1,
  }, {}, { stop: Events.toolSuccess, exception: Events.toolFailure });
  await sleep(step * 2);
  tool.stop({}, { result: "ok", exit_code: 0 });
  cmd.stop({}, { status: "completed", exit_code: 0 });
  const patch = startSpan("codex.item", {
    parent_token: turn.token,
    thread_id: threadId,
    turn_id: turnId,
    item_id: "item_1",
    item_type: "file_change",
  });
  await sleep(step);
  patch.stop({}, { status: "completed" });
  const usage = { input_tokens: 1200, cached_input_tokens: 800, output_tokens: 96, reasoning_output_tokens: 32 };
  emit(Events.tokenUsageUpdated, { input_tokens: 1200, output_tokens: 96 }, {
    thread_id: threadId,
    turn_id: turnId,
    usage,
    delta: usage,
  });
  const msg = startSpan("codex.item", {
    parent_token: turn.token,
    thread_id: threadId,
    turn_id: turnId,
    item_id: "item_2",
    item_type: "agent_message",
  });
  msg.stop({}, { status: "completed" });
  await sleep(step);
  if (options.fail) {
    const message = options.errorMessage ?? "stream disconnected before completion";
    turn.stop({}, { status: "failed", error: { message } });
    thread.exception(new Error(message), { result: "error", exit_code: 1, thread_id: threadId });
  } else {
    turn.stop({}, { status: "completed", usage, usage_cumulative: usage });
    thread.stop({}, { result: "ok", exit_code: 0, usage, thread_id: threadId });
  }
  return threadId;
}

const ENDS: Record<string, string> = {
  [Events.threadStop]: "codex.thread",
  [Events.threadException]: "codex.thread",
  [Events.turnStop]: "codex.turn",
  [Events.turnException]: "codex.turn",
  [Events.itemStop]: "codex.item",
  [Events.itemException]: "codex.item",
  [Events.toolSuccess]: "codex.tool",
  [Events.toolFailure]: "codex.tool",
};
/** Instrumentation scope of the stand-in tracer's spans (a real tracer may be attached too). */
export const STAND_IN_SCOPE = "debug-test-stand-in-tracer";

const STARTS = [Events.threadStart, Events.turnStart, Events.itemStart, Events.toolStart];

function hex(n: number): string {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Attaches a minimal tracer that emits `codex.span.finished` for each start/stop pair.
 *
 * @param extraAttributes Attributes added to every span (secrets for the scan).
 * @returns A function that detaches it.
 */
export function attachStandInTracer(extraAttributes: Record<string, string> = {}): () => void {
  const id = `debug-stand-in-tracer-${hex(4)}`;
  const open = new Map<string, { start: bigint; spanId: string; traceId: string; parent?: string; md: Metadata }>();
  attach(id, [...STARTS, ...Object.keys(ENDS)], (name: string, m: Readonly<Measurements>, md: Readonly<Metadata>) => {
    const token = md.span_token;
    if (typeof token !== "string") return;
    if ((STARTS as readonly string[]).includes(name)) {
      const parent = typeof md.parent_token === "string" ? open.get(md.parent_token) : undefined;
      open.set(token, {
        start: m.system_time as bigint,
        spanId: hex(8),
        traceId: parent?.traceId ?? hex(16),
        parent: parent?.spanId,
        md: { ...md },
      });
      return;
    }
    const s = open.get(token);
    if (s === undefined) return;
    open.delete(token);
    const prefix = ENDS[name];
    const failed = name.endsWith("exception") || name.endsWith("failure") || md.status === "failed";
    const spanName = prefix === "codex.item"
      ? `codex.item ${String(s.md.item_type)}`
      : prefix === "codex.tool"
      ? `execute_tool ${String(s.md.tool)}`
      : prefix;
    const usage = md.usage as { input_tokens?: number; output_tokens?: number } | undefined;
    const record: SpanRecord = {
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parent,
      name: spanName,
      kind: 1,
      startTimeUnixNano: s.start,
      endTimeUnixNano: m.system_time as bigint,
      attributes: {
        "codex.thread.id": String(md.thread_id ?? ""),
        "gen_ai.operation.name": prefix === "codex.thread" ? "invoke_agent" : "chat",
        "gen_ai.provider.name": "openai",
        ...(usage !== undefined
          ? { "gen_ai.usage.input_tokens": usage.input_tokens ?? 0, "gen_ai.usage.output_tokens": usage.output_tokens ?? 0 }
          : {}),
        ...extraAttributes,
      },
      droppedAttributesCount: 0,
      events: failed
        ? [{ name: "exception", timeUnixNano: m.system_time as bigint, attributes: { "exception.message": "failed" }, droppedAttributesCount: 0 }]
        : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: failed ? { code: 2, message: "failed" } : { code: 0 },
      flags: 1,
      scope: { name: STAND_IN_SCOPE },
    };
    emit(Events.spanFinished, {}, { span: record });
  });
  return () => {
    detach(id);
  };
}
