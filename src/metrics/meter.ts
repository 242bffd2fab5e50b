/**
 * The metrics SDK core: a meter provider whose instruments aggregate into one series per attribute
 * set (sums, last values, explicit-bucket histograms) under the OTel temporality preferences and a
 * cardinality limit with one overflow series, and `collect()`, which turns them into
 * {@link ScopeMetrics}. Once a series exists, recording into it allocates nothing.
 * @module
 */
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";
import { epochNanos } from "../telemetry/clock.ts";
import type {
  Counter,
  Gauge,
  Histogram,
  HistogramOptions,
  InstrumentOptions,
  Meter,
  ObservableCallback,
  ObservableResult,
  UpDownCounter,
} from "./api.ts";
import type { HistogramPoint, MetricData, NumberPoint, ScopeMetrics, Temporality } from "./data.ts";
import { canonicalKey, copyAttributes } from "./series-key.ts";

/**
 * The temporality preference of `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`:
 * `cumulative` (everything cumulative), `delta` (counters, histograms, gauges and observable
 * counters and gauges delta; up-down counters cumulative), `lowmemory` (synchronous counters and
 * histograms delta; the rest cumulative).
 */
export type TemporalityPreference = "cumulative" | "delta" | "lowmemory";

/** Options of {@link createMeterProvider}. */
export interface MeterProviderOptions {
  /** Temporality preference. @default "cumulative" */
  temporality?: TemporalityPreference;
  /**
   * Data points per instrument and collection, the overflow series included: attribute sets
   * beyond `cardinalityLimit - 1` aggregate into one series with `otel.metric.overflow: true`.
   * @default 2000
   */
  cardinalityLimit?: number;
  /** Clock, epoch nanoseconds. @default epochNanos (src/telemetry/clock.ts) */
  now?: () => bigint;
  /** Receives problems: conflicting instruments, ignored values, throwing callbacks. @default console.warn */
  warn?: (message: string) => void;
}

/** Creates meters and collects what their instruments recorded. One reader collects a provider. */
export interface MeterProvider {
  /**
   * The meter of an instrumentation scope (the same name and version give the same meter).
   *
   * @param name Scope name (`codex-otel-sdk`, a host library's name).
   * @param version Scope version.
   * @returns The meter.
   */
  meter(name: string, version?: string): Meter;
  /**
   * Runs the observable callbacks and returns every metric with points. Delta series start a new
   * interval; cumulative ones keep their start time.
   *
   * @returns The collected scopes (only metrics with at least one point).
   */
  collect(): ScopeMetrics[];
  /** Stops recording and frees the series; later recordings are ignored and `collect()` returns `[]`. */
  shutdown(): void;
  /** Series held now, across all instruments (overflow series included): the memory bound. */
  readonly series: number;
}

/** Error codes of {@link MetricsError}. */
export type MetricsErrorCode = "invalid_boundaries" | "invalid_option";

/**
 * A programming error in metrics setup (bad histogram boundaries, a bad provider option).
 * Recording never throws.
 *
 * @example
 * ```ts
 * import { createMeterProvider, MetricsError } from "./meter.ts";
 * try {
 *   createMeterProvider().meter("demo").histogram("h", { boundaries: [5, 1] });
 * } catch (e) {
 *   if (e instanceof MetricsError) console.log(e.code); // "invalid_boundaries"
 * }
 * ```
 */
export class MetricsError extends Error {
  /** Stable code. */
  readonly code: MetricsErrorCode;
  /**
   * Creates the error.
   *
   * @param code Stable code.
   * @param message What is wrong and how to fix it.
   */
  constructor(code: MetricsErrorCode, message: string) {
    super(message);
    this.name = "MetricsError";
    this.code = code;
  }
}

