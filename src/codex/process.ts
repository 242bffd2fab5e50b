/**
 * The process side of a run, shared by the transports: finding the `codex` binary, waiting with
 * interrupts (abort, inactivity timeout, `Codex.stop`), and tearing a child down (SIGTERM, SIGKILL
 * after a grace period, then a sweep of its process group).
 * @module
 */
import { fsSeam } from "../runtime/fs.ts";
import type { SpawnedProcess } from "../runtime/spawner.ts";
import { CodexExecError } from "../base/errors.ts";

/** Where running CLI processes are registered for `Codex.stop(pid)`. */
export interface RunRegistry {
  /**
   * Registers a running CLI.
   *
   * @param pid Its process id.
   * @param stop Ends it.
   * @returns The unregister function.
   */
  register(pid: number, stop: () => Promise<void>): () => void;
}

/** Why a run was interrupted. */
export type InterruptReason = "aborted" | "timeout" | "stopped";

/** Wakes a waiting run: one resolver at a time, so long runs accumulate no listeners. */
export class RunControl {
  /** The first interrupt, once one happened. */
  reason: InterruptReason | undefined;
  #wake: (() => void) | undefined;
  /**
   * Interrupts the run (the first reason wins) and wakes whatever it waits on.
   *
   * @param reason Why.
   */
  interrupt(reason: InterruptReason): void {
    this.reason ??= reason;
    this.wake();
  }
  /** Wakes the current wait without a reason (used by the drain deadline). */
  wake(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
  /**
   * Waits for `promise`, or until woken, or until `timeoutMs` passes (which interrupts with
   * `timeout`).
   *
   * @param promise What to wait for.
   * @param timeoutMs Inactivity bound; none when undefined.
   * @returns The value, or {@link WOKEN}.
   */
  wait<T>(promise: Promise<T>, timeoutMs?: number): Promise<T | typeof WOKEN> {
    if (this.reason !== undefined) return Promise.resolve(WOKEN);
    return new Promise<T | typeof WOKEN>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#wake = undefined;
      };
      this.#wake = () => {
        done();
        resolve(WOKEN);
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => this.interrupt("timeout"), timeoutMs);
      }
      promise.then((v) => {
        done();
        resolve(v);
      }, (e) => {
        done();
        reject(e);
      });
    });
  }
}

/** What {@link RunControl.wait} returns when woken instead of settled. */
export const WOKEN: unique symbol = Symbol("woken");

/**
 * Resolves after `ms` unless cancelled; the timer never outlives the returned handle.
 *
 * @param ms Delay.
 * @returns The promise and a cancel function.
 */
export function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resolveFn: (() => void) | undefined;
  const promise = new Promise<void>((resolve) => {
    resolveFn = resolve;
    timer = setTimeout(resolve, ms);
  });
  return {
    promise,
    cancel() {
      clearTimeout(timer);
      resolveFn?.();
    },
  };
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  const d = delay(ms);
  let settled = false;
  await Promise.race([p.then(() => (settled = true), () => (settled = true)), d.promise]);
  d.cancel();
  return settled;
}

/**
 * Ends a child: SIGTERM to its group, SIGKILL after `graceMs` if it is still there, then a
 * SIGKILL sweep of the group so that commands it started do not outlive it.
 *
 * @param proc The child.
 * @param graceMs Time between SIGTERM and SIGKILL.
 * @returns Once the child has exited (or 5 s after SIGKILL at worst).
 */
export async function terminate(proc: SpawnedProcess, graceMs: number): Promise<void> {
  if (!proc.hasExited) {
    proc.kill("SIGTERM");
    if (!(await settlesWithin(proc.exited, graceMs))) {
      proc.kill("SIGKILL");
      await settlesWithin(proc.exited, 5000);
    }
  }
  proc.kill("SIGKILL");
}

const TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

/** A resolved `codex` executable. */
export interface ResolvedBinary {
  /** Executable path. */
  path: string;
  /** Directories to put first on PATH (the npm package's helper tools). */
  pathDirs: string[];
}

/**
 * Finds the `codex` executable: walking up from `cwd`, the native binary of `@openai/codex`'s
 * platform package in `node_modules` (spawned directly: no Node launcher in between, so signals
 * reach the CLI itself), else `node_modules/.bin/codex`; then `codex` on `PATH`.
 *
 * @param env The environment whose PATH is searched.
 * @param cwd Where to start walking up. @default the current directory
 * @returns The executable.
 * @throws {CodexExecError} `not_found`, saying how to install the CLI.
 */
export async function resolveCodexBinary(
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<ResolvedBinary> {
  const fs = fsSeam();
  const exe = fs.platform === "win32" ? "codex.exe" : "codex";
  const triple = TRIPLES[`${fs.platform}-${fs.arch}`];
  const platformPkg = `@openai/codex-${fs.platform}-${fs.arch}`;
  let dir = fs.resolve(cwd ?? fs.cwd());
  for (;;) {
    const nm = fs.join(dir, "node_modules");
    if (triple !== undefined) {
      for (
        const root of [fs.join(nm, platformPkg), fs.join(nm, "@openai", "codex", "node_modules", platformPkg)]
      ) {
        const vendor = fs.join(root, "vendor", triple);
        const bin = fs.join(vendor, "bin", exe);
        if ((await fs.stat(bin))?.isFile) {
          const extra = fs.join(vendor, "codex-path");
          return { path: bin, pathDirs: (await fs.stat(extra))?.isDirectory ? [extra] : [] };
        }
      }
    }
    const shim = fs.join(nm, ".bin", exe);
    if ((await fs.stat(shim))?.isFile) return { path: shim, pathDirs: [] };
    const parent = fs.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const p of (env.PATH ?? env.Path ?? "").split(fs.delimiter)) {
    if (p === "") continue;
    const candidate = fs.join(p, exe);
    if ((await fs.stat(candidate))?.isFile) return { path: candidate, pathDirs: [] };
  }
  throw notFound(exe);
}

/**
 * The error for a missing `codex` executable.
 *
 * @param what The path or name looked for.
 * @param cause The spawn error, if any.
 * @returns A `not_found` {@link CodexExecError}.
 */
export function notFound(what: string, cause?: unknown): CodexExecError {
  return new CodexExecError(
    "not_found",
    `the Codex CLI was not found (${what}): install it with \`npm i @openai/codex\` ` +
      "(or put `codex` on PATH), or pass `codexPathOverride`",
    { cause },
  );
}
