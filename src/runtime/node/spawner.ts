/**
 * The Node adapter of the {@link Spawner} seam, over `node:child_process.spawn` (also used on Bun
 * and Deno through their Node compatibility). Reached through `process.getBuiltinModule`, typed
 * with local structural types, so this file compiles without `@types/node`.
 * @module
 */
import { builtinModule } from "../builtin.ts";
import { ByteTail, spawnedProcess } from "../child.ts";
import type { ExitStatus, SpawnedProcess, Spawner, SpawnOptions } from "../spawner.ts";

interface NodeStream {
  on(event: string, fn: (...args: never[]) => void): unknown;
  pause(): void;
  resume(): void;
  destroy(): void;
}
interface NodeWritable {
  on(event: string, fn: (...args: never[]) => void): unknown;
  write(data: Uint8Array, callback: (error?: Error | null) => void): boolean;
  end(data?: string | Uint8Array | (() => void), callback?: () => void): void;
  readonly destroyed?: boolean;
  readonly writableFinished?: boolean;
}
interface NodeChild {
  pid?: number;
  stdin: NodeWritable | null;
  stdout: NodeStream | null;
  stderr: NodeStream | null;
  exitCode: number | null;
  signalCode: string | null;
  once(event: string, fn: (...args: never[]) => void): unknown;
  kill(signal?: string): boolean;
  ref(): void;
  unref(): void;
}
interface Refable {
  ref?(): void;
  unref?(): void;
}
interface ChildProcessModule {
  spawn(cmd: string, args: readonly string[], options: Record<string, unknown>): NodeChild;
}
interface NodeProcess {
  kill(pid: number, signal?: string | number): boolean;
}

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/**
 * Whether `node:child_process` is reachable here (Node ≥ 22.3, Bun, Deno).
 *
 * @returns `true` when {@link nodeSpawner} can work.
 */
export function hasNodeChildProcess(): boolean {
  return typeof builtinModule("node:child_process") === "object";
}

/**
 * A {@link Spawner} over `node:child_process`. A process group is made with `detached: true`
 * and signalled with `process.kill(-pid, signal)`.
 *
 * @returns The adapter.
 * @throws {Error} When `node:child_process` is not available in this runtime.
 * @example
 * ```ts
 * import { nodeSpawner } from "./spawner.ts";
 * const child = await nodeSpawner().spawn("echo", ["hi"]);
 * console.log(await child.exited); // { code: 0, signal: null }
 * ```
 */
export function nodeSpawner(): Spawner {
  const proc = nodeProcess();
  const cp = builtinModule<ChildProcessModule>("node:child_process");
  if (proc === undefined || cp === undefined) {
    throw new Error("node:child_process is not available in this runtime");
  }
  return {
    name: "node",
    spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): Promise<SpawnedProcess> {
      const child = cp.spawn(cmd, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: options.processGroup === true,
        windowsHide: true,
      });
      const tail = new ByteTail(options.stderrTailBytes);
      // Subscribed now, before anyone reads stdout: an early exit cannot be missed.
      const status = new Promise<ExitStatus>((resolve) => {
        child.once(
          "exit",
          ((code: number | null, signal: string | null) => {
            resolve({ code: signal ? null : code, signal: signal ?? null });
          }) as never,
        );
      });
      const stdout = new ReadableStream<Uint8Array>({
        start(controller) {
          const out = child.stdout!;
          out.on(
            "data",
            ((chunk: Uint8Array) => {
              controller.enqueue(chunk);
              if ((controller.desiredSize ?? 1) <= 0) out.pause();
            }) as never,
          );
          const close = (): void => {
            try {
              controller.close();
            } catch { /* already closed or cancelled */ }
          };
          out.on("end", close);
          out.on("close", close);
          out.on("error", close);
        },
        pull() {
          child.stdout!.resume();
        },
        cancel() {
          child.stdout!.destroy();
        },
      }, { highWaterMark: 4 });
      child.stderr!.on("data", ((chunk: Uint8Array) => tail.push(chunk)) as never);
      return new Promise<SpawnedProcess>((resolve, reject) => {
        child.once("error", reject as never);
        child.once("spawn", () => {
          const stdin = child.stdin!;
          // EPIPE when the child exits without reading stdin must not crash the host.
          stdin.on("error", () => {});
          resolve(spawnedProcess({
            pid: child.pid ?? -1,
            stdout,
            status,
            writeStdin: (data) =>
              new Promise<void>((done, fail) => {
                stdin.write(data, (error) => (error ? fail(error) : done()));
              }),
            // A stdin already broken (EPIPE) never calls end's callback: settle on close too.
            closeStdin: () =>
              new Promise<void>((done) => {
                if (stdin.destroyed === true || stdin.writableFinished === true) return done();
                stdin.on("close", done as never);
                stdin.end(done);
              }),
            endStdin: (data) => stdin.end(data),
            killGroup: (signal) => child.pid !== undefined && proc.kill(-child.pid, signal),
            killChild: (signal) => child.kill(signal),
            keepAlive(on) {
              // The child's handle and its three pipe sockets each hold the loop.
              for (const h of [child, child.stdin, child.stdout, child.stderr] as unknown as Refable[]) {
                if (on) h?.ref?.();
                else h?.unref?.();
              }
            },
          }, options, tail));
        });
      });
    },
  };
}