/** The OTel SDK's default explicit bucket boundaries. */
export const DEFAULT_BOUNDARIES: readonly number[] = Object.freeze([0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);

/** The attribute of the overflow series. */
export const OVERFLOW_ATTRIBUTE = "otel.metric.overflow";

const EMPTY: Attributes = Object.freeze({});
const OVERFLOW: Attributes = Object.freeze({ [OVERFLOW_ATTRIBUTE]: true });
// Instrument names as the API spec allows them.
const NAME = /^[A-Za-z][A-Za-z0-9_./-]{0,254}$/;

type Kind =
  | "counter"
  | "upDownCounter"
  | "histogram"
  | "gauge"
  | "observableCounter"
  | "observableUpDownCounter"
  | "observableGauge";

interface Descriptor {
  name: string;
  kind: Kind;
  unit: string;
  description: string;
  valueType: "int" | "double";
  bounds?: readonly number[];
}

/** What every instrument of a provider shares. */
interface Shared {
  now: () => bigint;
  limit: number;
  warn: (message: string) => void;
  preference: TemporalityPreference;
}

function temporalityOf(kind: Kind, preference: TemporalityPreference): Temporality {
  if (preference === "cumulative") return "cumulative";
  if (preference === "lowmemory") return kind === "counter" || kind === "histogram" ? "delta" : "cumulative";
  return kind === "upDownCounter" || kind === "observableUpDownCounter" ? "cumulative" : "delta";
}

function safeWarn(shared: Shared, message: string): void {
  try {
    shared.warn(`[codex] metrics: ${message}`);
  } catch {
    // a broken sink must not break recording
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Metric fields every kind carries. */
function base(d: Descriptor): { name: string; description?: string; unit?: string; valueType: "int" | "double" } {
  return {
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    ...(d.unit ? { unit: d.unit } : {}),
    valueType: d.valueType,
  };
}

/** One attribute set's aggregate. One shape for every kind, so the recording paths stay monomorphic. */
class Series {
  attributes: Attributes;
  start: bigint;
  /** Sum (sums, histograms) or last value (gauges). */
  value = 0;
  /** Recordings. */
  count = 0;
  min = Infinity;
  max = -Infinity;
  buckets: Float64Array | undefined;
  constructor(attributes: Attributes, start: bigint, buckets: number) {
    this.attributes = attributes;
    this.start = start;
    this.buckets = buckets > 0 ? new Float64Array(buckets) : undefined;
  }
}

/** A trie node: attribute key → value → node, in a set's own key order; a set ends at its series. */
class Node {
  next: Map<string, Map<AttributeValue, Node>> | undefined = undefined;
  series: Series | undefined = undefined;
}

// Lookup without allocation, fastest first: object identity in a small ring per instrument (a
// hit is checked against the keys and values seen then, since a host may mutate and reuse one
// object); then a trie over the set's primitive keys and values in their own order (a fresh object
// literal per call); only then the canonical string key (sorted), which also serves sets with
// nested values.
const RING = 4;

abstract class SyncStorage {
  readonly d: Descriptor;
  readonly temporality: Temporality;
  readonly shared: Shared;
  readonly int: boolean;
  closed = false;
  series: Map<string, Series> = new Map();
  root: Node = new Node();
  nodes = 0;
  overflow: Series | undefined = undefined;
  ids: (Attributes | undefined)[] = [undefined, undefined, undefined, undefined];
  hits: (Series | undefined)[] = [undefined, undefined, undefined, undefined];
  keys: string[][] = [[], [], [], []];
  vals: AttributeValue[][] = [[], [], [], []];
  lens: number[] = [0, 0, 0, 0];
  next = 0;
  /** Whether the last trie walk met a nested value (such sets go by their string key). */
  nested = false;
  intervalStart: bigint;
  warned = false;
  readonly buckets: number;

  constructor(d: Descriptor, shared: Shared, buckets: number) {
    this.d = d;
    this.shared = shared;
    this.temporality = temporalityOf(d.kind, shared.preference);
    this.int = d.valueType === "int";
    this.buckets = buckets;
    this.intervalStart = shared.now();
  }

  get size(): number {
    return this.series.size + (this.overflow === undefined ? 0 : 1);
  }

  lookup(attrs: Attributes): Series {
    const ids = this.ids;
    for (let i = 0; i < RING; i++) {
      if (ids[i] === attrs && this.same(i, attrs)) return this.hits[i] as Series;
    }
    return this.miss(attrs);
  }

  same(i: number, attrs: Attributes): boolean {
    const keys = this.keys[i];
    const vals = this.vals[i];
    let n = 0;
    for (const k in attrs) {
      if (k !== keys[n] || attrs[k] !== vals[n]) return false;
      n++;
    }
    return n === this.lens[i];
  }

  walk(attrs: Attributes): Series | undefined {
    let node: Node | undefined = this.root;
    this.nested = false;
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined) continue;
      if (v !== null && typeof v === "object") {
        this.nested = true;
        return undefined;
      }
      node = node.next?.get(k)?.get(v);
      if (node === undefined) return undefined;
    }
    return node.series;
  }

  insert(attrs: Attributes, s: Series): void {
    // Paths of the same set in other key orders add up: the trie is bounded and rebuilt on demand.
    if (this.nodes > 16 * this.shared.limit + 64) {
      this.root = new Node();
      this.nodes = 0;
    }
    let node = this.root;
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined) continue;
      const next = node.next ??= new Map();
      let byValue = next.get(k);
      if (byValue === undefined) next.set(k, byValue = new Map());
      let child = byValue.get(v);
      if (child === undefined) {
        byValue.set(v, child = new Node());
        this.nodes++;
      }
      node = child;
    }
    node.series = s;
  }

  remember(attrs: Attributes, s: Series): void {
    const i = this.next;
    this.next = (i + 1) % RING;
    this.ids[i] = attrs;
    this.hits[i] = s;
    // Written in place with a count: truncating an array frees its store, and refilling it allocates.
    const keys = this.keys[i];
    const vals = this.vals[i];
    let n = 0;
    for (const k in attrs) {
      keys[n] = k;
      vals[n] = attrs[k];
      n++;
    }
    this.lens[i] = n;
  }

  miss(attrs: Attributes): Series {
    const found = this.walk(attrs);
    if (found !== undefined) {
      this.remember(attrs, found);
      return found;
    }
    const key = canonicalKey(attrs);
    let s = this.series.get(key);
    if (s === undefined) s = this.create(attrs, key);
    if (!this.nested) {
      this.insert(attrs, s);
      this.remember(attrs, s);
    }
    return s;
  }

  create(attrs: Attributes, canon: string): Series {
    // The overflow series counts toward the limit: at most `limit` points per collection.
    if (this.series.size >= this.shared.limit - 1) {
      if (this.overflow === undefined) this.overflow = new Series(OVERFLOW, this.shared.now(), this.buckets);
      return this.overflow;
    }
    const s = new Series(copyAttributes(attrs), this.shared.now(), this.buckets);
    this.series.set(canon, s);
    return s;
  }

  bad(value: unknown): void {
    if (this.warned) return;
    this.warned = true;
    safeWarn(this.shared, `${this.d.kind} "${this.d.name}" ignored the value ${String(value)} (${this.expects()}); later ones are ignored silently`);
  }

  expects(): string {
    return "finite numbers only";
  }

  /** The series to report, then (delta) a fresh interval. */
  drain(now: bigint): { list: Series[]; start: bigint | undefined } {
    const list = [...this.series.values()];
    if (this.overflow !== undefined) list.push(this.overflow);
    if (this.temporality === "cumulative") return { list, start: undefined };
    const start = this.intervalStart;
    this.intervalStart = now;
    this.reset();
    return { list, start };
  }

  reset(): void {
    this.series = new Map();
    this.root = new Node();
    this.nodes = 0;
    this.overflow = undefined;
    this.ids.fill(undefined);
    this.hits.fill(undefined);
  }

  abstract collect(now: bigint): MetricData | undefined;

  sums(now: bigint, monotonic: boolean): MetricData | undefined {
    const { list, start } = this.drain(now);
    if (list.length === 0) return undefined;
    const points: NumberPoint[] = list.map((s) => ({ attributes: s.attributes, startTimeUnixNano: start ?? s.start, timeUnixNano: now, value: s.value }));
    return { ...base(this.d), kind: "sum", temporality: this.temporality, monotonic, points };
  }
}

