/**
 * Reads the runtime's environment variables where there is one: `process.env` (Node, Bun),
 * `Deno.env.toObject()` when permitted, `Bun.env`; an empty record on Workers and browsers.
 * @module
 */

/**
 * The process environment as a plain record, or `{}` where none is reachable.
 *
 * @returns A copy of the environment (never throws, even without Deno's `--allow-env`).
 * @example
 * ```ts
 * import { runtimeEnv } from "./env.ts";
 * const env = runtimeEnv();
 * console.log(env.CODEX_OTLP_ENDPOINT ?? "(unset)");
 * ```
 */
export function runtimeEnv(): Record<string, string | undefined> {
  const g = globalThis as {
    Deno?: { env?: { toObject?(): Record<string, string> } };
    Bun?: { env?: Record<string, string | undefined> };
    process?: { env?: Record<string, string | undefined> };
  };
  try {
    if (g.Deno?.env?.toObject) return g.Deno.env.toObject();
  } catch {
    // no --allow-env: the explicit `env` option is the only source
    return {};
  }
  try {
    if (g.Bun?.env) return { ...g.Bun.env };
    if (g.process?.env) return { ...g.process.env };
  } catch {
    // a sandbox that forbids reading the environment
  }
  return {};
}

/**
 * The runtime's name and version, for the resource.
 *
 * @returns `{ name, version }`: `node`, `bun`, `deno`, `workerd`, else `unknown`.
 * @example
 * ```ts
 * import { runtimeInfo } from "./env.ts";
 * console.log(runtimeInfo().name);
 * ```
 */
export function runtimeInfo(): { name: string; version?: string } {
  const g = globalThis as {
    Deno?: { version?: { deno?: string } };
    Bun?: { version?: string };
    process?: { versions?: { node?: string } };
    navigator?: { userAgent?: string };
  };
  if (typeof g.Deno?.version?.deno === "string") return { name: "deno", version: g.Deno.version.deno };
  if (typeof g.Bun?.version === "string") return { name: "bun", version: g.Bun.version };
  const ua = g.navigator?.userAgent;
  if (ua === "Cloudflare-Workers") return { name: "workerd" };
  if (typeof g.process?.versions?.node === "string") return { name: "node", version: g.process.versions.node };
  return { name: "unknown" };
}

/**
 * Runs `fn` when the runtime is about to exit because nothing is left to do (Node's, Bun's and
 * Deno's `process` `beforeExit`), so queued spans are sent instead of lost. Async work started by
 * `fn` keeps the process alive until it settles. A no-op where there is no such event (Workers:
 * hand `flush()` to `waitUntil` instead).
 *
 * @param fn Called on each `beforeExit`.
 * @returns A function that removes the hook.
 * @example
 * ```ts
 * import { onBeforeExit } from "./env.ts";
 * const off = onBeforeExit(() => console.log("bye"));
 * off();
 * ```
 */
export function onBeforeExit(fn: () => void): () => void {
  const p = (globalThis as {
    process?: { on?(e: string, f: () => void): unknown; off?(e: string, f: () => void): unknown };
  }).process;
  if (typeof p?.on !== "function" || typeof p.off !== "function") return () => {};
  p.on("beforeExit", fn);
  return () => {
    p.off?.("beforeExit", fn);
  };
}
