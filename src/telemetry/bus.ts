/**
 * The telemetry bus: attach handlers to event names, emit events, and pair start/stop events with
 * a span token. Safe before anything is configured: with no handler attached, `emit` returns
 * after one property read.
 * @module
 */
import { epochNanos, monotonicMs } from "./clock.ts";
import type { EventName, Handler, Measurements, Metadata } from "./events.ts";

interface Attached {
  readonly id: string;
  readonly events: readonly string[];
  readonly fn: Handler<unknown>;
  readonly config: unknown;
}

interface BusState {
  /** Number of attached handlers: the no-handler fast path reads only this. */
  size: number;
  readonly byId: Map<string, Attached>;
  /** Copy-on-write handler lists per event name, so detaching during dispatch is safe. */
  readonly byEvent: Map<string, readonly Attached[]>;
  seq: number;
  tokenPrefix: string;
  warn: (message: string) => void;
}

// Versioned global key: two copies of this package (npm + JSR) in one process share one bus.
// A future incompatible state shape must bump the version instead of reusing the key.
const STATE_KEY: unique symbol = Symbol.for("codex-otel-sdk.telemetry.bus.v1") as never;

function createState(): BusState {
  return {
    size: 0,
    byId: new Map(),
    byEvent: new Map(),
    seq: 0,
    // Filled on first use: Workers forbid crypto.getRandomValues at module load.
    tokenPrefix: "",
    warn: (message) => console.warn(message),
  };
}

// A literal typed `EventName` rather than `Events.warning`: a bundler cannot inline an object
// property, so that read would put the whole event catalogue into every bundle.
const WARNING: EventName = "codex.warning";

const holder = globalThis as unknown as { [STATE_KEY]?: BusState };
const state: BusState = holder[STATE_KEY] ??= createState();

/** Thrown by {@link attach} when a handler id is already in use. */
export class TelemetryError extends Error {
  /** Stable error code. */
  readonly code: "handler_exists" | "invalid_handler";
  /**
   * Creates the error.
   *
   * @param code Stable error code.
   * @param message What went wrong and what to do.
   */
  constructor(code: "handler_exists" | "invalid_handler", message: string) {
    super(message);
    this.name = "TelemetryError";
    this.code = code;
  }
}

/**
 * Attaches a handler to one event name or a list of them.
 *
 * @param id Unique handler id; detach with it.
 * @param events An event name or a list of event names.
 * @param handler Called synchronously for each matching event.
 * @param config Passed to the handler as its fourth argument.
 * @throws {TelemetryError} `handler_exists` when `id` is already attached.
 * @example Count thread stops
 * ```ts
 * import { attach, detach, Events } from "../../mod.ts";
 * let stops = 0;
 * attach("count-stops", Events.threadStop, () => { stops++; });
 * detach("count-stops");
 * ```
 */
export function attach<C = unknown>(
  id: string,
  events: string | readonly string[],
  handler: Handler<C>,
  config?: C,
): void {
  if (typeof handler !== "function") {
    throw new TelemetryError("invalid_handler", `telemetry handler "${id}" must be a function`);
  }
  if (state.byId.has(id)) {
    throw new TelemetryError(
      "handler_exists",
      `a telemetry handler with id "${id}" is already attached; detach("${id}") first or pick another id`,
    );
  }
  const list = typeof events === "string" ? [events] : [...new Set(events)];
  const entry: Attached = { id, events: list, fn: handler as Handler<unknown>, config };
  state.byId.set(id, entry);
  for (const name of list) {
    state.byEvent.set(name, [...(state.byEvent.get(name) ?? []), entry]);
  }
  state.size = state.byId.size;
}

/**
 * Attaches one handler to many event names (alias of {@link attach} with a list, named as in
 * Elixir's `:telemetry`).
 *
 * @param id Unique handler id.
 * @param events Event names.
 * @param handler The handler.
 * @param config Passed to the handler.
 * @throws {TelemetryError} `handler_exists` when `id` is already attached.
 * @example
 * ```ts
 * import { attachMany, detach, Events } from "../../mod.ts";
 * attachMany("log", [Events.threadStart, Events.threadStop], (name) => console.log(name));
 * detach("log");
 * ```
 */
export function attachMany<C = unknown>(
  id: string,
  events: readonly string[],
  handler: Handler<C>,
  config?: C,
): void {
  attach(id, events, handler, config);
}

/**
 * Detaches a handler.
 *
 * @param id The id given to {@link attach}.
 * @returns `true` if a handler was detached.
 * @example
 * ```ts
 * import { detach } from "../../mod.ts";
 * detach("not-attached"); // false
 * ```
 */
export function detach(id: string): boolean {
  const entry = state.byId.get(id);
  if (entry === undefined) return false;
  state.byId.delete(id);
  for (const name of entry.events) {
    const next = (state.byEvent.get(name) ?? []).filter((h) => h !== entry);
    if (next.length === 0) state.byEvent.delete(name);
    else state.byEvent.set(name, next);
  }
  state.size = state.byId.size;
  return true;
}