class CounterStorage extends SyncStorage implements Counter {
  add(value: number, attributes?: Attributes): void {
    if (this.closed) return;
    if (!(Number.isFinite(value) && value >= 0)) return this.bad(value);
    if (this.int) value = Math.trunc(value);
    this.lookup(attributes === undefined ? EMPTY : attributes).value += value;
  }
  override expects(): string {
    return "a counter takes finite non-negative numbers";
  }
  collect(now: bigint): MetricData | undefined {
    return this.sums(now, true);
  }
}

class UpDownCounterStorage extends SyncStorage implements UpDownCounter {
  add(value: number, attributes?: Attributes): void {
    if (this.closed) return;
    if (!Number.isFinite(value)) return this.bad(value);
    if (this.int) value = Math.trunc(value);
    this.lookup(attributes === undefined ? EMPTY : attributes).value += value;
  }
  collect(now: bigint): MetricData | undefined {
    return this.sums(now, false);
  }
}

class GaugeStorage extends SyncStorage implements Gauge {
  record(value: number, attributes?: Attributes): void {
    if (this.closed) return;
    if (!Number.isFinite(value)) return this.bad(value);
    if (this.int) value = Math.trunc(value);
    this.lookup(attributes === undefined ? EMPTY : attributes).value = value;
  }
  collect(now: bigint): MetricData | undefined {
    const { list, start } = this.drain(now);
    if (list.length === 0) return undefined;
    const points: NumberPoint[] = list.map((s) => ({ attributes: s.attributes, startTimeUnixNano: start ?? s.start, timeUnixNano: now, value: s.value }));
    return { ...base(this.d), kind: "gauge", points };
  }
}

