/**
 * The `./deno` entry: the `Deno.Command` adapter of the process seam.
 *
 * @example
 * ```ts
 * import { denoSpawner } from "./mod.ts";
 * const spawner = "Deno" in globalThis ? denoSpawner() : undefined;
 * ```
 * @module
 */
export { denoSpawner, hasDenoCommand } from "./spawner.ts";