/**
 * Lists attached handlers.
 *
 * @param prefix Only handlers attached to an event name starting with this.
 * @returns Handler ids with their event names.
 * @example
 * ```ts
 * import { listHandlers } from "../../mod.ts";
 * console.log(listHandlers("codex.thread"));
 * ```
 */
export function listHandlers(prefix = ""): { id: string; events: readonly string[] }[] {
  const out: { id: string; events: readonly string[] }[] = [];
  for (const h of state.byId.values()) {
    if (h.events.some((e) => e.startsWith(prefix))) out.push({ id: h.id, events: h.events });
  }
  return out;
}

/**
 * Whether any handler listens to `name` (lets producers skip building costly metadata).
 *
 * @param name Event name.
 * @returns `true` if at least one handler is attached to it.
 */
export function hasHandlers(name: string): boolean {
  return state.size !== 0 && state.byEvent.has(name);
}

function dispatch(name: string, measurements: Measurements, metadata: Metadata): void {
  const handlers = state.byEvent.get(name);
  if (handlers === undefined) return;
  for (let i = 0; i < handlers.length; i++) {
    const h = handlers[i];
    try {
      h.fn(name, measurements, metadata, h.config);
    } catch (error) {
      // A broken handler must never break the caller: detach it and say so once.
      detach(h.id);
      const message = error instanceof Error ? error.message : String(error);
      state.warn(`[codex] telemetry handler "${h.id}" threw on ${name} and was detached: ${message}`);
      if (name !== WARNING) {
        dispatch(WARNING, { system_time: epochNanos() }, {
          originator: "sdk",
          reason: "handler_failed",
          handler_id: h.id,
          event: name,
          error: { kind: error instanceof Error ? error.name : "Error", message },
        });
      }
    }
  }
}

/**
 * Emits an event. Adds `system_time` (epoch ns) when missing and `originator: "sdk"` unless the
 * caller set one. With no handler attached this returns at once.
 *
 * @param name Event name (see {@link EventName}).
 * @param measurements Numeric measurements.
 * @param metadata Metadata.
 * @example Emit a custom event
 * ```ts
 * import { emit } from "../../mod.ts";
 * emit("my_app.step", { count: 1 }, { step: "a" });
 * ```
 */
export function emit(name: string, measurements?: Measurements, metadata?: Metadata): void {
  // Kept tiny so that engines inline it: with no handler the call costs one property read.
  if (state.size !== 0) emitSlow(name, measurements, metadata);
}

function emitSlow(name: string, measurements: Measurements = {}, metadata: Metadata = {}): void {
  if (!state.byEvent.has(name)) return;
  const m = measurements.system_time === undefined
    ? { ...measurements, system_time: epochNanos() }
    : measurements;
  const md = metadata.originator === undefined ? { ...metadata, originator: "sdk" } : metadata;
  dispatch(name, m, md);
}

/**
 * Merges `extra` into `target`, keeping known values: an `undefined` never overwrites.
 *
 * @param target Metadata to update in place.
 * @param extra New values.
 * @returns `target`.
 */
export function mergeMetadata(target: Metadata, extra: Metadata | undefined): Metadata {
  if (extra === undefined) return target;
  for (const key in extra) {
    const value = extra[key];
    if (value !== undefined) target[key] = value;
  }
  return target;
}

/** Options of {@link startSpan}. */
export interface SpanOptions {
  /** Start event name. @default `${prefix}.start` */
  start?: string;
  /**
   * When the span started, in Unix epoch nanoseconds, for work that began before the call (an
   * approval the CLI asked for earlier): the start event carries it as `system_time` and the
   * end's `duration` counts from it. @default now
   */
  startTime?: bigint;
  /** Stop event name. @default `${prefix}.stop` */
  stop?: string;
  /** Exception event name. @default `${prefix}.exception` */
  exception?: string;
}

/** A started span of events: stop or fail it exactly once. */
export interface SpanHandle {
  /** The token shared by the start and its stop/exception. */
  readonly token: string;
  /** The accumulated metadata (ids merged in as they become known). */
  readonly metadata: Readonly<Metadata>;
  /** Whether stop/exception was already emitted. */
  readonly ended: boolean;
  /** Merges ids and other metadata in; `undefined` values never overwrite known ones. */
  merge(extra: Metadata): void;
  /**
   * Emits the stop event (or `name` when given) with `duration` and `duration_ms`.
   * A second end is ignored and returns `false`.
   */
  stop(measurements?: Measurements, metadata?: Metadata, name?: string): boolean;
  /** Emits the exception event with `error: { kind, message }`; ignored after an end. */
  exception(error: unknown, metadata?: Metadata, measurements?: Measurements): boolean;
}

