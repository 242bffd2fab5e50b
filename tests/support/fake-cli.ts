/**
 * Test helper around `fixtures/fake-codex.mjs`: {@link fixtureCodex} returns the path of a tiny
 * executable that replays a fixture transcript, usable as `codexPathOverride` on Node, Bun and
 * Deno (it runs the fake CLI with the runtime that runs the tests, so no `node` on PATH is needed).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The repository's fixtures directory. */
export const FIXTURES_DIR: string = resolve(
  import.meta.dirname ?? new URL(".", import.meta.url).pathname,
  "../../fixtures",
);

/** Options of the fake CLI (see the header of fixtures/fake-codex.mjs). */
export interface FakeCliOptions {
  /** Delay before each line, ms. */
  delayMs?: number;
  /** Write stdout in chunks of this many bytes. */
  chunkBytes?: number;
  /** Exit code. */
  exitCode?: number;
  /** Write only the first N lines. */
  lines?: number;
  /** Never exit after writing. */
  hang?: boolean;
  /** Kill itself with this signal after writing. */
  signal?: string;
  /** Ignore SIGTERM. */
  ignoreTerm?: boolean;
  /** Text written to stderr. */
  stderr?: string;
  /** File that receives {argv, env, stdin, cwd, pid}. */
  record?: string;
  /** File that receives the pid of a long-running child of the fake CLI. */
  childPidFile?: string;
  /** Transcript used when the CLI is called with `resume`. */
  resumeFixture?: string;
}

let dir: string | undefined;
let seq = 0;

function runtimeCommand(): string[] {
  const g = globalThis as { Deno?: { execPath(): string }; process?: { execPath: string } };
  if (g.Deno !== undefined) return [g.Deno.execPath(), "run", "-A", "--quiet", "--no-config", "--no-lock"];
  return [g.process!.execPath];
}

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Makes an executable that replays `fixture` (a name under `fixtures/`, or an absolute path).
 *
 * @param fixture Transcript, e.g. `thread_basic.jsonl` or `cli-0.169/cmd-and-patch.jsonl`.
 * @param options Delays, exit code, hang, signal, recording.
 * @returns The executable's path, for `codexPathOverride`.
 */
export function fixtureCodex(fixture: string, options: FakeCliOptions = {}): string {
  dir ??= mkdtempSync(join(tmpdir(), "codex-fake-cli-"));
  const env: Record<string, string | undefined> = {
    FAKE_CODEX_FIXTURE: resolve(FIXTURES_DIR, fixture),
    FAKE_CODEX_RESUME_FIXTURE: options.resumeFixture && resolve(FIXTURES_DIR, options.resumeFixture),
    FAKE_CODEX_DELAY_MS: options.delayMs?.toString(),
    FAKE_CODEX_CHUNK_BYTES: options.chunkBytes?.toString(),
    FAKE_CODEX_EXIT_CODE: options.exitCode?.toString(),
    FAKE_CODEX_LINES: options.lines?.toString(),
    FAKE_CODEX_HANG: options.hang ? "1" : undefined,
    FAKE_CODEX_SIGNAL: options.signal,
    FAKE_CODEX_IGNORE_TERM: options.ignoreTerm ? "1" : undefined,
    FAKE_CODEX_STDERR: options.stderr,
    FAKE_CODEX_RECORD: options.record,
    FAKE_CODEX_CHILD_PIDFILE: options.childPidFile,
  };
  let script = "#!/bin/sh\n";
  for (const [k, v] of Object.entries(env)) if (v !== undefined) script += `export ${k}=${q(v)}\n`;
  script += `exec ${runtimeCommand().map(q).join(" ")} ${q(join(FIXTURES_DIR, "fake-codex.mjs"))} "$@"\n`;
  const path = join(dir, `codex-${++seq}`);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

/** Removes the executables made by {@link fixtureCodex} (call it in `after`). */
export function disposeFixtureCodex(): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/**
 * Whether a process exists (signal 0).
 *
 * @param pid Process id.
 * @returns `true` while it runs (zombies count as gone).
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0: read its state.
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Waits until `check` is true or `ms` pass.
 *
 * @param check Condition.
 * @param ms Bound.
 * @returns Whether the condition became true.
 */
export async function waitUntil(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
