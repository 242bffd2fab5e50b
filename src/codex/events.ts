/**
 * Events on the Codex CLI's stdout (`codex exec --json`): every type of CLI 0.169 (PROTOCOL.md),
 * the richer shapes of the seed SDK (turn ids, `final_response`, `status`, continuation, usage,
 * diff and compaction events in dot and slash spellings, deltas), and {@link UnknownEvent} for
 * anything else, kept whole.
 * @module
 */
import type { Usage } from "../telemetry/events.ts";
import type { ThreadItem } from "./items.ts";
import type { ApprovalAnswer, ToolApprovalRequest } from "./options.ts";

export type { Usage };

/** The thread exists (first line of every run). */
export interface ThreadStartedEvent {
  /** Discriminator. */
  type: "thread.started";
  /** Thread id (UUIDv7). */
  thread_id: string;
  /** The model the server resolved for the thread (app-server transport; exec does not say). */
  model?: string;
}

/** How a turn ended, in the seed's richer shape (`interrupted`: app-server, after `turn/interrupt`). */
export type TurnStatus = "completed" | "failed" | "early_exit" | "interrupted";

/** The final answer of a turn, in the seed's richer shape. */
export interface FinalResponse {
  /** Kind of answer. */
  type: "text" | string;
  /** Answer text. */
  text: string;
}

/** A turn began. 0.169 sends no ids; the seed's shape does. */
export interface TurnStartedEvent {
  /** Discriminator. */
  type: "turn.started";
  /** Thread id (seed shape). */
  thread_id?: string;
  /** Turn id (seed shape). */
  turn_id?: string;
}

/** A turn completed. `usage` sums the turn's requests (cumulative for the thread after resume). */
export interface TurnCompletedEvent {
  /** Discriminator. */
  type: "turn.completed";
  /** Token usage. */
  usage?: Usage | null;
  /** Thread id (seed shape). */
  thread_id?: string;
  /** Turn id (seed shape). */
  turn_id?: string;
  /** The final answer (seed shape). */
  final_response?: FinalResponse | null;
  /** How the turn ended (seed shape; `failed` means a failed turn). */
  status?: TurnStatus;
  /** Error, when `status` is `failed` (seed shape). */
  error?: { message: string } | null;
  /** Usage of this turn alone, when the producer knows it exactly (app-server). */
  turn_usage?: Usage | null;
}

/** A turn failed. */
export interface TurnFailedEvent {
  /** Discriminator. */
  type: "turn.failed";
  /** The CLI's error. */
  error: { message: string };
  /** Thread id (seed shape). */
  thread_id?: string;
  /** Turn id (seed shape). */
  turn_id?: string;
}

/** A turn goes on after a pause (seed shape). */
export interface TurnContinuationEvent {
  /** Discriminator. */
  type: "turn.continuation";
  /** Thread id. */
  thread_id?: string;
  /** Turn id. */
  turn_id?: string;
  /** Other fields, as sent. */
  [key: string]: unknown;
}

/** An item began. */
export interface ItemStartedEvent {
  /** Discriminator. */
  type: "item.started";
  /** The item. */
  item: ThreadItem;
}

/** An item changed (to-do lists). */
export interface ItemUpdatedEvent {
  /** Discriminator. */
  type: "item.updated";
  /** The item. */
  item: ThreadItem;
}

/** An item finished. */
export interface ItemCompletedEvent {
  /** Discriminator. */
  type: "item.completed";
  /** The item. */
  item: ThreadItem;
}

/**
 * A streamed piece of an item: the agent's message or the input (seed shape), and with the
 * app-server's `streamDeltas` the agent's message, reasoning text and summary, and command output.
 */
export interface ItemDeltaEvent {
  /** Discriminator. */
  type:
    | "item.agent_message.delta"
    | "item.input_text.delta"
    | "item.reasoning.delta"
    | "item.reasoning_summary.delta"
    | "item.command_execution.output_delta";
  /** Item id. */
  item_id?: string;
  /** The text piece. */
  delta: string;
  /** Other fields, as sent. */
  [key: string]: unknown;
}

/** A non-fatal error (a retry: `Reconnecting... 1/5`), or the reason of a coming `turn.failed`. */
export interface ThreadErrorEvent {
  /** Discriminator. */
  type: "error";
  /** Message. */
  message: string;
}

/** Token usage update (seed shape). */
export interface TokenUsageUpdatedEvent {
  /** Discriminator. */
  type: "thread.tokenUsage.updated" | "thread/tokenUsage/updated";
  /** Usage so far. */
  usage?: Usage | null;
  /** Change since the previous update. */
  delta?: Usage | null;
  /** Thread id. */
  thread_id?: string;
  /** Turn id. */
  turn_id?: string;
}

