/**
 * The Bun adapter of the {@link Spawner} seam, over `Bun.spawn`. `detached: true` makes the
 * child a process group leader (verified on Bun 1.4.5), signalled with `process.kill(-pid)`.
 * Typed with local structural types, so this file compiles without `bun-types`.
 * @module
 */
import { spawnedProcess } from "../child.ts";
import type { SpawnedProcess, Spawner, SpawnOptions } from "../spawner.ts";

interface BunSubprocess {
  readonly pid: number;
  readonly stdin: { write(data: string | Uint8Array): unknown; flush?(): unknown; end(): unknown } | null;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  kill(signal?: string | number): void;
}
interface BunGlobal {
  spawn(options: Record<string, unknown>): BunSubprocess;
}
interface ProcessLike {
  kill(pid: number, signal?: string | number): boolean;
}

function bunGlobal(): BunGlobal | undefined {
  return (globalThis as { Bun?: BunGlobal }).Bun;
}

/**
 * Whether `Bun.spawn` is available (running on Bun).
 *
 * @returns `true` on Bun.
 */
export function hasBunSpawn(): boolean {
  return typeof bunGlobal()?.spawn === "function";
}

/**
 * A {@link Spawner} over `Bun.spawn`.
 *
 * @returns The adapter.
 * @throws {Error} When not running on Bun.
 * @example
 * ```ts
 * import { bunSpawner } from "./spawner.ts";
 * const child = await bunSpawner().spawn("echo", ["hi"]);
 * await child.exited;
 * ```
 */
export function bunSpawner(): Spawner {
  const bun = bunGlobal();
  if (bun === undefined) throw new Error("Bun.spawn is not available: this adapter runs on Bun only");
  return {
    name: "bun",
    spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): Promise<SpawnedProcess> {
      const group = options.processGroup === true;
      let child: BunSubprocess;
      try {
        child = bun.spawn({
          cmd: [cmd, ...args],
          cwd: options.cwd,
          env: options.env,
          stdin: "pipe",
          stdout: "pipe",
          stderr: "pipe",
          detached: group,
        });
      } catch (error) {
        return Promise.reject(error);
      }
      const proc = (globalThis as { process?: ProcessLike }).process;
      const stdin = child.stdin;
      return Promise.resolve(spawnedProcess({
        pid: child.pid,
        stdout: child.stdout,
        stderr: child.stderr,
        status: child.exited.then(
          (code) => {
            const signal = child.signalCode ?? null;
            return { code: signal ? null : code, signal };
          },
          () => ({ code: null, signal: null }),
        ),
        async writeStdin(data) {
          if (stdin === null) throw Object.assign(new Error("no stdin"), { code: "EPIPE" });
          stdin.write(data);
          // A FileSink buffers: flush so that a request reaches a long-lived child now.
          await stdin.flush?.();
        },
        async closeStdin() {
          await stdin?.end();
        },
        endStdin(data) {
          if (data !== undefined) stdin?.write(data);
          stdin?.end();
        },
        killGroup: proc === undefined ? undefined : (signal) => proc.kill(-child.pid, signal),
        killChild(signal) {
          child.kill(signal);
          return true;
        },
      }, options));
    },
  };
}