class HistogramStorage extends SyncStorage implements Histogram {
  readonly bounds: Float64Array;
  readonly linear: boolean;
  constructor(d: Descriptor, shared: Shared) {
    super(d, shared, (d.bounds as readonly number[]).length + 1);
    this.bounds = Float64Array.from(d.bounds as readonly number[]);
    this.linear = this.bounds.length <= 32;
  }
  record(value: number, attributes?: Attributes): void {
    if (this.closed) return;
    if (!(Number.isFinite(value) && value >= 0)) return this.bad(value);
    if (this.int) value = Math.trunc(value);
    const s = this.lookup(attributes === undefined ? EMPTY : attributes);
    s.count++;
    s.value += value;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
    // Bucket i holds (bounds[i-1], bounds[i]]: the first bound not below the value.
    const b = this.bounds;
    const n = b.length;
    let i = 0;
    if (this.linear) {
      while (i < n && value > b[i]) i++;
    } else {
      let hi = n;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (value > b[mid]) i = mid + 1;
        else hi = mid;
      }
    }
    (s.buckets as Float64Array)[i]++;
  }
  override expects(): string {
    return "a histogram takes finite non-negative numbers";
  }
  collect(now: bigint): MetricData | undefined {
    const { list, start } = this.drain(now);
    if (list.length === 0) return undefined;
    const bounds = this.d.bounds as readonly number[];
    const points: HistogramPoint[] = list.map((s) => ({
      attributes: s.attributes,
      startTimeUnixNano: start ?? s.start,
      timeUnixNano: now,
      count: s.count,
      sum: s.value,
      min: s.min,
      max: s.max,
      bounds,
      bucketCounts: Array.from(s.buckets as Float64Array),
    }));
    return { ...base(this.d), kind: "histogram", temporality: this.temporality, points };
  }
}

/** An observation of one collection. */
interface Observation {
  attributes: Attributes;
  value: number;
}

