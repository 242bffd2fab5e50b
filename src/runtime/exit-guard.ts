/**
 * Kills the process groups of running CLI children when the host process exits normally: a group
 * leader started with `detached`/`setsid` is outside the host's own process group, so nothing
 * else would end it. Uses `process.once("exit")` where it exists (Node, Bun, Deno); elsewhere it
 * does nothing.
 * @module
 */

interface ProcessLike {
  once?(event: string, fn: () => void): unknown;
  kill?(pid: number, signal?: string): boolean;
}

const live = new Set<number>();
let installed = false;

function install(): void {
  if (installed) return;
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (typeof proc?.once !== "function" || typeof proc.kill !== "function") return;
  installed = true;
  proc.once("exit", () => {
    // Only synchronous work is possible here: signal each group, do not wait.
    for (const pid of live) {
      try {
        proc.kill!(-pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    live.clear();
  });
}

/**
 * Remembers a process group to kill if the host exits while it runs.
 *
 * @param pid The group leader's pid.
 * @returns Forgets the group (call when it has exited).
 * @example
 * ```ts
 * import { guardGroup } from "./exit-guard.ts";
 * const forget = guardGroup(12345);
 * forget();
 * ```
 */
export function guardGroup(pid: number): () => void {
  install();
  live.add(pid);
  return () => {
    live.delete(pid);
  };
}
