/**
 * The Deno adapter of the {@link Spawner} seam, over `Deno.Command(...).spawn()`. Deno has no
 * "process group" option by that name, but `detached: true` starts the child in a new session
 * (it calls `setsid`; verified on Deno 2.9.6: pgid == pid), and `Deno.kill(-pid, signal)`
 * signals the whole group. Typed with local structural types.
 * @module
 */
import { spawnedProcess } from "../child.ts";
import type { SpawnedProcess, Spawner, SpawnOptions } from "../spawner.ts";

interface DenoChild {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ success: boolean; code: number; signal: string | null }>;
  kill(signal?: string): void;
  ref(): void;
  unref(): void;
}
interface DenoGlobal {
  Command: new (cmd: string, options: Record<string, unknown>) => { spawn(): DenoChild };
  kill(pid: number, signal?: string): void;
}

function denoGlobal(): DenoGlobal | undefined {
  return (globalThis as { Deno?: DenoGlobal }).Deno;
}

/**
 * Whether `Deno.Command` is available (running on Deno).
 *
 * @returns `true` on Deno.
 */
export function hasDenoCommand(): boolean {
  return typeof denoGlobal()?.Command === "function";
}

/**
 * A {@link Spawner} over `Deno.Command`. Needs `--allow-run` (and `--allow-env` to read the
 * environment the runner passes on).
 *
 * @returns The adapter.
 * @throws {Error} When not running on Deno.
 * @example
 * ```ts
 * import { denoSpawner } from "./spawner.ts";
 * const child = await denoSpawner().spawn("echo", ["hi"]);
 * await child.exited;
 * ```
 */
export function denoSpawner(): Spawner {
  const deno = denoGlobal();
  if (deno === undefined) throw new Error("Deno.Command is not available: this adapter runs on Deno only");
  return {
    name: "deno",
    spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): Promise<SpawnedProcess> {
      let child: DenoChild;
      try {
        child = new deno.Command(cmd, {
          args: [...args],
          cwd: options.cwd,
          env: options.env,
          // The SpawnOptions env is the complete environment, as on Node and Bun.
          clearEnv: options.env !== undefined,
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
          detached: options.processGroup === true,
        }).spawn();
      } catch (error) {
        if ((error as { name?: string }).name === "NotFound") {
          (error as { code?: string }).code = "ENOENT";
        }
        return Promise.reject(error);
      }
      const writer = child.stdin.getWriter();
      return Promise.resolve(spawnedProcess({
        pid: child.pid,
        stdout: child.stdout,
        stderr: child.stderr,
        status: child.status.then(
          (s) => ({ code: s.signal ? null : s.code, signal: s.signal ?? null }),
          () => ({ code: null, signal: null }),
        ),
        writeStdin: (data) => writer.write(data),
        closeStdin: () => writer.close(),
        endStdin(data) {
          // Deno's writer is asynchronous either way: queue both, never reject into the host.
          if (data !== undefined) {
            writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data).catch(() => {});
          }
          writer.close().catch(() => {});
        },
        killGroup(signal) {
          deno.kill(-child.pid, signal);
          return true;
        },
        killChild(signal) {
          child.kill(signal);
          return true;
        },
        // Measured: an unref'd child no longer holds the loop, pending pipe reads included.
        keepAlive: (on) => (on ? child.ref() : child.unref()),
      }, options));
    },
  };
}
