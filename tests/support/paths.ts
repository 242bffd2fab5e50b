// Paths and small process helpers shared by the tests (runtime-neutral: node:* modules work on
// Node, Bun and Deno).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** A binary installed by npm into node_modules/.bin. */
export function bin(name: string): string {
  return join(ROOT, "node_modules", ".bin", name);
}

/** Runs a command to completion and returns its output; throws with the output on failure. */
export function sh(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout + r.stderr;
}
