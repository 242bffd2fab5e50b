/**
 * A JSON-RPC 2.0 connection over a line stream (one JSON object per line, `codex app-server`'s
 * stdio): calls with per-call deadlines, notifications, server requests that always get an answer,
 * and problems on the wire (a line that is not JSON, a message that is not JSON-RPC, a response to
 * an id nobody asked) reported as events while the connection goes on.
 * @module
 */
import { CodexExecError } from "../base/errors.ts";
import { createJsonlDecoder, MalformedLine } from "../jsonl/decoder.ts";
import type { JsonlDecoder } from "../jsonl/decoder.ts";
import type { RequestId } from "./protocol/RequestId.ts";

/** W3C trace context carried by a request (the envelope's `trace`, honoured per request by 0.169). */
export interface RpcTrace {
  /** W3C `traceparent`. */
  traceparent?: string;
  /** W3C `tracestate`. */
  tracestate?: string;
}

/** Options of one call. */
export interface CallOptions {
  /** The call fails with `rpc_timeout` when no response came in this long (the connection lives on). */
  timeoutMs?: number;
  /** Trace context sent in the envelope. */
  trace?: RpcTrace;
}

/** A JSON-RPC error: thrown by a server-request handler to answer with it, or received for a call. */
export class RpcError extends Error {
  /** The JSON-RPC error code. */
  readonly rpcCode: number;
  /** The error's `data`, when any. */
  readonly data: unknown;
  /**
   * Creates the error.
   *
   * @param rpcCode JSON-RPC error code (-32601 method not found, -32603 internal error, ...).
   * @param message The message.
   * @param data Extra data.
   */
  constructor(rpcCode: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

/** What went wrong on the wire; the connection goes on after each. */
export type RpcProblem =
  | { readonly kind: "malformed"; readonly line: MalformedLine }
  | { readonly kind: "invalid"; readonly message: unknown; readonly reason: string }
  | { readonly kind: "unknown_response"; readonly id: unknown; readonly message: unknown }
  | { readonly kind: "answer_failed"; readonly method: string; readonly error: unknown };

/** What the connection calls. */
export interface RpcHandlers {
  /**
   * A notification from the server.
   *
   * @param method Its method.
   * @param params Its params (`undefined` when absent).
   */
  notification(method: string, params: unknown): void;
  /**
   * A request from the server. The connection answers with the result, or with the error when it
   * rejects (an {@link RpcError} as is, anything else as -32603).
   *
   * @param method Its method.
   * @param params Its params.
   * @param id Its id.
   * @returns The result.
   */
  request(method: string, params: unknown, id: RequestId): Promise<unknown>;
  /**
   * A problem on the wire.
   *
   * @param problem What happened.
   */
  problem(problem: RpcProblem): void;
}

/** Counters of a connection, for tests and status. */
export interface RpcStats {
  /** Calls sent. */
  calls: number;
  /** Server requests received. */
  serverRequests: number;
  /** Server requests answered (result or error). */
  answered: number;
  /** Server requests left unanswered because the connection closed first (the peer is gone). */
  abandoned: number;
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** JSON-RPC -32601: the method is not handled here. */
export const METHOD_NOT_FOUND = -32601;
/** JSON-RPC -32603: the handler failed. */
export const INTERNAL_ERROR = -32603;

/**
 * One JSON-RPC connection. Feed it the peer's output with {@link RpcConnection.receive}; it writes
 * through `write`.
 *
 * @example Answer a server request and call a method
 * ```ts
 * import { RpcConnection } from "./rpc.ts";
 * const lines: string[] = [];
 * const rpc = new RpcConnection((line) => { lines.push(line); return Promise.resolve(); }, {
 *   notification: () => {},
 *   request: () => Promise.resolve({ decision: "decline" }),
 *   problem: () => {},
 * });
 * const call = rpc.call("thread/start", {});
 * rpc.receive(new TextEncoder().encode('{"id":1,"result":{"thread":{"id":"t"}}}\n'));
 * console.log(await call, lines[0]);
 * ```
 */
export class RpcConnection {
  readonly #write: (line: string) => Promise<void>;
  readonly #handlers: RpcHandlers;
  readonly #decoder: JsonlDecoder = createJsonlDecoder();
  readonly #pending = new Map<RequestId, Pending>();
  #nextId = 0;
  #closed: CodexExecError | undefined;
  #openServerRequests = 0;
  readonly #stats: RpcStats = { calls: 0, serverRequests: 0, answered: 0, abandoned: 0 };

  /**
   * Creates a connection.
   *
   * @param write Writes one line (the connection adds the newline); rejects when the peer is gone.
   * @param handlers Notifications, server requests, problems.
   */
  constructor(write: (line: string) => Promise<void>, handlers: RpcHandlers) {
    this.#write = write;
    this.#handlers = handlers;
  }

  /** Counters (a live view). */
  get stats(): Readonly<RpcStats> {
    return this.#stats;
  }

  /** Calls waiting for their response. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** Server requests whose answer is not written yet. */
  get openServerRequests(): number {
    return this.#openServerRequests;
  }

  /** The error the connection was closed with, once closed. */
  get closedWith(): CodexExecError | undefined {
    return this.#closed;
  }

  /**
   * Calls a method.
   *
   * @param method The method.
   * @param params Its params.
   * @param options Deadline and trace context.
   * @returns The result.
   * @throws {CodexExecError} `rpc_error` for an error response, `rpc_timeout` past the deadline,
   *   the close error once closed.
   */
  call<T = unknown>(method: string, params: unknown, options: CallOptions = {}): Promise<T> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const id = ++this.#nextId;
    this.#stats.calls++;
    const envelope: Record<string, unknown> = { id, method, params };
    if (options.trace !== undefined) envelope.trace = options.trace;
    const line = JSON.stringify(envelope);
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { method, resolve: resolve as (v: unknown) => void, reject, timer: undefined };
      this.#pending.set(id, entry);
      const ms = options.timeoutMs;
      if (ms !== undefined && ms > 0) {
        entry.timer = setTimeout(() => {
          if (this.#pending.get(id) !== entry) return;
          this.#pending.delete(id);
          reject(
            new CodexExecError(
              "rpc_timeout",
              `the Codex app-server did not answer ${method} within ${ms} ms (requestTimeoutMs); the call was given up, the server goes on`,
            ),
          );
        }, ms);
      }
      this.#write(line).catch((error) => {
        if (this.#pending.get(id) !== entry) return;
        this.#pending.delete(id);
        if (entry.timer !== undefined) clearTimeout(entry.timer);
        reject(
          this.#closed ??
            new CodexExecError("closed", `could not send ${method} to the Codex app-server: ${messageOf(error)}`, {
              cause: error,
            }),
        );
      });
    });
  }

