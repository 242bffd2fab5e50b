/**
 * Maps the app-server's v2 notifications of one turn to the records of the exec path
 * (`thread.started`, `turn.*`, `item.*` with snake_case items, `error`, usage, diff, compaction,
 * deltas), so that one fold (`codex/telemetry.ts`) serves both transports.
 * @module
 */
// The records are plain objects in the shapes of codex/events.ts and codex/items.ts (a layer
// above, so not imported here). Known methods the SDK has no use for map to nothing; a method
// this CLI version does not have is kept whole as an event of that type (the fold reports it as
// `codex.event.unknown`).
import type { AgentMessageDeltaNotification } from "./protocol/v2/AgentMessageDeltaNotification.ts";
import type { ErrorNotification } from "./protocol/v2/ErrorNotification.ts";
import type { FileUpdateChange } from "./protocol/v2/FileUpdateChange.ts";
import type { ItemCompletedNotification } from "./protocol/v2/ItemCompletedNotification.ts";
import type { ThreadItem } from "./protocol/v2/ThreadItem.ts";
import type { ThreadTokenUsageUpdatedNotification } from "./protocol/v2/ThreadTokenUsageUpdatedNotification.ts";
import type { TokenUsageBreakdown } from "./protocol/v2/TokenUsageBreakdown.ts";
import type { TurnCompletedNotification } from "./protocol/v2/TurnCompletedNotification.ts";
import type { TurnDiffUpdatedNotification } from "./protocol/v2/TurnDiffUpdatedNotification.ts";
import type { TurnPlanUpdatedNotification } from "./protocol/v2/TurnPlanUpdatedNotification.ts";
import type { TurnStartedNotification } from "./protocol/v2/TurnStartedNotification.ts";
import type { WarningNotification } from "./protocol/v2/WarningNotification.ts";
import { SERVER_NOTIFICATION_METHODS } from "./protocol/methods.ts";

/** Token usage in the exec path's snake_case shape. */
export interface SnakeUsage {
  /** Prompt tokens, cached ones included. */
  input_tokens: number;
  /** Prompt tokens served from cache. */
  cached_input_tokens: number;
  /** Tokens written to the cache. */
  cache_write_input_tokens: number;
  /** Completion tokens, reasoning included. */
  output_tokens: number;
  /** Reasoning tokens. */
  reasoning_output_tokens: number;
  /** Total. */
  total_tokens: number;
}

let known: Set<string> | undefined;

/**
 * Whether `method` is a server notification of the vendored protocol version.
 *
 * @param method A notification method.
 * @returns `true` when the protocol has it.
 */
export function isKnownNotification(method: string): boolean {
  known ??= new Set(SERVER_NOTIFICATION_METHODS.split(" "));
  return known.has(method);
}

/**
 * Converts a usage breakdown to the exec shape.
 *
 * @param u The breakdown.
 * @returns The snake_case usage.
 */
export function snakeUsage(u: TokenUsageBreakdown): SnakeUsage {
  return {
    input_tokens: u.inputTokens,
    cached_input_tokens: u.cachedInputTokens,
    cache_write_input_tokens: u.cacheWriteInputTokens,
    output_tokens: u.outputTokens,
    reasoning_output_tokens: u.reasoningOutputTokens,
    total_tokens: u.totalTokens,
  };
}

function minus(a: SnakeUsage, b: SnakeUsage): SnakeUsage {
  const out = { ...a };
  for (const k in out) {
    const key = k as keyof SnakeUsage;
    out[key] = Math.max(0, a[key] - b[key]);
  }
  return out;
}

const STATUS: Record<string, string> = { inProgress: "in_progress" };
const status = (s: string): string => STATUS[s] ?? s;

/**
 * A v2 thread item in the exec path's shape (`command_execution`, `file_change`, ...); item types
 * the exec path does not have are kept whole.
 *
 * @param item The v2 item.
 * @returns The item record.
 */
export function execItem(item: ThreadItem): Record<string, unknown> {
  switch (item.type) {
    case "agentMessage":
      return { id: item.id, type: "agent_message", text: item.text };
    case "reasoning":
      return { id: item.id, type: "reasoning", text: (item.summary.length > 0 ? item.summary : item.content).join("\n\n") };
    case "commandExecution":
      return {
        id: item.id,
        type: "command_execution",
        command: item.command,
        aggregated_output: item.aggregatedOutput ?? "",
        exit_code: item.exitCode,
        status: status(item.status),
      };
    case "fileChange":
      return {
        id: item.id,
        type: "file_change",
        changes: item.changes.map((c: FileUpdateChange) => ({ path: c.path, kind: c.kind.type })),
        status: status(item.status),
      };
    case "mcpToolCall":
      return {
        id: item.id,
        type: "mcp_tool_call",
        server: item.server,
        tool: item.tool,
        arguments: item.arguments,
        result: item.result === null
          ? null
          : { content: item.result.content, structured_content: item.result.structuredContent, _meta: item.result._meta },
        error: item.error,
        status: status(item.status),
      };
    case "webSearch":
      return { id: item.id, type: "web_search", query: item.query, action: item.action ?? undefined };
    default:
      return item as Record<string, unknown>;
  }
}

// Delta notifications → the exec-side event type they become when deltas are on.
const DELTAS: Record<string, string> = {
  "item/agentMessage/delta": "item.agent_message.delta",
  "item/commandExecution/outputDelta": "item.command_execution.output_delta",
  "item/reasoning/textDelta": "item.reasoning.delta",
  "item/reasoning/summaryTextDelta": "item.reasoning_summary.delta",
};

