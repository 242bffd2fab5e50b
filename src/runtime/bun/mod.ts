/**
 * The `./bun` entry: the `Bun.spawn` adapter of the process seam.
 *
 * @example
 * ```ts
 * import { bunSpawner } from "./mod.ts";
 * const spawner = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? bunSpawner() : undefined;
 * ```
 * @module
 */
export { bunSpawner, hasBunSpawn } from "./spawner.ts";
