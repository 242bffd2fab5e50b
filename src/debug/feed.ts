/**
 * The debug feed: a bounded ring of recent telemetry events and finished spans, made JSON-safe and
 * secret-free at ingest, with cursor paging and live subscriptions (served by `./hono.ts`).
 * @module
 */
// A subscriber holds only a cursor into the ring: a slow one never grows memory or slows emitters;
// when it falls further behind than the ring holds it is told about the gap.
import { attach, detach } from "../telemetry/bus.ts";
import { EVENT_NAMES, Events } from "../telemetry/events.ts";
import type { Measurements, Metadata } from "../telemetry/events.ts";
import { redactMetadata } from "../telemetry/redact.ts";
import type { SpanRecord } from "../tracing/span-record.ts";
import { runtimeEnv } from "../runtime/env.ts";
import { RunSummaries } from "./run-summary.ts";
import type { DebugDurations, DebugRunSummary } from "./run-summary.ts";
import { Scrubber, secretsFromEnv } from "./scrub.ts";
import type { DebugRedactOptions, JsonValue } from "./scrub.ts";

export type { DebugDurations, DebugRedactOptions, DebugRunSummary, JsonValue };

/** Options of {@link createDebugFeed}. */
export interface DebugFeedOptions {
  /** Entries kept (events and spans together); the oldest are evicted first. @default 2000 */
  capacity?: number;
  /** Keep prompts (`input`) in the feed. @default false */
  traceSensitive?: boolean;
  /** Extra secret values and keys to remove (API keys and OTLP headers from `env` are added). */
  redact?: DebugRedactOptions;
  /**
   * Environment whose API keys and OTLP header values are scrubbed from every string.
   * @default the runtime's environment where readable (Node's `process.env`, Deno's env with permission, Bun's env), else `{}`
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Longest string kept in an entry. @default 4096 */
  maxStringLength?: number;
  /** Event names to record. @default every catalogue name (`EVENT_NAMES`) */
  events?: readonly string[];
  /** Bus handler id. @default a unique `codex-debug-feed-<n>` */
  id?: string;
  /** Attach to the telemetry bus now; `false` leaves it to {@link DebugFeed.record} calls. @default true */
  attach?: boolean;
}

/** A telemetry event as stored in the feed. */
export interface DebugEventEntry {
  /** Monotonic sequence number, from 1; the SSE `id`. */
  id: number;
  /** Always `"event"`. */
  kind: "event";
  /** Event name (`codex.thread.start`, ...). */
  name: string;
  /** Epoch nanoseconds as a decimal string. */
  time: string;
  /** Measurements; bigints as decimal strings. */
  measurements: Record<string, number | string>;
  /** Redacted metadata. */
  metadata: { [key: string]: JsonValue };
  /**
   * The run's metrics so far (token totals, recent turn, tool and approval durations), on the end
   * events of a run the feed saw start: its thread, turns, tools and approvals.
   */
  run?: DebugRunSummary;
}

/** A finished span as stored in the feed (a JSON form of `SpanRecord`). */
export interface DebugSpanJson {
  /** 32 hex chars. */
  traceId: string;
  /** 16 hex chars. */
  spanId: string;
  /** Parent span id, absent on a root. */
  parentSpanId?: string;
  /** Span name. */
  name: string;
  /** OTLP kind (1..5). */
  kind: number;
  /** Epoch ns, decimal string. */
  startTimeUnixNano: string;
  /** Epoch ns, decimal string. */
  endTimeUnixNano: string;
  /** End minus start, in milliseconds. */
  durationMs: number;
  /** Redacted attributes. */
  attributes: { [key: string]: JsonValue };
  /** OTLP status (`code` 2 = error). */
  status: { code: number; message?: string };
  /** Span events (exceptions...). */
  events: { name: string; timeUnixNano: string; attributes: { [key: string]: JsonValue } }[];
  /** Instrumentation scope name. */
  scope: string;
}

/** A finished span entry. */
export interface DebugSpanEntry {
  /** Monotonic sequence number, from 1; the SSE `id`. */
  id: number;
  /** Always `"span"`. */
  kind: "span";
  /** Span name. */
  name: string;
  /** End time, epoch ns as a decimal string. */
  time: string;
  /** The telemetry span token of the start event this span came from, when known. */
  token?: string;
  /** The span. */
  span: DebugSpanJson;
}

