/**
 * Options of {@link Codex}, threads and turns: those of the official TypeScript SDK plus the
 * runner's own (inactivity timeout, telemetry metadata, approvals, process control).
 * @module
 */
import type { Spawner } from "../runtime/spawner.ts";
import type { ThreadItem } from "./items.ts";
import type { Usage } from "./events.ts";

/** A value of a `--config` override (nested objects are flattened to dotted keys). */
export type CodexConfigValue = string | number | boolean | CodexConfigValue[] | CodexConfigObject;

/** A `--config` object. */
export interface CodexConfigObject {
  /** Key → value. */
  [key: string]: CodexConfigValue;
}

/** Sandbox modes of the CLI. */
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";
/** Approval policies of the CLI. */
export type ApprovalMode = "never" | "on-request" | "on-failure" | "untrusted";
/** Reasoning effort levels. */
export type ModelReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh";
/** Web search modes. */
export type WebSearchMode = "disabled" | "cached" | "live";

/** A request for approval of a tool call (the seed's `tool.call.required`). */
export interface ApprovalRequest {
  /** Tool name. */
  tool: string;
  /** Call id. */
  callId: string;
  /** Tool arguments. */
  arguments: unknown;
  /** Why approval is needed, when the CLI says. */
  reason?: string;
  /** Thread id. */
  threadId?: string;
  /** Turn id. */
  turnId?: string;
  /** Aborted when the run ends or the approval times out. */
  signal: AbortSignal;
}

/** A decision: `true`/`"approved"` approves, `false`/`"denied"` denies, optionally with a reason. */
export type ApprovalDecision = boolean | "approved" | "denied" | { approved: boolean; reason?: string };

