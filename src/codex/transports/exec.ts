/**
 * The exec transport: each turn is one `codex exec --experimental-json [resume <id>]` process,
 * whose stdout JSONL lines are the turn's records. Owns the output-schema temp file, the binary,
 * argv and environment, the spawn, the read loop with its inactivity timeout, and a teardown that
 * ends the process group on every path.
 * @module
 */
import { CodexExecError } from "../../base/errors.ts";
import { createJsonlDecoder } from "../../jsonl/decoder.ts";
import { chunkReader } from "../../runtime/chunk-reader.ts";
import type { ChunkReader } from "../../runtime/chunk-reader.ts";
import { detectSpawner } from "../../runtime/detect.ts";
import { runtimeEnv } from "../../runtime/env.ts";
import { guardGroup } from "../../runtime/exit-guard.ts";
import { fsSeam } from "../../runtime/fs.ts";
import type { SpawnedProcess, Spawner } from "../../runtime/spawner.ts";
import { buildArgv, buildEnv } from "../args.ts";
import { delay, notFound, terminate, WOKEN } from "../process.ts";
import type { ResolvedBinary, RunRegistry } from "../process.ts";
import type { Transport, TurnEnd, TurnRequest, TurnSession } from "./transport.ts";

// How long stdout may stay open after the CLI exited (a grandchild outside its process group
// holding the pipe) before the turn stops reading.
const DRAIN_AFTER_EXIT_MS = 1000;

/** What the exec transport needs from its {@link Codex}. */
export interface ExecHost extends RunRegistry {
  /**
   * Resolves the executable.
   *
   * @param env The environment whose PATH is searched.
   * @returns The executable.
   */
  resolveBinary(env: Record<string, string | undefined>): Promise<ResolvedBinary>;
}

/**
 * Starts a process for a turn: the spawner, mapping a missing binary to `not_found` and any other
 * failure to `spawn_failed`.
 *
 * @param spawner The adapter.
 * @param path Executable.
 * @param argv Arguments.
 * @param options Spawn options.
 * @returns The process.
 * @throws {CodexExecError} `not_found` or `spawn_failed`.
 */
export async function spawnCli(
  spawner: Spawner,
  path: string,
  argv: readonly string[],
  options: Parameters<Spawner["spawn"]>[2],
): Promise<SpawnedProcess> {
  try {
    return await spawner.spawn(path, argv, options);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") throw notFound(path, error);
    throw new CodexExecError(
      "spawn_failed",
      `could not start the Codex CLI (${path}): ${(error as Error).message ?? error}`,
      { cause: error },
    );
  }
}

/**
 * The binary, environment and spawner of a CLI process, as exec and app-server both start it.
 *
 * @param host Resolves the binary.
 * @param request The Codex options and the trace environment.
 * @returns What to spawn.
 */
export async function cliLaunch(
  host: ExecHost,
  request: Pick<TurnRequest, "codex" | "traceEnv">,
): Promise<{ spawner: Spawner; binary: ResolvedBinary; env: Record<string, string> }> {
  const codex = request.codex;
  const spawner = codex.spawner ?? detectSpawner();
  const hostEnv = runtimeEnv();
  const binary: ResolvedBinary = codex.codexPathOverride
    ? { path: codex.codexPathOverride, pathDirs: [] }
    : await host.resolveBinary(codex.env ?? hostEnv);
  const env = buildEnv(codex, hostEnv, request.traceEnv);
  if (binary.pathDirs.length > 0) {
    env.PATH = [...binary.pathDirs, env.PATH].filter(Boolean).join(fsSeam().delimiter);
  }
  return { spawner, binary, env };
}

/**
 * Creates the exec transport.
 *
 * @param host Binary resolution and the run registry of `Codex.stop`.
 * @returns The transport.
 */
export function execTransport(host: ExecHost): Transport {
  return {
    name: "exec",
    startTurn: (request) => startExecTurn(host, request),
    close: () => Promise.resolve(),
  };
}