/** The turn's diff changed (seed shape). */
export interface TurnDiffUpdatedEvent {
  /** Discriminator. */
  type: "turn.diff.updated" | "turn/diff/updated";
  /** Unified diff. */
  diff: string;
  /** Thread id. */
  thread_id?: string;
  /** Turn id. */
  turn_id?: string;
}

/** Details of a context compaction (seed shape). */
export interface CompactionInfo {
  /** Tokens saved. */
  token_savings?: number;
  /** Other fields, as sent. */
  [key: string]: unknown;
}

/** A compaction stage (seed shape), in dot or slash spelling. */
export interface TurnCompactionEvent {
  /** Discriminator. */
  type:
    | "turn.compaction.started"
    | "turn.compaction.completed"
    | "turn.compaction.failed"
    | "turn/compaction/started"
    | "turn/compaction/completed"
    | "turn/compaction/failed";
  /** Details. */
  compaction?: CompactionInfo | null;
  /** Error, when it failed. */
  error?: { message: string } | null;
  /** Thread id. */
  thread_id?: string;
  /** Turn id. */
  turn_id?: string;
}

/** A tool call that needs approval (seed shape); answered by the `approvalHandler` option. */
export interface ToolCallRequiredEvent {
  /** Discriminator. */
  type: "tool.call.required";
  /** Call id. */
  call_id: string;
  /** Tool name. */
  tool?: string;
  /** Tool name (alternative spelling). */
  name?: string;
  /** Arguments. */
  arguments?: unknown;
  /** Whether a decision is needed. */
  requires_approval?: boolean;
  /** Why approval is needed. */
  reason?: string;
  /** Set by the SDK before the event is yielded: what the `approvalHandler` (or the policy) decided. */
  decision?: "approved" | "denied" | "timeout";
}

/** An app-server approval request and how it was answered (yielded once the answer is sent). */
export interface ApprovalDecidedEvent {
  /** Discriminator. */
  type: "approval.decided";
  /** The request. */
  request: ToolApprovalRequest;
  /** The answer sent to the app-server. */
  answer: ApprovalAnswer;
  /** Who decided: `user` (the `onApproval` hook) or `policy` (no hook, a hook that threw or was too slow, an interrupted run). */
  source: "user" | "policy";
  /** Why, when the hook did not decide. */
  reason?: string;
}

/** An event type this SDK does not know, kept whole (also surfaced as `codex.event.unknown`). */
export interface UnknownEvent {
  /** The unknown type. */
  type: string;
  /** Every other field, as sent. */
  [key: string]: unknown;
}

/** Every known event. */
export type KnownThreadEvent =
  | ThreadStartedEvent
  | TurnStartedEvent
  | TurnCompletedEvent
  | TurnFailedEvent
  | TurnContinuationEvent
  | ItemStartedEvent
  | ItemUpdatedEvent
  | ItemCompletedEvent
  | ItemDeltaEvent
  | ThreadErrorEvent
  | TokenUsageUpdatedEvent
  | TurnDiffUpdatedEvent
  | TurnCompactionEvent
  | ToolCallRequiredEvent
  | ApprovalDecidedEvent;

/** An event from the CLI: a known one, or an unknown one kept whole. */
export type ThreadEvent = KnownThreadEvent | UnknownEvent;

/** Known event types (dot and slash spellings). */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  "thread.started",
  "turn.started",
  "turn.completed",
  "turn.failed",
  "turn.continuation",
  "item.started",
  "item.updated",
  "item.completed",
  "item.agent_message.delta",
  "item.input_text.delta",
  "item.reasoning.delta",
  "item.reasoning_summary.delta",
  "item.command_execution.output_delta",
  "error",
  "thread.tokenUsage.updated",
  "thread/tokenUsage/updated",
  "turn.diff.updated",
  "turn/diff/updated",
  "turn.compaction.started",
  "turn.compaction.completed",
  "turn.compaction.failed",
  "turn/compaction/started",
  "turn/compaction/completed",
  "turn/compaction/failed",
  "tool.call.required",
  "approval.decided",
]);

/**
 * Narrows an event to a known type.
 *
 * @param event Any event.
 * @returns `true` for the types in {@link KNOWN_EVENT_TYPES}.
 * @example
 * ```ts
 * import { isKnownEvent } from "./events.ts";
 * isKnownEvent({ type: "turn.started" }); // true
 * ```
 */
export function isKnownEvent(event: ThreadEvent): event is KnownThreadEvent {
  return KNOWN_EVENT_TYPES.has(event.type);
}

/**
 * The dot spelling of a slash-spelled type (`turn/compaction/completed` → `turn.compaction.completed`).
 *
 * @param type Event type.
 * @returns The dot spelling.
 * @example
 * ```ts
 * import { normalizeEventType } from "./events.ts";
 * normalizeEventType("turn/diff/updated"); // "turn.diff.updated"
 * ```
 */
export function normalizeEventType(type: string): string {
  return type.includes("/") ? type.replaceAll("/", ".") : type;
}