class ObservableStorage {
  readonly d: Descriptor;
  readonly temporality: Temporality;
  readonly shared: Shared;
  readonly callbacks: ObservableCallback[] = [];
  readonly created: bigint;
  intervalStart: bigint;
  closed = false;
  size = 0;
  warned = false;
  /** Delta sums: the last observed totals per attribute set. */
  prev: Map<string, number> = new Map();
  prevOverflow = 0;

  constructor(d: Descriptor, shared: Shared) {
    this.d = d;
    this.shared = shared;
    this.temporality = temporalityOf(d.kind, shared.preference);
    this.created = this.intervalStart = shared.now();
  }

  collect(now: bigint): MetricData | undefined {
    const d = this.d;
    const limit = this.shared.limit;
    const gauge = d.kind === "observableGauge";
    const monotonic = d.kind === "observableCounter";
    const int = d.valueType === "int";
    const cur = new Map<string, Observation>();
    // Attribute sets beyond the limit, last value each; the first-observed sets keep their series.
    let over: Map<string, number> | undefined;
    let lastOver = 0;
    let open = true;
    let threw = false;
    const result: ObservableResult = {
      observe: (value: number, attributes?: Attributes): void => {
        if (!open) return;
        if (!Number.isFinite(value) || (monotonic && value < 0)) {
          if (!this.warned) {
            this.warned = true;
            safeWarn(this.shared, `${d.kind} "${d.name}" ignored the observed value ${String(value)} (${monotonic ? "finite non-negative numbers only" : "finite numbers only"}); later ones are ignored silently`);
          }
          return;
        }
        if (int) value = Math.trunc(value);
        const attrs = attributes ?? EMPTY;
        const key = canonicalKey(attrs);
        const seen = cur.get(key);
        if (seen !== undefined) seen.value = value;
        else if (cur.size < limit - 1) cur.set(key, { attributes: copyAttributes(attrs), value });
        else {
          (over ??= new Map()).set(key, value);
          lastOver = value;
        }
      },
    };
    for (const cb of this.callbacks) {
      try {
        cb(result);
      } catch (error) {
        threw = true;
        safeWarn(this.shared, `the callback of ${d.kind} "${d.name}" threw and was skipped: ${describe(error)}`);
      }
    }
    open = false;

    const list: Observation[] = [...cur.values()];
    if (over !== undefined) {
      let total = 0;
      for (const v of over.values()) total += v;
      list.push({ attributes: OVERFLOW, value: gauge ? lastOver : total });
    }
    this.size = list.length;
    const delta = this.temporality === "delta";
    const start = delta ? this.intervalStart : this.created;
    if (delta) this.intervalStart = now;

    if (delta && !gauge) {
      // Totals become differences from the previous collection (a total that went down on a
      // monotonic counter is a reset: its new total is the difference).
      const next = threw ? this.prev : new Map<string, number>();
      for (const [key, o] of cur) {
        const p = this.prev.get(key) ?? 0;
        next.set(key, o.value);
        o.value = monotonic && o.value < p ? o.value : o.value - p;
      }
      if (over !== undefined) {
        const o = list[list.length - 1];
        const total = o.value;
        o.value = monotonic && total < this.prevOverflow ? total : total - this.prevOverflow;
        this.prevOverflow = total;
      } else if (!threw) this.prevOverflow = 0;
      this.prev = next.size > 2 * limit ? new Map([...cur].map(([k, o]) => [k, o.value])) : next;
    }
    if (list.length === 0) return undefined;
    const points: NumberPoint[] = list.map((o) => ({ attributes: o.attributes, startTimeUnixNano: start, timeUnixNano: now, value: o.value }));
    if (gauge) return { ...base(d), kind: "gauge", points };
    return { ...base(d), kind: "sum", temporality: this.temporality, monotonic, points };
  }
}

type Storage = SyncStorage | ObservableStorage;

