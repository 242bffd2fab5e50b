/**
 * Answers the app-server's approval requests: the thread's `onApproval` hook, bounded by
 * `approvalTimeoutMs` and by the run's interrupts, with the `codex.approval` span from the request
 * to the answer. Every request gets exactly one answer, on every path.
 * @module
 */
import { delay, WOKEN } from "./process.ts";
import type { RunControl } from "./process.ts";
import type { ApprovalDecidedEvent } from "./events.ts";
import type { ApprovalAnswer, ThreadOptions, ToolApprovalRequest } from "./options.ts";
import type { RunTelemetry } from "./telemetry.ts";

const ANSWERS: ReadonlySet<string> = new Set(["accept", "acceptForSession", "decline", "cancel"]);

/** A request the app-server is waiting on, as a transport hands it to the thread. */
export class PendingApproval {
  /** The request. */
  readonly request: ToolApprovalRequest;
  /** When it arrived, epoch nanoseconds (the approval span starts there). */
  readonly receivedAt: bigint;
  readonly #send: (answer: ApprovalAnswer) => void;
  #answer: ApprovalAnswer | undefined;
  /** Whether the thread took it up (then its approval span records it). */
  taken = false;

  /**
   * Wraps a request.
   *
   * @param request The request.
   * @param receivedAt When it arrived (epoch ns).
   * @param send Sends the answer to the server.
   */
  constructor(request: ToolApprovalRequest, receivedAt: bigint, send: (answer: ApprovalAnswer) => void) {
    this.request = request;
    this.receivedAt = receivedAt;
    this.#send = send;
  }

  /** The answer sent, once one was. */
  get answered(): ApprovalAnswer | undefined {
    return this.#answer;
  }

  /**
   * Sends the answer; only the first call does anything.
   *
   * @param answer The answer.
   * @returns Whether this call sent it.
   */
  answer(answer: ApprovalAnswer): boolean {
    if (this.#answer !== undefined) return false;
    this.#answer = answer;
    this.#send(answer);
    return true;
  }
}

const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * Decides on a pending request and answers it: the hook's answer; `decline` without a hook, when
 * the hook throws, returns something else, or is slower than `approvalTimeoutMs`; `cancel` when
 * the run is interrupted first.
 *
 * @param pending The request.
 * @param t The run's telemetry.
 * @param options The thread's options (`onApproval`, `approvalTimeoutMs`).
 * @param control The run's interrupts.
 * @returns The event to yield.
 */
export async function decideApproval(
  pending: PendingApproval,
  t: RunTelemetry,
  options: ThreadOptions,
  control: RunControl,
): Promise<ApprovalDecidedEvent> {
  const request = pending.request;
  pending.taken = true;
  const decide = t.approvalStart(request.itemId, request.kind === "command" ? "exec_command" : "apply_patch", {
    startTime: pending.receivedAt,
    metadata: { policy: request.policy, approval_kind: request.kind },
  });
  const hook = options.onApproval;
  let answer: ApprovalAnswer;
  let source: "user" | "policy" = "policy";
  let outcome: "approved" | "denied" | "timeout";
  let reason: string | undefined;
  if (hook === undefined) {
    answer = "decline";
    outcome = "denied";
    reason = `no onApproval hook on the thread: ${request.kind === "command" ? "command" : "file change"} declined`;
    t.warning("approval_declined", `${reason} (${describe(request)})`);
  } else {
    const limit = options.approvalTimeoutMs ?? 60_000;
    const abort = new AbortController();
    const timer = delay(limit);
    try {
      const got = await control.wait(
        Promise.race([
          Promise.resolve().then(() => hook(request, { signal: abort.signal })),
          timer.promise.then(() => TIMED_OUT),
        ]),
      );
      if (got === TIMED_OUT) {
        answer = "decline";
        outcome = "timeout";
        reason = `onApproval gave no answer within ${limit} ms (approvalTimeoutMs): declined`;
        t.warning("approval_timeout", `${reason} (${describe(request)})`);
      } else if (got === WOKEN) {
        answer = "cancel";
        outcome = "timeout";
        reason = `run interrupted (${control.reason}) before a decision: cancelled`;
      } else if (typeof got === "string" && ANSWERS.has(got)) {
        answer = got as ApprovalAnswer;
        source = "user";
        outcome = answer === "accept" || answer === "acceptForSession" ? "approved" : "denied";
      } else {
        answer = "decline";
        outcome = "denied";
        reason = `onApproval returned ${JSON.stringify(got) ?? String(got)}, not one of accept, acceptForSession, decline, cancel: declined`;
        t.warning("approval_invalid", reason);
      }
    } catch (error) {
      answer = "decline";
      outcome = "denied";
      reason = `onApproval threw: ${error instanceof Error ? error.message : String(error)}`;
      t.warning("approval_hook_failed", `${reason} (declined ${describe(request)})`);
    } finally {
      timer.cancel();
      abort.abort();
    }
  }
  pending.answer(answer);
  decide(outcome, source, reason, { answer });
  const event: ApprovalDecidedEvent = { type: "approval.decided", request, answer, source };
  if (reason !== undefined) event.reason = reason;
  return event;
}

function describe(request: ToolApprovalRequest): string {
  return request.kind === "command"
    ? `item ${request.itemId}: ${request.command ?? "(no command line)"}`
    : `item ${request.itemId}: ${request.changes.map((c) => c.path).join(", ") || "(no files)"}`;
}
