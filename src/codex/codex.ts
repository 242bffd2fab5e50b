/**
 * The entry point of the thread runner: {@link Codex} starts and resumes threads and can stop a
 * wedged run by its CLI's pid.
 * @module
 */
import type { CodexOptions, ThreadOptions } from "./options.ts";
import { resolveCodexBinary } from "./process.ts";
import type { ResolvedBinary } from "./process.ts";
import { CodexExecError } from "../base/errors.ts";
import { Thread } from "./thread.ts";
import type { ThreadHost } from "./thread.ts";
import { execTransport } from "./transports/exec.ts";
import type { ExecHost } from "./transports/exec.ts";
import type { Transport } from "./transports/transport.ts";

// Runs of every Codex instance, by pid: `stop(pid)` works whichever instance started the run.
const RUNS_KEY: unique symbol = Symbol.for("codex-otel-sdk.runner.runs.v1") as never;
const holder = globalThis as unknown as { [RUNS_KEY]?: Map<number, () => Promise<void>> };
const runs: Map<number, () => Promise<void>> = holder[RUNS_KEY] ??= new Map();

/**
 * Runs Codex threads through the Codex CLI.
 *
 * @example Run a thread
 * ```ts
 * import { Codex } from "../../mod.ts";
 * const codex = new Codex({ apiKey: "sk-..." });
 * const thread = codex.startThread({ skipGitRepoCheck: true });
 * const result = await thread.run("Summarize README.md");
 * console.log(result.finalResponse, thread.id);
 * ```
 */
export class Codex {
  // Private: it holds the API key, which must not show up when a Codex is logged or inspected.
  readonly #options: CodexOptions;
  #binary: Promise<ResolvedBinary> | undefined;
  readonly #host: ThreadHost;
  // The long-lived app-server of this instance, created on the first app-server thread's run.
  #appServer: Transport | undefined;

  /**
   * Creates a client; nothing is spawned until a thread runs.
   *
   * @param options Executable, API key, base URL, environment, config, spawner, kill grace.
   */
  constructor(options: CodexOptions = {}) {
    this.#options = { ...options };
    const processHost: ExecHost = {
      resolveBinary: (env) => {
        const p = this.#binary ??= resolveCodexBinary(env);
        // A failed lookup is retried next time (the CLI may get installed meanwhile).
        p.catch(() => {
          if (this.#binary === p) this.#binary = undefined;
        });
        return p;
      },
      register: (pid, stop) => {
        runs.set(pid, stop);
        return () => {
          if (runs.get(pid) === stop) runs.delete(pid);
        };
      },
    };
    const exec = execTransport(processHost);
    this.#host = {
      options: this.#options,
      transport: (thread: ThreadOptions): Transport => {
        const kind = thread.transport ?? this.#options.transport ?? "exec";
        if (kind === "exec") return exec;
        if (kind === "app-server") return this.#appServer ??= lazyAppServer(processHost, this.#options);
        throw new CodexExecError(
          "invalid_options",
          `unknown transport ${JSON.stringify(kind)}: use "exec" or "app-server"`,
        );
      },
    };
  }

  /**
   * Ends the app-server process of this instance, if one runs (turns in flight fail with
   * `closed`). Exec runs end with their turns and are not affected. A later app-server run
   * starts a new process. Idempotent.
   *
   * @returns Once the process is gone.
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const codex = new Codex({ transport: "app-server" });
   * try {
   *   await codex.startThread().run("first");
   * } finally {
   *   await codex.close();
   * }
   * ```
   */
  async close(): Promise<void> {
    await this.#appServer?.close();
  }

  /**
   * `await using codex = new Codex(...)`: {@link Codex.close} at the end of the scope.
   *
   * @returns Once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Starts a new thread (the CLI creates it on the first run).
   *
   * @param options Model, sandbox, working directory, timeouts, metadata, approvals.
   * @returns The thread.
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const thread = new Codex().startThread({ model: "gpt-5.5", sandboxMode: "workspace-write" });
   * ```
   */
  startThread(options: ThreadOptions = {}): Thread {
    return new Thread(this.#host, options);
  }

  /**
   * Continues an existing thread (`codex exec resume <id>`, or app-server `thread/resume`).
   *
   * @param id Thread id.
   * @param options Thread options (`usageBaseline` makes the first turn's usage delta exact).
   * @returns The thread.
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * const thread = new Codex().resumeThread("01a20b76-6908-7d90-bc64-cac6229c2ac7");
   * ```
   */
  resumeThread(id: string, options: ThreadOptions = {}): Thread {
    return new Thread(this.#host, options, id);
  }

  /**
   * Stops a run by its CLI's pid (from `codex.thread.spawned` / `codex.thread.start` metadata):
   * SIGTERM, then SIGKILL after `killGraceMs`. The run ends with a `stopped` error.
   *
   * @param pid The CLI's process id.
   * @returns `true` once the run's process has exited; `false` when no run has that pid.
   * @example
   * ```ts
   * import { Codex } from "../../mod.ts";
   * await new Codex().stop(12345); // false: no such run
   * ```
   */
  async stop(pid: number): Promise<boolean> {
    const stop = runs.get(pid);
    if (stop === undefined) return false;
    await stop();
    return true;
  }

  /**
   * Pids of the CLI processes of runs in progress (all Codex instances).
   *
   * @returns Pids.
   */
  activePids(): number[] {
    return [...runs.keys()];
  }
}

/**
 * The app-server transport, its module loaded on the first turn: a service that only runs exec
 * turns never loads (and, with a code-splitting bundler, never ships) the JSON-RPC client and the
 * protocol mapping.
 */
function lazyAppServer(host: ExecHost, options: CodexOptions): Transport {
  let loaded: Promise<Transport> | undefined;
  const load = (): Promise<Transport> => {
    if (loaded === undefined) {
      const p = loaded = import("./transports/app-server.ts").then((m) => m.appServerTransport(host, options));
      // A module that failed to load is tried again on the next turn.
      p.catch(() => {
        if (loaded === p) loaded = undefined;
      });
    }
    return loaded;
  };
  return {
    name: "app-server",
    interactive: true,
    startTurn: async (request) => (await load()).startTurn(request),
    close: async () => {
      if (loaded !== undefined) await (await loaded).close();
    },
  };
}
