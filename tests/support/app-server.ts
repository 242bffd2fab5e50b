/**
 * Test helpers for the app-server transport: fake-model steps (a command that asks for
 * escalation, a slow command writing its pid, a patch, a message), process checks, and the
 * scripted fixture server of fixtures/app-server/.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptStep } from "./fake-responses.ts";
import { FIXTURES_DIR, waitUntil } from "./fake-cli.ts";

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

// ---- the scripted fixture server (fixtures/app-server/fake-app-server.mjs) ----

/** A step of the fixture server's turn script (see the header of fake-app-server.mjs). */
export type FakeStep =
  | "message"
  | "malformed"
  | "unknown_id"
  | "unknown_method"
  | "invalid"
  | "hang"
  | "deaf"
  | "exit"
  | "child"
  | "complete"
  | { approve: "command" | "file" }
  | { sleep: number }
  | { request: string };

/** The prompt that makes the fixture server play `steps`. */
export function fakeTurn(...steps: FakeStep[]): string {
  return JSON.stringify({ steps });
}

let fakeDir: string | undefined;
let fakeSeq = 0;

function runtimeCommand(): string[] {
  const g = globalThis as { Deno?: { execPath(): string }; process?: { execPath: string } };
  if (g.Deno !== undefined) return [g.Deno.execPath(), "run", "-A", "--quiet", "--no-config", "--no-lock"];
  return [g.process!.execPath];
}

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * An executable that runs the fixture app-server with the test's runtime, for `codexPathOverride`.
 *
 * @param options `log`: the JSON-lines log file; `silent`: methods it never answers.
 * @returns The executable's path.
 */
export function fakeAppServer(options: { log?: string; silent?: string[] } = {}): string {
  fakeDir ??= mkdtempSync(join(tmpdir(), "codex-fake-app-server-"));
  let script = "#!/bin/sh\n";
  if (options.log) script += `export FAKE_AS_LOG=${q(options.log)}\n`;
  if (options.silent) script += `export FAKE_AS_SILENT=${q(options.silent.join(","))}\n`;
  script += `exec ${runtimeCommand().map(q).join(" ")} ${q(join(FIXTURES_DIR, "app-server", "fake-app-server.mjs"))} "$@"\n`;
  const path = join(fakeDir, `app-server-${++fakeSeq}`);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

/** Removes the executables made by {@link fakeAppServer}. */
export function disposeFakeAppServers(): void {
  if (fakeDir !== undefined) rmSync(fakeDir, { recursive: true, force: true });
  fakeDir = undefined;
}

/** One line of the fixture server's log. */
export interface FakeLogEntry {
  pid: number;
  start?: boolean;
  sent?: number;
  method?: string;
  answered?: number;
  error?: number;
  decision?: string;
  eof?: boolean;
  unanswered?: number[];
  child?: number;
}

/** Reads a fixture server log. */
export function readFakeLog(file: string): FakeLogEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as FakeLogEntry);
}