/**
 * Describes an error for telemetry metadata: `{ kind, message }` plus a `code` when present.
 *
 * @param error Anything thrown.
 * @returns A plain, serializable description.
 */
export function describeError(error: unknown): { kind: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string"
      ? { kind: error.name, message: error.message, code }
      : { kind: error.name, message: error.message };
  }
  return { kind: "Error", message: String(error) };
}

/**
 * Emits `${prefix}.start` now and returns a handle whose `stop`/`exception` emits the matching
 * end with the same `span_token`, `duration` (monotonic ns) and `duration_ms`.
 *
 * @param prefix Event prefix such as `codex.thread`.
 * @param metadata Start metadata (copied; `originator` defaults to `"sdk"`).
 * @param measurements Extra start measurements.
 * @param options Custom stop / exception names.
 * @returns The span handle.
 * @example Time a unit of work
 * ```ts
 * import { startSpan } from "../../mod.ts";
 * const span = startSpan("my_app.job", { job: "a" });
 * span.stop({ items: 3 });
 * ```
 */
export function startSpan(
  prefix: string,
  metadata: Metadata = {},
  measurements: Measurements = {},
  options: SpanOptions = {},
): SpanHandle {
  return new EventSpan(prefix, metadata, measurements, options);
}

// Event names per prefix, built once: the same few prefixes are used for every span, and a
// concatenated name would be re-flattened and re-hashed on every lookup.
const NAMES = new Map<string, { start: string; stop: string; exception: string }>();
function namesOf(prefix: string): { start: string; stop: string; exception: string } {
  let names = NAMES.get(prefix);
  if (names === undefined) {
    names = { start: `${prefix}.start`, stop: `${prefix}.stop`, exception: `${prefix}.exception` };
    if (NAMES.size < 256) NAMES.set(prefix, names);
  }
  return names;
}

function newToken(): string {
  if (state.tokenPrefix === "") {
    const rnd = new Uint32Array(1);
    crypto.getRandomValues(rnd);
    state.tokenPrefix = rnd[0].toString(36);
  }
  return `${state.tokenPrefix}-${(++state.seq).toString(36)}`;
}

/** The {@link SpanHandle} of {@link startSpan}: a class, so a span costs one small object. */
class EventSpan implements SpanHandle {
  readonly token: string;
  #meta: Metadata;
  #startedAt: number;
  #stopName: string;
  #exceptionName: string;
  #ended = false;

  constructor(prefix: string, metadata: Metadata, measurements: Measurements, options: SpanOptions) {
    const names = namesOf(prefix);
    this.token = newToken();
    this.#meta = mergeMetadata({ originator: "sdk" }, metadata);
    this.#meta.span_token = this.token;
    this.#stopName = options.stop ?? names.stop;
    this.#exceptionName = options.exception ?? names.exception;
    const start = options.start ?? names.start;
    const now = monotonicMs();
    let at: bigint | undefined;
    if (options.startTime === undefined) this.#startedAt = now;
    else {
      // Back-dated: the monotonic start is now minus the wall-clock time already elapsed.
      const epoch = epochNanos();
      at = options.startTime < epoch ? options.startTime : epoch;
      this.#startedAt = now - Number(epoch - at) / 1e6;
    }
    // Skip building the event's objects when nobody listens to it.
    if (state.size !== 0 && state.byEvent.has(start)) {
      dispatch(start, { ...measurements, system_time: at ?? epochNanos() }, { ...this.#meta });
    }
  }

  get metadata(): Readonly<Metadata> {
    return this.#meta;
  }

  get ended(): boolean {
    return this.#ended;
  }

  merge(extra: Metadata): void {
    mergeMetadata(this.#meta, extra);
    this.#meta.span_token = this.token;
  }

  stop(measurements?: Measurements, metadata?: Metadata, name?: string): boolean {
    return this.#end(name ?? this.#stopName, measurements, metadata);
  }

  exception(error: unknown, metadata?: Metadata, measurements?: Measurements): boolean {
    return this.#end(this.#exceptionName, measurements, { ...metadata, error: describeError(error) });
  }

  #end(name: string, extraM: Measurements | undefined, extraMd: Metadata | undefined): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    const ms = monotonicMs() - this.#startedAt;
    const meta = this.#meta;
    mergeMetadata(meta, extraMd);
    meta.span_token = this.token;
    if (state.size !== 0 && state.byEvent.has(name)) {
      dispatch(name, { ...extraM, system_time: epochNanos(), duration: Math.round(ms * 1e6), duration_ms: ms }, {
        ...meta,
      });
    }
    return true;
  }
}

/**
 * Replaces where handler-failure warnings are written (default `console.warn`). Tests and hosts
 * with their own logging use it.
 *
 * @param sink Receives one human-readable line per warning.
 * @returns The previous sink.
 */
export function setWarningSink(sink: (message: string) => void): (message: string) => void {
  const previous = state.warn;
  state.warn = sink;
  return previous;
}