/** One feed entry. */
export type DebugEntry = DebugEventEntry | DebugSpanEntry;

/** Options of {@link DebugFeed.snapshot}. */
export interface DebugSnapshotOptions {
  /** Return entries after this id (forward paging); without it, the newest `limit` entries. */
  after?: number;
  /** Most entries returned. @default 200 */
  limit?: number;
}

/** A page of entries. */
export interface DebugSnapshot {
  /** Entries, oldest first. */
  entries: DebugEntry[];
  /** Pass as `after` to get the next page: the id of the last entry returned. */
  cursor: number;
  /** Oldest id still held (0 when the feed is empty). */
  oldest: number;
  /** Newest id so far (0 when nothing was recorded). */
  latest: number;
  /** Entries after `after` that were already evicted and can no longer be returned. */
  missed: number;
  /** Whether more entries follow `cursor`. */
  more: boolean;
}

/** Options of {@link DebugFeed.subscribe}. */
export interface DebugSubscribeOptions {
  /** Deliver entries after this id first (replay), then live ones. @default the newest id (live only) */
  after?: number;
}

/** Options of {@link DebugSubscription.next}. */
export interface DebugNextOptions {
  /** Resolve with an empty batch after this long without entries (heartbeats). */
  timeoutMs?: number;
  /** Most entries per batch. @default 500 */
  max?: number;
}

/** What one {@link DebugSubscription.next} call delivers. */
export interface DebugBatch {
  /** Entries in id order, none delivered twice. */
  entries: DebugEntry[];
  /** Set when entries were evicted before this subscriber read them: ids `from`..`to` are lost. */
  gap?: { from: number; to: number; missed: number };
  /** Set when the subscription or the feed was closed: nothing more will come. */
  closed: boolean;
}

/** A live reader of the feed: a cursor into the ring, no queue of its own. */
export interface DebugSubscription {
  /**
   * Waits for entries after the cursor and returns them (at most `max`), an empty batch on
   * `timeoutMs`, or `closed: true` once closed.
   */
  next(options?: DebugNextOptions): Promise<DebugBatch>;
  /** Id of the last entry delivered. */
  readonly cursor: number;
  /** Entries this subscriber lost to eviction so far. */
  readonly missed: number;
  /** Whether it was closed. */
  readonly closed: boolean;
  /** Ends the subscription; a pending `next` resolves with `closed: true`. */
  close(): void;
}

/** Counters of a feed. */
export interface DebugFeedStats {
  /** Ring capacity. */
  capacity: number;
  /** Entries held. */
  size: number;
  /** Oldest id held (0 when empty). */
  oldest: number;
  /** Newest id. */
  latest: number;
  /** Entries evicted so far. */
  evicted: number;
  /** Open subscriptions. */
  subscribers: number;
  /** Entries lost by subscribers that fell behind, summed. */
  missed: number;
}

/** A debug feed. */
export interface DebugFeed {
  /** Ring capacity. */
  readonly capacity: number;
  /** Whether {@link DebugFeed.close} was called. */
  readonly closed: boolean;
  /** A page of entries (see {@link DebugSnapshotOptions}). */
  snapshot(options?: DebugSnapshotOptions): DebugSnapshot;
  /** A live subscription. */
  subscribe(options?: DebugSubscribeOptions): DebugSubscription;
  /** Records an event as if it came from the bus (for other buses and tests). */
  record(name: string, measurements?: Readonly<Measurements>, metadata?: Readonly<Metadata>): void;
  /** Counters. */
  stats(): DebugFeedStats;
  /** Detaches from the bus and closes every subscription. Idempotent. */
  close(): void;
}

const DEFAULT_CAPACITY = 2000;
let feedSeq = 0;

const CATEGORIES: readonly [string, string][] = [
  ["codex.turn.compaction", "compaction"],
  ["codex.thread", "thread"],
  ["invoke_agent", "thread"],
  ["codex.turn", "turn"],
  ["codex.item", "item"],
  ["codex.tool", "tool"],
  ["execute_tool", "tool"],
  ["codex.approval", "approval"],
];