/** Decides on tool calls that need approval. */
export type ApprovalHandler = (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;

// ---- app-server approvals (`onApproval`) ----

/** How an app-server approval request is answered (the protocol's decisions, 0.169). */
export type ApprovalAnswer = "accept" | "acceptForSession" | "decline" | "cancel";

/** One file of a patch waiting for approval. */
export interface ApprovalFileChange {
  /** Absolute path. */
  path: string;
  /** What the patch does to it. */
  kind: "add" | "delete" | "update";
  /** The change as a diff (the whole content for an added file). */
  diff: string;
}

/** What every approval request carries. */
export interface ApprovalRequestBase {
  /** Thread id. */
  threadId: string;
  /** Turn id (the app-server's). */
  turnId: string;
  /** The item waiting for the decision (the command's or patch's call id). */
  itemId: string;
  /** Why the agent asks, when it says. */
  reason: string | null;
  /** The thread's approval policy as the app-server reported it (`on-request`, `untrusted`, `never`, `granular`). */
  policy: string;
}

/** The agent wants to run a command that needs approval. */
export interface CommandApprovalRequest extends ApprovalRequestBase {
  /** Discriminator. */
  kind: "command";
  /** The command line, as the app-server will run it. */
  command: string | null;
  /** Its working directory. */
  cwd: string | null;
}

/** The agent wants to apply a patch that needs approval. */
export interface FileChangeApprovalRequest extends ApprovalRequestBase {
  /** Discriminator. */
  kind: "file_change";
  /** The files the patch touches (from the item the app-server announced before asking). */
  changes: ApprovalFileChange[];
  /** A directory the agent asks to write under for the rest of the session, when it does. */
  grantRoot: string | null;
}

/** A request for approval from `codex app-server`: a command or a file change. */
export type ToolApprovalRequest = CommandApprovalRequest | FileChangeApprovalRequest;

/** What an {@link ApprovalHook} gets besides the request. */
export interface ApprovalContext {
  /** Aborted when the answer is no longer wanted (the turn ended, or `approvalTimeoutMs` passed). */
  signal: AbortSignal;
}

/**
 * Decides on an app-server approval request. A hook that throws, or takes longer than
 * `approvalTimeoutMs`, declines; a turn aborted meanwhile cancels.
 */
export type ApprovalHook = (
  request: ToolApprovalRequest,
  context: ApprovalContext,
) => ApprovalAnswer | Promise<ApprovalAnswer>;

/** Which way a `Codex` runs turns. */
export type TransportKind = "exec" | "app-server";

/** Telemetry metadata of a thread. */
export interface RunMetadata {
  /** Caller-supplied source label. */
  source?: string;
  /** Workflow name. */
  workflow?: string;
  /** Group name. */
  group?: string;
  /** Who started the work. @default "sdk" */
  originator?: string;
  /** Put prompts in clear in logs and spans. @default false */
  traceSensitive?: boolean;
  /** No spans for this thread (events still flow). @default false */
  tracingDisabled?: boolean;
  /** Any other label (string, number or boolean). */
  [key: string]: string | number | boolean | undefined;
}

/** Options of {@link Codex}. */
export interface CodexOptions {
  /** Path of the `codex` executable. @default `@openai/codex` from node_modules, else `codex` on PATH */
  codexPathOverride?: string;
  /** Responses API base URL (`--config openai_base_url=…`). */
  baseUrl?: string;
  /** API key, passed as `CODEX_API_KEY`. */
  apiKey?: string;
  /** The CLI's complete environment (replaces the host's). @default the host's environment */
  env?: Record<string, string>;
  /** `--config` overrides, flattened to `a.b=value`. */
  config?: CodexConfigObject;
  /** Raw `--config key=value` strings, passed as given after `config`. */
  configOverrides?: string[];
  /** Starts the CLI. @default the current runtime's adapter ({@link detectSpawner}) */
  spawner?: Spawner;
  /**
   * Start the CLI as the leader of its own process group (Node/Bun `detached`, Deno `detached` =
   * `setsid`), so teardown also ends the commands it started, and the group is killed if the host
   * exits normally. The group is outside the terminal's foreground group: a Ctrl-C that kills the
   * host without an `exit` event does not reach the CLI. @default true
   */
  processGroup?: boolean;
  /** Time between SIGTERM and SIGKILL when a run is torn down. @default 2000 */
  killGraceMs?: number;
  /** Originator sent to the CLI (`CODEX_INTERNAL_ORIGINATOR_OVERRIDE`). @default "codex_sdk_ts" */
  cliOriginator?: string;
  /**
   * How turns run: `exec` starts `codex exec --json` per turn; `app-server` keeps one
   * `codex app-server` process for this instance's threads (approvals, interrupt, steer, deltas).
   * Close it with `codex.close()` or `await using`. @default "exec"
   */
  transport?: TransportKind;
  /** app-server: how long a request to the server (thread/start, turn/start, ...) may go unanswered. @default 60000 */
  requestTimeoutMs?: number;
}

/** Options of a thread (every run of it). */
export interface ThreadOptions {
  /** Model. */
  model?: string;
  /** Sandbox mode. */
  sandboxMode?: SandboxMode;
  /** Working directory of the agent (`--cd`); also the CLI process's cwd. */
  workingDirectory?: string;
  /** Skip the CLI's git repository check. */
  skipGitRepoCheck?: boolean;
  /** Approval policy. */
  approvalPolicy?: ApprovalMode;
  /** Reasoning effort. */
  modelReasoningEffort?: ModelReasoningEffort;
  /** Network access in the workspace-write sandbox. */
  networkAccessEnabled?: boolean;
  /** Web search on/off (`webSearchMode` wins). */
  webSearchEnabled?: boolean;
  /** Web search mode. */
  webSearchMode?: WebSearchMode;
  /** Extra writable directories (`--add-dir`). */
  additionalDirectories?: string[];
  /** Inactivity timeout: the run fails when the CLI prints nothing for this long. @default none */
  timeoutMs?: number;
  /** Telemetry metadata. */
  metadata?: RunMetadata;
  /** Decides on tool calls that need approval. Without it they are denied by policy. */
  approvalHandler?: ApprovalHandler;
  /** How long {@link ThreadOptions.approvalHandler} or {@link ThreadOptions.onApproval} may take. @default 60000 */
  approvalTimeoutMs?: number;
  /**
   * app-server: answers the server's approval requests (commands, file changes). Without it a
   * request is declined, with a warning. Which actions ask depends on `approvalPolicy`.
   */
  onApproval?: ApprovalHook;
  /** The transport of this thread's runs. @default the Codex instance's */
  transport?: TransportKind;
  /**
   * Cumulative usage of the thread before this object's first run (for `resumeThread`): the
   * first turn's per-turn usage is then exact. Without it that turn reports the cumulative
   * figure as its usage and `usage_baseline: "unknown"`.
   */
  usageBaseline?: Usage;
}

/** Options of one run (turn). */
export interface TurnOptions {
  /** JSON schema of the answer; the answer is then parsed into `parsed`. */
  outputSchema?: unknown;
  /**
   * Aborts the run: exec kills the CLI; app-server interrupts the turn and kills the server only
   * when the turn does not end within `killGraceMs`.
   */
  signal?: AbortSignal;
  /** Inactivity timeout of this run. @default the thread's */
  timeoutMs?: number;
  /** Telemetry metadata of this run, merged over the thread's. */
  metadata?: RunMetadata;
  /**
   * app-server: yield agent message, reasoning and command output deltas from `runStreamed`
   * (`item.agent_message.delta`, `item.reasoning.delta`, `item.reasoning_summary.delta`,
   * `item.command_execution.output_delta`). Off, they are dropped as they arrive. @default false
   */
  streamDeltas?: boolean;
}

/**
 * Input parts: text, a local image (`--image`), or a file staged with `Files.stage` (passed as
 * `--image` when it is an image, otherwise named in the prompt by its staged path).
 */
export type UserInput =
  | { type: "text"; text: string }
  | { type: "local_image"; path: string }
  | { type: "staged_file"; file: { path: string; name: string; isImage: boolean } };

/** A run's input. */
export type Input = string | UserInput[];

/** How a run ended; `interrupted` after `thread.interrupt()` (app-server). */
export type RunStatus = "completed" | "early_exit" | "interrupted";

/** The result of {@link Thread.run}. */
export interface RunResult<T = unknown> {
  /** Completed items, in order. */
  items: ThreadItem[];
  /** The agent's last message (or the turn's `final_response`). */
  finalResponse: string;
  /** Usage as the CLI reported it (cumulative for the thread after resume), or `null`. */
  usage: Usage | null;
  /** Usage of this turn alone (difference from the previous turn), or `null`. */
  turnUsage: Usage | null;
  /** Thread id. */
  threadId: string | null;
  /** Turn id (the CLI's, or synthesized as `<thread_id>:<n>`). */
  turnId: string | null;
  /** `early_exit` when the CLI ended without completing the turn; `interrupted` after `thread.interrupt()`. */
  status: RunStatus;
  /** `finalResponse` parsed as JSON, when an output schema was given. */
  parsed?: T;
  /** Messages of `error` events that did not fail the turn (retries). */
  warnings: string[];
  /** Process id of the CLI. */
  pid: number | null;
}

/** The result of {@link Thread.runStreamed}. */
export interface RunStreamedResult<E> {
  /** The CLI's events as they come. Breaking out early tears the run down. */
  events: AsyncGenerator<E, void, undefined>;
}
