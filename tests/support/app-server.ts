/**
 * Test helpers for the app-server transport: fake-model steps (a command that asks for
 * escalation, a slow command writing its pid, a patch, a message), and process checks.
 */
import { existsSync, readFileSync } from "node:fs";
import type { ScriptStep } from "./fake-responses.ts";
import { waitUntil } from "./fake-cli.ts";

/** `response.completed` with usage 5 in / 2 out. */
export function completed(id: string): Record<string, unknown> {
  return {
    type: "response.completed",
    response: {
      id,
      usage: {
        input_tokens: 5,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 2,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 7,
      },
    },
  };
}

/** An assistant message item. */
export function message(text: string): Record<string, unknown> {
  return {
    type: "response.output_item.done",
    item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] },
  };
}

/** An exec_command call; `escalate` asks for it to run outside the sandbox (what makes on-request ask). */
export function command(callId: string, cmd: string, options: { escalate?: boolean; yieldMs?: number } = {}): Record<string, unknown> {
  const args: Record<string, unknown> = { cmd };
  if (options.escalate) {
    args.sandbox_permissions = "require_escalated";
    args.justification = "the test needs it";
  }
  if (options.yieldMs !== undefined) args.yield_time_ms = options.yieldMs;
  return {
    type: "response.output_item.done",
    item: { type: "function_call", call_id: callId, name: "exec_command", arguments: JSON.stringify(args) },
  };
}

/** An apply_patch call adding `path` with one line. */
export function addFile(callId: string, path: string, line = "written by the fake model"): Record<string, unknown> {
  return {
    type: "response.output_item.done",
    item: {
      type: "custom_tool_call",
      call_id: callId,
      name: "apply_patch",
      input: `*** Begin Patch\n*** Add File: ${path}\n+${line}\n*** End Patch\n`,
    },
  };
}

/** A turn: a tool step, then a closing message. */
export function toolTurn(tool: Record<string, unknown>, text = "finished"): ScriptStep[] {
  return [[tool, completed("r1")], [message(text), completed("r2")]];
}

/** Waits for a pid file written by a command and returns the pid. */
export async function readPid(file: string, ms = 10_000): Promise<number> {
  const ok = await waitUntil(() => existsSync(file) && readFileSync(file, "utf8").trim() !== "", ms);
  if (!ok) throw new Error(`no pid in ${file} after ${ms} ms`);
  return Number(readFileSync(file, "utf8").trim());
}

/** A promise that resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