function validateBoundaries(name: string, boundaries: readonly number[]): readonly number[] {
  if (!Array.isArray(boundaries)) {
    throw new MetricsError("invalid_boundaries", `histogram "${name}": boundaries must be an array of numbers`);
  }
  for (let i = 0; i < boundaries.length; i++) {
    const b = boundaries[i];
    if (typeof b !== "number" || !Number.isFinite(b)) {
      throw new MetricsError("invalid_boundaries", `histogram "${name}": boundary ${i} is ${String(b)}; boundaries must be finite numbers`);
    }
    if (i > 0 && !(b > boundaries[i - 1])) {
      throw new MetricsError(
        "invalid_boundaries",
        `histogram "${name}": boundaries must be strictly increasing, but boundary ${i} (${b}) is not above boundary ${i - 1} (${boundaries[i - 1]})`,
      );
    }
  }
  return Object.freeze([...boundaries]);
}

function sameDescriptor(a: Descriptor, b: Descriptor): boolean {
  if (a.kind !== b.kind || a.unit !== b.unit || a.description !== b.description || a.valueType !== b.valueType) return false;
  if (a.bounds === undefined || b.bounds === undefined) return a.bounds === b.bounds;
  return a.bounds.length === b.bounds.length && a.bounds.every((x, i) => x === b.bounds?.[i]);
}

function show(d: Descriptor): string {
  return `${d.kind}${d.unit ? ` [${d.unit}]` : ""}${d.valueType === "int" ? " int" : ""}${d.bounds ? ` bounds ${JSON.stringify(d.bounds)}` : ""}${d.description ? ` "${d.description}"` : ""}`;
}

class MeterImpl implements Meter {
  readonly scope: { name: string; version?: string };
  readonly storages: Storage[] = [];
  readonly byName: Map<string, Storage> = new Map();
  readonly shared: Shared;
  readonly provider: ProviderState;

  constructor(scope: { name: string; version?: string }, shared: Shared, provider: ProviderState) {
    this.scope = scope;
    this.shared = shared;
    this.provider = provider;
  }

  /** The storage of a name: the first registration wins; a conflicting one gets a detached storage. */
  register<S extends Storage>(d: Descriptor, make: (d: Descriptor) => S): S {
    const key = d.name.toLowerCase();
    const existing = this.byName.get(key);
    if (existing !== undefined) {
      const same = sameDescriptor(existing.d, d);
      if (!same) {
        safeWarn(
          this.shared,
          `instrument "${d.name}" of meter "${this.scope.name}" is already registered as ${show(existing.d)}; the new registration as ${show(d)} ${
            existing.d.kind === d.kind ? "gets the first instrument" : "records nothing"
          }`,
        );
      }
      if (existing.d.kind === d.kind) return existing as S;
      const detached = make(d);
      detached.closed = true;
      return detached;
    }
    if (!NAME.test(d.name)) {
      safeWarn(this.shared, `instrument name "${d.name}" is not a valid OpenTelemetry instrument name (a letter, then up to 254 of A-Z a-z 0-9 _ . - /)`);
    }
    const s = make(d);
    if (this.provider.closed) s.closed = true;
    else {
      this.byName.set(key, s);
      this.storages.push(s);
    }
    return s;
  }

  descriptor(kind: Kind, name: string, options: InstrumentOptions | undefined, bounds?: readonly number[]): Descriptor {
    return {
      name: String(name),
      kind,
      unit: options?.unit ?? "",
      description: options?.description ?? "",
      valueType: options?.valueType === "int" ? "int" : "double",
      ...(bounds === undefined ? {} : { bounds }),
    };
  }