// Spans are matched to the start event they came from by category and exact start time (the
// tracer takes span times from `system_time`): the page then shows one row per span, not two.
function categoryOf(name: string): string {
  for (const [prefix, cat] of CATEGORIES) if (name.startsWith(prefix)) return cat;
  return name;
}

function spanCategory(span: SpanRecord): string {
  const type = span.attributes?.["codex.span.type"];
  return typeof type === "string" ? type : categoryOf(span.name);
}

function isStartEvent(name: string): boolean {
  return name.endsWith(".start") || name === Events.approvalRequested || name === Events.compactionStarted;
}

/**
 * Creates a debug feed and attaches it to the telemetry bus.
 *
 * @param options Capacity, redaction, prompts.
 * @returns The feed; `close()` it when done.
 * @example Keep the last 500 events and spans
 * ```ts
 * import { createDebugFeed, emit } from "../../mod.ts";
 * const feed = createDebugFeed({ capacity: 500 });
 * emit("codex.warning", {}, { message: "hello" });
 * console.log(feed.snapshot().entries.length); // 1
 * feed.close();
 * ```
 */
export function createDebugFeed(options: DebugFeedOptions = {}): DebugFeed {
  return new RingFeed(options);
}

class RingFeed implements DebugFeed {
  readonly capacity: number;
  readonly #ring: (DebugEntry | undefined)[];
  #latest = 0;
  #evicted = 0;
  #missed = 0;
  #closed = false;
  readonly #id: string;
  readonly #attached: boolean;
  readonly #traceSensitive: boolean;
  readonly #scrub: Scrubber;
  readonly #subs = new Set<Sub>();
  /** Resolvers of subscribers waiting in `next`: woken on the next entry, then forgotten. */
  readonly #waiting = new Set<() => void>();
  /** `category:start ns` → span tokens of start events not yet matched to a span. */
  readonly #starts = new Map<string, string[]>();
  readonly #startOrder: string[] = [];
  readonly #runs: RunSummaries;

