/**
 * Thread items as the Codex CLI 0.169 reports them in `item.*` events (PROTOCOL.md), snake_case
 * fields kept as on the wire. An item type this SDK does not know is kept whole as
 * {@link UnknownItem}.
 * @module
 */

/** Status of a command execution; `declined` when the approval policy refused it. */
export type CommandExecutionStatus = "in_progress" | "completed" | "failed" | "declined";

/** A shell command the agent ran. */
export interface CommandExecutionItem {
  /** Item id (`item_N`, restarts at `item_0` in each CLI process). */
  id: string;
  /** Discriminator. */
  type: "command_execution";
  /** The command line as run. */
  command: string;
  /** Stdout and stderr, interleaved. */
  aggregated_output: string;
  /** Exit code; `null` while running. */
  exit_code?: number | null;
  /** Lifecycle status. */
  status: CommandExecutionStatus;
}

/** Kind of a file change. */
export type PatchChangeKind = "add" | "delete" | "update";

/** One file touched by a patch. */
export interface FileUpdateChange {
  /** Absolute path. */
  path: string;
  /** What happened to it. */
  kind: PatchChangeKind;
}

/** A patch the agent applied. */
export interface FileChangeItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "file_change";
  /** Files changed. */
  changes: FileUpdateChange[];
  /** Lifecycle status. */
  status: "in_progress" | "completed" | "failed" | "declined";
}

/** A call to an MCP server's tool. */
export interface McpToolCallItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "mcp_tool_call";
  /** MCP server name. */
  server: string;
  /** Tool name. */
  tool: string;
  /** Arguments sent. */
  arguments: unknown;
  /** The tool's result, once completed. */
  result?: { content: unknown[]; structured_content: unknown; _meta?: unknown } | null;
  /** The tool's error, when it failed. */
  error?: { message: string } | null;
  /** Lifecycle status. */
  status: "in_progress" | "completed" | "failed";
}

/** The agent's message (JSON text when an output schema was given). */
export interface AgentMessageItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "agent_message";
  /** Message text. */
  text: string;
}

/** A reasoning summary. */
export interface ReasoningItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "reasoning";
  /** Summary text. */
  text: string;
}

/** A web search. The 0.169 line carries `id` twice; `JSON.parse` keeps the last (`ws_…`). */
export interface WebSearchItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "web_search";
  /** Search query (empty while starting). */
  query: string;
  /** What the search did (`{type:"search", query}`, `{type:"other"}`). */
  action?: { type: string; [key: string]: unknown };
}

/** One entry of a to-do list. */
export interface TodoItem {
  /** Entry text. */
  text: string;
  /** Whether it is done. */
  completed: boolean;
}

/** The agent's plan. */
export interface TodoListItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "todo_list";
  /** Entries. */
  items: TodoItem[];
}

/** A non-fatal error the CLI reports as an item. */
export interface ErrorItem {
  /** Item id. */
  id: string;
  /** Discriminator. */
  type: "error";
  /** Error message. */
  message: string;
}

/** An item type this SDK does not know, kept whole. */
export interface UnknownItem {
  /** Item id, when present. */
  id?: string;
  /** The unknown type. */
  type: string;
  /** Every other field, as sent. */
  [key: string]: unknown;
}

/** Every item type of CLI 0.169. */
export type KnownThreadItem =
  | AgentMessageItem
  | ReasoningItem
  | CommandExecutionItem
  | FileChangeItem
  | McpToolCallItem
  | WebSearchItem
  | TodoListItem
  | ErrorItem;

/** A thread item: a known one, or an unknown one kept whole. */
export type ThreadItem = KnownThreadItem | UnknownItem;

/** Item types of CLI 0.169. */
export const KNOWN_ITEM_TYPES: ReadonlySet<string> = new Set([
  "agent_message",
  "reasoning",
  "command_execution",
  "file_change",
  "mcp_tool_call",
  "web_search",
  "todo_list",
  "error",
]);

/**
 * Narrows an item to a known type.
 *
 * @param item Any item.
 * @returns `true` for the eight item types of CLI 0.169.
 * @example
 * ```ts
 * import { isKnownItem } from "./items.ts";
 * isKnownItem({ id: "item_0", type: "agent_message", text: "hi" }); // true
 * ```
 */
export function isKnownItem(item: ThreadItem): item is KnownThreadItem {
  return KNOWN_ITEM_TYPES.has(item.type);
}