  counter(name: string, options?: InstrumentOptions): Counter {
    return this.register(this.descriptor("counter", name, options), (d) => new CounterStorage(d, this.shared, 0));
  }
  upDownCounter(name: string, options?: InstrumentOptions): UpDownCounter {
    return this.register(this.descriptor("upDownCounter", name, options), (d) => new UpDownCounterStorage(d, this.shared, 0));
  }
  histogram(name: string, options?: HistogramOptions): Histogram {
    const bounds = options?.boundaries === undefined ? DEFAULT_BOUNDARIES : validateBoundaries(name, options.boundaries);
    return this.register(this.descriptor("histogram", name, options, bounds), (d) => new HistogramStorage(d, this.shared));
  }
  gauge(name: string, options?: InstrumentOptions): Gauge {
    return this.register(this.descriptor("gauge", name, options), (d) => new GaugeStorage(d, this.shared, 0));
  }
  observableCounter(name: string, callback: ObservableCallback, options?: InstrumentOptions): void {
    this.observable("observableCounter", name, callback, options);
  }
  observableUpDownCounter(name: string, callback: ObservableCallback, options?: InstrumentOptions): void {
    this.observable("observableUpDownCounter", name, callback, options);
  }
  observableGauge(name: string, callback: ObservableCallback, options?: InstrumentOptions): void {
    this.observable("observableGauge", name, callback, options);
  }
  observable(kind: Kind, name: string, callback: ObservableCallback, options: InstrumentOptions | undefined): void {
    const s = this.register(this.descriptor(kind, name, options), (d) => new ObservableStorage(d, this.shared));
    if (typeof callback !== "function") {
      safeWarn(this.shared, `${kind} "${name}" was given no callback`);
      return;
    }
    if (!s.closed) s.callbacks.push(callback);
  }
}

interface ProviderState {
  closed: boolean;
}

/**
 * Creates a meter provider.
 *
 * @param options Temporality preference, cardinality limit, clock, warning sink.
 * @returns The provider.
 * @throws {MetricsError} `invalid_option` for an unknown temporality or a cardinality limit that is not a positive integer.
 * @example Record and collect
 * ```ts
 * import { createMeterProvider } from "./meter.ts";
 * const provider = createMeterProvider({ temporality: "delta" });
 * const meter = provider.meter("my-service", "1.0.0");
 * const latency = meter.histogram("http.server.request.duration", { unit: "s", boundaries: [0.1, 0.5, 1] });
 * latency.record(0.42, { "http.route": "/users" });
 * meter.counter("jobs.done").add(1, { queue: "emails" });
 * const scopes = provider.collect(); // one scope, two metrics
 * ```
 */
export function createMeterProvider(options: MeterProviderOptions = {}): MeterProvider {
  const preference = options.temporality ?? "cumulative";
  if (preference !== "cumulative" && preference !== "delta" && preference !== "lowmemory") {
    throw new MetricsError("invalid_option", `temporality must be "cumulative", "delta" or "lowmemory", got ${JSON.stringify(preference)}`);
  }
  const limit = options.cardinalityLimit ?? 2000;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new MetricsError("invalid_option", `cardinalityLimit must be a positive integer, got ${String(limit)}`);
  }
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const shared: Shared = { now: options.now ?? epochNanos, limit, warn, preference };
  const state: ProviderState = { closed: false };
  const meters = new Map<string, MeterImpl>();

  return {
    meter(name: string, version?: string): Meter {
      const key = version === undefined ? `${name}\u0000` : `${name}\u0000\u0001${version}`;
      let m = meters.get(key);
      if (m === undefined) {
        m = new MeterImpl(version === undefined ? { name } : { name, version }, shared, state);
        if (state.closed) return m;
        meters.set(key, m);
      }
      return m;
    },
    collect(): ScopeMetrics[] {
      if (state.closed) return [];
      const now = shared.now();
      const out: ScopeMetrics[] = [];
      for (const m of meters.values()) {
        const metrics: MetricData[] = [];
        for (const s of m.storages) {
          const data = s.collect(now);
          if (data !== undefined) metrics.push(data);
        }
        if (metrics.length > 0) out.push({ scope: m.scope, metrics });
      }
      return out;
    },
    shutdown(): void {
      if (state.closed) return;
      state.closed = true;
      for (const m of meters.values()) {
        for (const s of m.storages) {
          s.closed = true;
          if (s instanceof SyncStorage) s.reset();
          else {
            s.callbacks.length = 0;
            s.prev = new Map();
            s.size = 0;
          }
        }
      }
    },
    get series(): number {
      let n = 0;
      for (const m of meters.values()) for (const s of m.storages) n += s.size;
      return n;
    },
  };
}
