/**
 * Picks the process adapter for the running runtime: Deno → `Deno.Command`, Bun → `Bun.spawn`,
 * else `node:child_process` when reachable. Edge runtimes have none and get a clear error.
 * @module
 */
import { CodexExecError } from "../base/errors.ts";
import { bunSpawner, hasBunSpawn } from "./bun/spawner.ts";
import { denoSpawner, hasDenoCommand } from "./deno/spawner.ts";
import { hasNodeChildProcess, nodeSpawner } from "./node/spawner.ts";
import type { Spawner } from "./spawner.ts";

let cached: Spawner | undefined;

/**
 * The name of the runtime this code runs on.
 *
 * @returns `deno`, `bun`, `node`, or `edge` when none can spawn processes.
 * @example
 * ```ts
 * import { runtimeName } from "./detect.ts";
 * console.log(runtimeName());
 * ```
 */
export function runtimeName(): "deno" | "bun" | "node" | "edge" {
  if (hasDenoCommand()) return "deno";
  if (hasBunSpawn()) return "bun";
  if (hasNodeChildProcess()) return "node";
  return "edge";
}

/**
 * Returns the {@link Spawner} for the current runtime (created once).
 *
 * @returns The adapter.
 * @throws {CodexExecError} `no_spawner` on runtimes that cannot start processes.
 * @example
 * ```ts
 * import { detectSpawner } from "../../mod.ts";
 * const spawner = detectSpawner();
 * console.log(spawner.name); // "node", "bun" or "deno"
 * ```
 */
export function detectSpawner(): Spawner {
  if (cached !== undefined) return cached;
  switch (runtimeName()) {
    case "deno":
      return cached = denoSpawner();
    case "bun":
      return cached = bunSpawner();
    case "node":
      return cached = nodeSpawner();
    default:
      throw new CodexExecError(
        "no_spawner",
        "this runtime cannot start processes (no Deno.Command, Bun.spawn or node:child_process): " +
          "edge runtimes can build and export spans but not run the Codex CLI; pass a `spawner` " +
          "option if you have another way to start processes",
      );
  }
}
