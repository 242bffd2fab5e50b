/**
 * Kills the process groups of running CLI children when the host ends: by a normal exit, or by a
 * SIGINT / SIGTERM / SIGHUP it does not handle itself (then the signal is raised again).
 * @module
 */
// A group leader started with `detached`/`setsid` is outside the host's process group, so nothing
// else would end it. A signal listener is present only while a run is in flight; when it fires and
// is the signal's only listener, it kills the groups, removes itself and re-raises the signal, so
// the host still dies of it (exit status and all). A host with its own listener decides for itself;
// if it then exits, the exit hook runs. Elsewhere (edge runtimes) this module does nothing.

interface ProcessLike {
  readonly pid?: number;
  once?(event: string, fn: () => void): unknown;
  on?(event: string, fn: (signal: string) => void): unknown;
  removeListener?(event: string, fn: (signal: string) => void): unknown;
  listenerCount?(event: string): number;
  kill?(pid: number, signal?: string): boolean;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
const live = new Set<number>();
let exitHook = false;
let signalHooks = false;

function proc(): ProcessLike | undefined {
  const p = (globalThis as { process?: ProcessLike }).process;
  return typeof p?.kill === "function" ? p : undefined;
}

function killGroups(p: ProcessLike): void {
  // Only synchronous work is possible here: signal each group, do not wait.
  for (const pid of live) {
    try {
      p.kill!(-pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  live.clear();
}

function onSignal(signal: string): void {
  const p = proc();
  if (p === undefined || (p.listenerCount?.(signal) ?? 1) > 1) return;
  killGroups(p);
  setSignalHooks(p, false);
  try {
    p.kill!(p.pid!, signal);
  } catch { /* nothing more to do */ }
}

function setSignalHooks(p: ProcessLike, on: boolean): void {
  if (signalHooks === on || typeof p.on !== "function" || typeof p.removeListener !== "function") return;
  signalHooks = on;
  for (const signal of SIGNALS) {
    try {
      if (on) p.on(signal, onSignal);
      else p.removeListener(signal, onSignal);
    } catch { /* a signal this runtime cannot listen to */ }
  }
}

/**
 * Remembers a process group to kill if the host exits, or dies of an unhandled SIGINT, SIGTERM
 * or SIGHUP, while it runs.
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
  const p = proc();
  if (p === undefined) return () => {};
  if (!exitHook && typeof p.once === "function") {
    exitHook = true;
    p.once("exit", () => killGroups(p));
  }
  live.add(pid);
  setSignalHooks(p, true);
  return () => {
    live.delete(pid);
    // No listener outlives the runs: the host's signals are its own again.
    if (live.size === 0) setSignalHooks(p, false);
  };
}
