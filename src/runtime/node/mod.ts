/**
 * The `./node` entry: the `node:child_process` adapter of the process seam.
 *
 * @example
 * ```ts
 * import { nodeSpawner } from "./mod.ts";
 * const spawner = nodeSpawner();
 * ```
 * @module
 */
export { hasNodeChildProcess, nodeSpawner } from "./spawner.ts";
