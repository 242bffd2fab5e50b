/**
 * Per-run metrics for the debug feed: token totals and the recent turn, tool and approval
 * durations of each run, folded from its telemetry events at ingest (no metrics pipeline needed),
 * with the same values the metric instruments record.
 * @module
 */
// Durations are end minus start `system_time`, as the tracer times spans and the metrics
// instrumentation records them, so the page, the spans and the histograms agree to the
// nanosecond. Everything is bounded: open runs, remembered starts, recent values.
import { eventSeconds, eventTime } from "../telemetry/clock.ts";
import type { Measurements, Metadata } from "../telemetry/events.ts";

/** Recent values of one duration histogram of a run. */
export interface DebugDurations {
  /** Values recorded. */
  count: number;
  /** Their sum, seconds. */
  sum: number;
  /** The largest, seconds (0 when `count` is 0). */
  max: number;
  /** The most recent values, oldest first (at most {@link RECENT_VALUES}). */
  recent: { seconds: number; label: string; error: boolean }[];
}

/** A run's metrics as the debug page shows them. */
export interface DebugRunSummary {
  /** Token totals: the run's turns' own usage, summed. */
  tokens: { input: number; cached_input: number; output: number; reasoning_output: number };
  /** Turn durations (label: the turn's status). */
  turns: DebugDurations;
  /** Tool call durations (label: the tool's name). */
  tools: DebugDurations;
  /** Approval wait times (label: the decision). */
  approvals: DebugDurations;
  /** The run's duration in seconds, once it ended. */
  seconds?: number;
  /** The run's result (`ok`, `error`, `early_exit`), once it ended. */
  result?: string;
}

/** Recent values kept per histogram and run. */
export const RECENT_VALUES = 8;
const MAX_RUNS = 256;

const TURN_ERRORS = new Set(["failed", "error", "timeout", "aborted"]);



function tokens(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

function durations(): DebugDurations {
  return { count: 0, sum: 0, max: 0, recent: [] };
}

function add(d: DebugDurations, s: number, label: string, error: boolean): void {
  d.count++;
  d.sum += s;
  if (s > d.max) d.max = s;
  d.recent.push({ seconds: s, label, error });
  if (d.recent.length > RECENT_VALUES) d.recent.shift();
}

function copy(s: DebugRunSummary): DebugRunSummary {
  const d = (x: DebugDurations): DebugDurations => ({ ...x, recent: x.recent.map((r) => ({ ...r })) });
  const out: DebugRunSummary = {
    tokens: { ...s.tokens },
    turns: d(s.turns),
    tools: d(s.tools),
    approvals: d(s.approvals),
  };
  if (s.seconds !== undefined) out.seconds = s.seconds;
  if (s.result !== undefined) out.result = s.result;
  return out;
}

interface Run {
  start: bigint | undefined;
  summary: DebugRunSummary;
}

/**
 * Folds events into per-run summaries. {@link RunSummaries.fold} returns a copy of the run's
 * summary after each end event that changed it, for the feed to attach to that event's entry.
 *
 * @example
 * ```ts
 * import { RunSummaries } from "./run-summary.ts";
 * const runs = new RunSummaries(100, (s) => s);
 * runs.fold("codex.thread.start", { system_time: 0n }, { span_token: "t" });
 * const s = runs.fold("codex.thread.stop", { system_time: 2_000_000_000n }, { span_token: "t", result: "ok" });
 * console.log(s?.seconds); // 2
 * ```
 */
export class RunSummaries {
  readonly #runs = new Map<string, Run>();
  /** Turn, tool and approval tokens → their run's token and start time. */
  readonly #owners = new Map<string, { run: string; start: bigint | undefined }>();
  readonly #maxOpen: number;
  readonly #label: (text: string) => string;

  /**
   * @param maxOpen Most turn, tool and approval starts remembered at once.
   * @param label Cleans a label (tool names, turn statuses) before it is kept: the feed's scrubber.
   */
  constructor(maxOpen: number, label: (text: string) => string) {
    this.#maxOpen = Math.max(16, maxOpen);
    this.#label = label;
  }

  #runOf(parent: unknown): string | undefined {
    if (typeof parent !== "string") return undefined;
    if (this.#runs.has(parent)) return parent;
    return this.#owners.get(parent)?.run;
  }

  /**
   * Folds one event.
   *
   * @param name Event name.
   * @param m Measurements.
   * @param md Metadata.
   * @returns A copy of the run's summary when this event changed it, else `undefined`.
   */
  fold(name: string, m: Readonly<Measurements>, md: Readonly<Metadata>): DebugRunSummary | undefined {
    const token = md.span_token;
    if (typeof token !== "string") return undefined;
    switch (name) {
      case "codex.thread.start": {
        if (this.#runs.size >= MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value as string);
        this.#runs.set(token, {
          start: eventTime(m),
          summary: { tokens: { input: 0, cached_input: 0, output: 0, reasoning_output: 0 }, turns: durations(), tools: durations(), approvals: durations() },
        });
        return undefined;
      }
      case "codex.turn.start":
      case "codex.tool.start":
      case "codex.approval.requested": {
        const run = this.#runOf(md.parent_token);
        if (run === undefined) return undefined;
        if (this.#owners.size >= this.#maxOpen) this.#owners.delete(this.#owners.keys().next().value as string);
        this.#owners.set(token, { run, start: eventTime(m) });
        return undefined;
      }
      case "codex.thread.stop":
      case "codex.thread.exception": {
        const run = this.#runs.get(token);
        if (run === undefined) return undefined;
        this.#runs.delete(token);
        const s = eventSeconds(run.start, m);
        if (s !== undefined) run.summary.seconds = s;
        const result = md.result;
        run.summary.result = typeof result === "string" ? result : name === "codex.thread.exception" ? "error" : "ok";
        return copy(run.summary);
      }
    }
    const owner = this.#owners.get(token);
    if (owner === undefined) return undefined;
    const run = this.#runs.get(owner.run);
    let d: DebugDurations;
    let label: string;
    let error: boolean;
    switch (name) {
      case "codex.turn.stop":
      case "codex.turn.exception": {
        const status = typeof md.status === "string" ? md.status : name === "codex.turn.exception" ? "error" : "completed";
        d = run?.summary.turns ?? durations();
        label = this.#label(status);
        error = name === "codex.turn.exception" || TURN_ERRORS.has(status);
        const u = md.usage as Record<string, unknown> | null | undefined;
        if (run !== undefined && u !== null && typeof u === "object") {
          const t = run.summary.tokens;
          t.input += tokens(u.input_tokens);
          t.cached_input += tokens(u.cached_input_tokens);
          t.output += tokens(u.output_tokens);
          t.reasoning_output += tokens(u.reasoning_output_tokens);
        }
        break;
      }
      case "codex.tool.success":
      case "codex.tool.failure":
        d = run?.summary.tools ?? durations();
        label = this.#label(typeof md.tool === "string" ? md.tool : "tool");
        error = name === "codex.tool.failure";
        break;
      case "codex.approval.approved":
      case "codex.approval.denied":
      case "codex.approval.timeout":
        d = run?.summary.approvals ?? durations();
        label = name.slice("codex.approval.".length);
        error = name !== "codex.approval.approved";
        break;
      default:
        return undefined;
    }
    this.#owners.delete(token);
    if (run === undefined) return undefined;
    const s = eventSeconds(owner.start, m);
    if (s !== undefined) add(d, s, label, error);
    return copy(run.summary);
  }
}