  constructor(options: DebugFeedOptions) {
    const capacity = Math.floor(options.capacity ?? DEFAULT_CAPACITY);
    if (!(capacity >= 1)) throw new RangeError(`debug feed capacity must be at least 1, got ${options.capacity}`);
    this.capacity = capacity;
    this.#ring = new Array(capacity);
    this.#traceSensitive = options.traceSensitive === true;
    const maxString = options.maxStringLength ?? 4096;
    this.#scrub = new Scrubber(options.redact ?? {}, this.#traceSensitive, {
      maxString,
      maxArray: 200,
      maxDepth: 8,
    });
    for (const v of secretsFromEnv(options.env ?? runtimeEnv())) this.#scrub.addSecret(v);
    this.#runs = new RunSummaries(capacity, (text) => this.#scrub.text(text));
    this.#id = options.id ?? `codex-debug-feed-${++feedSeq}`;
    this.#attached = options.attach !== false;
    if (this.#attached) {
      const names = options.events ?? EVENT_NAMES;
      attach(this.#id, names, (name, m, md) => this.record(name, m, md));
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get oldest(): number {
    return this.#latest === 0 ? 0 : Math.max(1, this.#latest - this.capacity + 1);
  }

  get latest(): number {
    return this.#latest;
  }

  /** Entry by id, or undefined when evicted or not yet recorded. */
  at(id: number): DebugEntry | undefined {
    if (id < this.oldest || id > this.#latest) return undefined;
    return this.#ring[(id - 1) % this.capacity];
  }

  record(name: string, measurements: Readonly<Measurements> = {}, metadata: Readonly<Metadata> = {}): void {
    if (this.#closed) return;
    let entry: DebugEntry | undefined;
    try {
      entry = name === Events.spanFinished ? this.#spanEntry(metadata) : this.#eventEntry(name, measurements, metadata);
    } catch {
      // A value the feed cannot convert must never break the emitter; the event is skipped.
      entry = undefined;
    }
    if (entry === undefined) return;
    const id = ++this.#latest;
    entry.id = id;
    if (id > this.capacity) this.#evicted++;
    this.#ring[(id - 1) % this.capacity] = entry;
    if (this.#waiting.size !== 0) {
      const wake = [...this.#waiting];
      this.#waiting.clear();
      for (const w of wake) w();
    }
  }

  #eventEntry(name: string, m: Readonly<Measurements>, md: Readonly<Metadata>): DebugEventEntry {
    const keepPrompt = this.#traceSensitive || md.traceSensitive === true || md.trace_sensitive === true;
    if (!keepPrompt && typeof md.input === "string") this.#scrub.addPrompt(md.input);
    const measurements: Record<string, number | string> = {};
    for (const k in m) {
      const v = m[k];
      if (typeof v === "bigint") measurements[k] = v.toString();
      else if (typeof v === "number") measurements[k] = Number.isFinite(v) ? v : String(v);
    }
    const time = typeof m.system_time === "bigint" ? m.system_time.toString() : String(Date.now() * 1e6);
    const metadata = this.#scrub.json(redactMetadata(md, keepPrompt), true, keepPrompt) as {
      [key: string]: JsonValue;
    };
    if (isStartEvent(name) && typeof md.span_token === "string") {
      this.#rememberStart(`${categoryOf(name)}:${time}`, md.span_token);
    }
    const entry: DebugEventEntry = { id: 0, kind: "event", name, time, measurements, metadata };
    const run = this.#runs.fold(name, m, md);
    if (run !== undefined) entry.run = run;
    return entry;
  }

  #rememberStart(key: string, token: string): void {
    const list = this.#starts.get(key);
    if (list === undefined) this.#starts.set(key, [token]);
    else list.push(token);
    this.#startOrder.push(key);
    // Bounded like the ring: a start whose span never comes (tracing off) is forgotten eventually.
    while (this.#startOrder.length > this.capacity) {
      const old = this.#startOrder.shift() as string;
      const l = this.#starts.get(old);
      if (l !== undefined) {
        l.shift();
        if (l.length === 0) this.#starts.delete(old);
      }
    }
  }

  #matchStart(key: string): string | undefined {
    const list = this.#starts.get(key);
    if (list === undefined) return undefined;
    const token = list.shift();
    if (list.length === 0) this.#starts.delete(key);
    return token;
  }

  #spanEntry(md: Readonly<Metadata>): DebugSpanEntry | undefined {
    const span = md.span as SpanRecord | undefined;
    if (span === undefined || span === null || typeof span !== "object" || typeof span.name !== "string") {
      return undefined;
    }
    const start = BigInt(span.startTimeUnixNano ?? 0n);
    const end = BigInt(span.endTimeUnixNano ?? start);
    const attrs = this.#scrub.json(span.attributes ?? {}, false) as { [key: string]: JsonValue };
    const json: DebugSpanJson = {
      traceId: String(span.traceId),
      spanId: String(span.spanId),
      name: this.#scrub.text(span.name),
      kind: Number(span.kind),
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: end.toString(),
      durationMs: Number(end - start) / 1e6,
      attributes: attrs,
      status: span.status?.message !== undefined
        ? { code: Number(span.status.code), message: this.#scrub.text(String(span.status.message)) }
        : { code: Number(span.status?.code ?? 0) },
      events: (span.events ?? []).slice(0, 32).map((e) => ({
        name: this.#scrub.text(String(e.name)),
        timeUnixNano: BigInt(e.timeUnixNano ?? 0n).toString(),
        attributes: this.#scrub.json(e.attributes ?? {}, false) as { [key: string]: JsonValue },
      })),
      scope: String(span.scope?.name ?? ""),
    };
    if (span.parentSpanId) json.parentSpanId = String(span.parentSpanId);
    const token = typeof md.span_token === "string"
      ? md.span_token
      : this.#matchStart(`${spanCategory(span)}:${json.startTimeUnixNano}`);
    const entry: DebugSpanEntry = { id: 0, kind: "span", name: json.name, time: json.endTimeUnixNano, span: json };
    if (token !== undefined) entry.token = token;
    return entry;
  }

  snapshot(options: DebugSnapshotOptions = {}): DebugSnapshot {
    const limit = Math.max(0, Math.min(Math.floor(options.limit ?? 200), this.capacity));
    const oldest = this.oldest;
    const latest = this.#latest;
    let from: number;
    let missed = 0;
    if (options.after === undefined) {
      from = Math.max(oldest, latest - limit + 1);
    } else {
      const after = Math.max(0, Math.floor(options.after));
      from = after + 1;
      if (latest !== 0 && from < oldest) {
        missed = oldest - from;
        from = oldest;
      }
    }
    if (from < 1) from = 1;
    const to = Math.min(latest, from + limit - 1);
    const entries: DebugEntry[] = [];
    for (let id = from; id <= to; id++) entries.push(this.at(id) as DebugEntry);
    const cursor = entries.length > 0 ? to : options.after === undefined ? latest : Math.min(options.after, latest);
    return { entries, cursor, oldest, latest, missed, more: to < latest };
  }

  subscribe(options: DebugSubscribeOptions = {}): DebugSubscription {
    const sub = new Sub(this, options.after === undefined ? this.#latest : Math.max(0, Math.floor(options.after)));
    if (this.#closed) sub.close();
    else this.#subs.add(sub);
    return sub;
  }

  /** @internal used by subscriptions */
  wait(resolve: () => void): void {
    this.#waiting.add(resolve);
  }

  /** @internal used by subscriptions */
  unwait(resolve: () => void): void {
    this.#waiting.delete(resolve);
  }

  /** @internal used by subscriptions */
  forget(sub: Sub): void {
    this.#subs.delete(sub);
  }

  /** @internal used by subscriptions */
  countMissed(n: number): void {
    this.#missed += n;
  }

  stats(): DebugFeedStats {
    return {
      capacity: this.capacity,
      size: this.#latest - this.oldest + (this.#latest === 0 ? 0 : 1),
      oldest: this.oldest,
      latest: this.#latest,
      evicted: this.#evicted,
      subscribers: this.#subs.size,
      missed: this.#missed,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#attached) detach(this.#id);
    for (const sub of [...this.#subs]) sub.close();
    const wake = [...this.#waiting];
    this.#waiting.clear();
    for (const w of wake) w();
  }
}

class Sub implements DebugSubscription {
  readonly #feed: RingFeed;
  #cursor: number;
  #missed = 0;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(feed: RingFeed, after: number) {
    this.#feed = feed;
    this.#cursor = after;
  }

  get cursor(): number {
    return this.#cursor;
  }

  get missed(): number {
    return this.#missed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#feed.forget(this);
    const w = this.#wake;
    if (w !== undefined) {
      this.#feed.unwait(w);
      w();
    }
  }

  #take(max: number): DebugBatch {
    const feed = this.#feed;
    let gap: DebugBatch["gap"];
    const oldest = feed.oldest;
    // Ids above the newest (a feed restarted under a client): nothing to replay, start over.
    if (this.#cursor > feed.latest) this.#cursor = feed.latest;
    if (feed.latest !== 0 && this.#cursor + 1 < oldest) {
      const missed = oldest - this.#cursor - 1;
      gap = { from: this.#cursor + 1, to: oldest - 1, missed };
      this.#missed += missed;
      feed.countMissed(missed);
      this.#cursor = oldest - 1;
    }
    const entries: DebugEntry[] = [];
    while (entries.length < max && this.#cursor < feed.latest) {
      entries.push(feed.at(++this.#cursor) as DebugEntry);
    }
    return gap === undefined ? { entries, closed: false } : { entries, gap, closed: false };
  }

  async next(options: DebugNextOptions = {}): Promise<DebugBatch> {
    const max = Math.max(1, options.max ?? 500);
    if (this.#closed || this.#feed.closed) {
      this.close();
      return { entries: [], closed: true };
    }
    const ready = this.#take(max);
    if (ready.entries.length > 0 || ready.gap !== undefined) return ready;
    await new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#feed.unwait(done);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.#feed.wait(done);
      if (options.timeoutMs !== undefined) timer = setTimeout(done, options.timeoutMs);
    });
    if (this.#closed || this.#feed.closed) {
      this.close();
      return { entries: [], closed: true };
    }
    return this.#take(max);
  }
}