const NONE: readonly unknown[] = [];

/** The records of one turn's notifications, with the little state that takes (plan, usage, changes). */
export class TurnRecords {
  /** The turn id, once a notification named it. */
  turnId: string | undefined;
  /** Whether `turn/completed` arrived. */
  finished = false;
  /** The turn's final status (`completed`, `interrupted`, `failed`), once it ended. */
  status: string | undefined;
  readonly #threadId: string;
  readonly #deltas: boolean;
  readonly #changes = new Map<string, FileUpdateChange[]>();
  #plan: Record<string, unknown> | undefined;
  #usage: SnakeUsage | undefined;
  #baseline: SnakeUsage | undefined;

  /**
   * Starts the records of a turn.
   *
   * @param threadId The thread.
   * @param deltas Whether delta notifications become records.
   */
  constructor(threadId: string, deltas: boolean) {
    this.#threadId = threadId;
    this.#deltas = deltas;
  }

  /**
   * The changes of a file-change item (its `item/started` precedes the approval request, which
   * carries none).
   *
   * @param itemId The item id.
   * @returns The changes, when the item was seen.
   */
  changesOf(itemId: string): readonly FileUpdateChange[] | undefined {
    return this.#changes.get(itemId);
  }

  /**
   * Maps one notification of this turn.
   *
   * @param method The method.
   * @param params Its params.
   * @returns The records (often none).
   */
  map(method: string, params: unknown): readonly unknown[] {
    const p = (params ?? {}) as Record<string, unknown>;
    if (this.turnId === undefined && typeof p.turnId === "string") this.turnId = p.turnId;
    switch (method) {
      case "turn/started": {
        const turn = (p as unknown as TurnStartedNotification).turn;
        this.turnId = turn?.id ?? this.turnId;
        return [{ type: "turn.started", thread_id: this.#threadId, turn_id: this.turnId }];
      }
      case "item/started":
      case "item/completed": {
        const item = (p as unknown as ItemCompletedNotification).item;
        if (item === null || typeof item !== "object") return NONE;
        if (item.type === "userMessage" || item.type === "hookPrompt") return NONE;
        if (item.type === "contextCompaction") {
          return [{ type: method === "item/started" ? "turn.compaction.started" : "turn.compaction.completed", turn_id: this.turnId }];
        }
        if (item.type === "fileChange") this.#changes.set(item.id, item.changes);
        return [{ type: method === "item/started" ? "item.started" : "item.completed", item: execItem(item) }];
      }
      case "thread/tokenUsage/updated": {
        const usage = (p as unknown as ThreadTokenUsageUpdatedNotification).tokenUsage;
        if (usage === undefined || usage === null) return NONE;
        const total = snakeUsage(usage.total);
        const last = snakeUsage(usage.last);
        // `total` is the thread's (cumulative after resume, as on exec); `last` is this request's.
        this.#baseline ??= minus(total, last);
        this.#usage = total;
        return [{ type: "thread.tokenUsage.updated", thread_id: this.#threadId, turn_id: this.turnId, usage: total, delta: last }];
      }
      case "turn/diff/updated":
        return [{ type: "turn.diff.updated", turn_id: this.turnId, diff: (p as unknown as TurnDiffUpdatedNotification).diff }];
      case "turn/plan/updated": {
        const plan = (p as unknown as TurnPlanUpdatedNotification).plan ?? [];
        const first = this.#plan === undefined;
        this.#plan = {
          id: `plan_${this.turnId ?? this.#threadId}`,
          type: "todo_list",
          items: plan.map((s) => ({ text: s.step, completed: s.status === "completed" })),
        };
        return [{ type: first ? "item.started" : "item.updated", item: this.#plan }];
      }
      case "thread/compacted":
        // Deprecated twin of the contextCompaction item: a stage of its own only without one.
        return NONE;
      case "error": {
        const e = p as unknown as ErrorNotification;
        return [{ type: "error", message: e.error?.message ?? "app-server error", will_retry: e.willRetry }];
      }
      case "warning":
        return [{ type: "error", message: (p as unknown as WarningNotification).message }];
      case "turn/completed":
        return this.#complete((p as unknown as TurnCompletedNotification).turn);
      default: {
        const delta = DELTAS[method];
        if (delta !== undefined) {
          if (!this.#deltas) return NONE;
          const d = p as unknown as AgentMessageDeltaNotification;
          return [{ type: delta, item_id: d.itemId, turn_id: d.turnId, delta: d.delta }];
        }
        return isKnownNotification(method) ? NONE : [{ ...p, type: method }];
      }
    }
  }

  #complete(turn: TurnCompletedNotification["turn"] | undefined): readonly unknown[] {
    this.finished = true;
    const out: unknown[] = [];
    if (this.#plan !== undefined) out.push({ type: "item.completed", item: this.#plan });
    const turnId = turn?.id ?? this.turnId;
    const usage = this.#usage;
    const turnUsage = usage !== undefined && this.#baseline !== undefined ? minus(usage, this.#baseline) : undefined;
    const st = turn?.status;
    this.status = st;
    if (st === "failed") {
      out.push({ type: "turn.failed", turn_id: turnId, error: { message: turn?.error?.message ?? "turn failed" } });
    } else {
      out.push({
        type: "turn.completed",
        turn_id: turnId,
        usage: usage ?? null,
        turn_usage: turnUsage,
        status: st === "interrupted" ? "interrupted" : undefined,
        error: st === "interrupted" && turn?.error ? { message: turn.error.message } : undefined,
      });
    }
    return out;
  }
}