async function startExecTurn(host: ExecHost, request: TurnRequest): Promise<TurnSession> {
  const { codex, thread, control } = request;
  const graceMs = codex.killGraceMs ?? 2000;
  let schemaDir: string | undefined;
  const removeSchema = async (): Promise<void> => {
    if (schemaDir === undefined) return;
    try {
      await fsSeam().rm(schemaDir);
    } catch { /* best effort: never mask the run's own outcome */ }
  };
  let proc: SpawnedProcess;
  try {
    let schemaFile: string | undefined;
    if (request.outputSchema !== undefined) {
      const fs = fsSeam();
      schemaDir = await fs.mkdtemp("codex-output-schema-");
      schemaFile = fs.join(schemaDir, "schema.json");
      await fs.writeFile(schemaFile, JSON.stringify(request.outputSchema));
    }
    const { spawner, binary, env } = await cliLaunch(host, request);
    const argv = buildArgv({
      codex,
      thread,
      threadId: request.threadId,
      images: request.images,
      outputSchemaFile: schemaFile,
    });
    if (control.reason !== undefined) throw new CodexExecError("aborted", "the run was interrupted before it started");
    proc = await spawnCli(spawner, binary.path, argv, {
      cwd: thread.workingDirectory,
      env,
      stdin: request.prompt,
      processGroup: codex.processGroup !== false,
    });
  } catch (error) {
    await removeSchema();
    throw error;
  }
  return new ExecTurn(host, proc, request, graceMs, removeSchema);
}

/** One `codex exec` process and the read loop over its stdout. */
class ExecTurn implements TurnSession {
  readonly pid: number;
  readonly #proc: SpawnedProcess;
  readonly #request: TurnRequest;
  readonly #graceMs: number;
  readonly #reader: ChunkReader;
  readonly #decoder = createJsonlDecoder();
  readonly #unregister: () => void;
  readonly #forgetGroup: (() => void) | undefined;
  readonly #removeSchema: () => Promise<void>;
  #drainTimer: ReturnType<typeof delay> | undefined;
  #eof = false;

  constructor(
    host: ExecHost,
    proc: SpawnedProcess,
    request: TurnRequest,
    graceMs: number,
    removeSchema: () => Promise<void>,
  ) {
    this.pid = proc.pid;
    this.#proc = proc;
    this.#request = request;
    this.#graceMs = graceMs;
    this.#removeSchema = removeSchema;
    this.#forgetGroup = request.codex.processGroup !== false ? guardGroup(proc.pid) : undefined;
    this.#unregister = host.register(proc.pid, async () => {
      request.control.interrupt("stopped");
      await terminate(proc, graceMs);
    });
    void proc.exited.then(() => {
      // Sweep the group now: anything the CLI left running dies with it, and its pipes close.
      proc.kill("SIGKILL");
      this.#drainTimer = delay(DRAIN_AFTER_EXIT_MS);
      void this.#drainTimer.promise.then(() => request.control.wake());
    });
    this.#reader = chunkReader(proc.stdout);
  }

  async next(): Promise<Iterable<unknown> | null> {
    const { control, timeoutMs } = this.#request;
    if (this.#eof || control.reason !== undefined) return null;
    const r = await control.wait(this.#reader.read(), timeoutMs);
    if (r === WOKEN) return null;
    if (r.done) {
      this.#eof = true;
      const last = this.#decoder.end();
      // stdout closed: the CLI is exiting; wait for it (the inactivity timeout still applies).
      if (!this.#proc.hasExited) await control.wait(this.#proc.exited, timeoutMs);
      return last;
    }
    // Lazily: each line is parsed when the thread reaches it, and the chunk's bytes stay
    // untouched until the next read.
    return this.#decoder.values(r.value);
  }

  cancel(): void {
    void terminate(this.#proc, this.#graceMs);
  }

  async close(): Promise<TurnEnd> {
    const proc = this.#proc;
    const exitedBefore = proc.hasExited;
    await terminate(proc, this.#graceMs);
    this.#drainTimer?.cancel();
    try {
      await this.#reader.cancel();
    } catch { /* already closed */ }
    this.#reader.releaseLock();
    this.#unregister();
    this.#forgetGroup?.();
    await this.#removeSchema();
    // Ended by itself: stdout reached its end, or the CLI exited and the drain deadline passed.
    const finished = this.#request.control.reason === undefined && (this.#eof || exitedBefore);
    const status = proc.hasExited ? await proc.exited : undefined;
    return { status, stderrTail: proc.stderrTail(), finished, label: "the Codex CLI" };
  }
}
