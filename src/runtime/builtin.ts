/**
 * One way to reach a Node builtin module from runtime-neutral code: `process.getBuiltinModule`
 * (Node ≥ 22.3, Bun, Deno), never a static import, so the core still bundles for a worker.
 * @module
 */

/**
 * A Node builtin module, or `undefined` where there is none (edge runtimes, older Node).
 *
 * @param id The module id, `node:` prefixed.
 * @returns The module, typed by the caller's structural view of it.
 * @example
 * ```ts
 * import { builtinModule } from "./builtin.ts";
 * const path = builtinModule<{ join(...p: string[]): string }>("node:path");
 * console.log(path?.join("a", "b"));
 * ```
 */
export function builtinModule<T>(id: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  try {
    return (p?.getBuiltinModule?.(id) ?? undefined) as T | undefined;
  } catch {
    return undefined;
  }
}