  /**
   * Sends a notification.
   *
   * @param method The method.
   * @param params Its params, if any.
   * @returns Once written; rejects when the peer is gone.
   */
  notify(method: string, params?: unknown): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return this.#write(JSON.stringify(params === undefined ? { method } : { method, params }));
  }

  /**
   * Feeds the peer's output.
   *
   * @param chunk The next bytes.
   */
  receive(chunk: Uint8Array): void {
    for (const value of this.#decoder.values(chunk)) this.#dispatch(value);
  }

  /** The peer's output ended: a last line without newline is handled now. */
  end(): void {
    for (const value of this.#decoder.end()) this.#dispatch(value);
  }

  /**
   * Closes the connection: every pending call rejects with `error`, later calls too, and answers
   * not yet written are abandoned. Idempotent (the first error wins).
   *
   * @param error Why.
   */
  close(error: CodexExecError): void {
    if (this.#closed !== undefined) return;
    this.#closed = error;
    for (const [id, entry] of this.#pending) {
      this.#pending.delete(id);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  #dispatch(value: unknown): void {
    if (value instanceof MalformedLine) {
      this.#handlers.problem({ kind: "malformed", line: value });
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.#handlers.problem({ kind: "invalid", message: value, reason: "not a JSON-RPC message object" });
      return;
    }
    const m = value as Record<string, unknown>;
    const method = m.method;
    const id = m.id;
    if (typeof method === "string") {
      if (id === undefined || id === null) {
        try {
          this.#handlers.notification(method, m.params);
        } catch (error) {
          // A notification whose params the handler could not read: reported, the stream goes on.
          this.#handlers.problem({ kind: "invalid", message: value, reason: `unreadable ${method}: ${messageOf(error)}` });
        }
      } else if (typeof id === "string" || typeof id === "number") this.#serverRequest(method, m.params, id);
      else this.#handlers.problem({ kind: "invalid", message: value, reason: "a request id must be a string or number" });
      return;
    }
    if ((typeof id === "string" || typeof id === "number") && ("result" in m || "error" in m)) {
      const entry = this.#pending.get(id);
      if (entry === undefined) {
        this.#handlers.problem({ kind: "unknown_response", id, message: value });
        return;
      }
      this.#pending.delete(id);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      if ("error" in m && m.error !== undefined && m.error !== null) {
        const e = m.error as { code?: unknown; message?: unknown; data?: unknown };
        const rpcCode = typeof e.code === "number" ? e.code : INTERNAL_ERROR;
        const text = typeof e.message === "string" ? e.message : JSON.stringify(m.error);
        entry.reject(
          new CodexExecError("rpc_error", `the Codex app-server rejected ${entry.method}: ${text} (JSON-RPC ${rpcCode})`, {
            cause: new RpcError(rpcCode, text, e.data),
          }),
        );
      } else entry.resolve(m.result);
      return;
    }
    this.#handlers.problem({ kind: "invalid", message: value, reason: "neither a request, a notification nor a response" });
  }

  #serverRequest(method: string, params: unknown, id: RequestId): void {
    this.#stats.serverRequests++;
    this.#openServerRequests++;
    let answer: Promise<unknown>;
    try {
      answer = this.#handlers.request(method, params, id);
    } catch (error) {
      answer = Promise.reject(error);
    }
    const send = (payload: Record<string, unknown>): void => {
      this.#openServerRequests--;
      if (this.#closed !== undefined) {
        this.#stats.abandoned++;
        return;
      }
      this.#stats.answered++;
      this.#write(JSON.stringify(payload)).catch((error) => {
        // The peer went away between the check and the write: nobody is left to answer.
        this.#stats.answered--;
        this.#stats.abandoned++;
        this.#handlers.problem({ kind: "answer_failed", method, error });
      });
    };
    answer.then(
      (result) => send({ id, result: result ?? null }),
      (error) => {
        const e = error instanceof RpcError ? error : new RpcError(INTERNAL_ERROR, messageOf(error));
        const err: Record<string, unknown> = { code: e.rpcCode, message: e.message };
        if (e.data !== undefined) err.data = e.data;
        send({ id, error: err });
      },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
