/**
 * The light span used by the tracer and by the direct span API: a mutable {@link SpanRecord}
 * with `setAttribute` / `addEvent` / `setStatus` / `end`, span limits applied as values arrive,
 * and the finished record handed to a {@link SpanProcessor}. Kept allocation-lean on purpose:
 * the span object *is* the record, so ending it copies nothing.
 * @module
 */
import { perfToEpochNanos } from "../telemetry/clock.ts";
import { StatusCode } from "./span-record.ts";
import type {
  Attributes,
  AttributeValue,
  SpanEventRecord,
  SpanKindValue,
  SpanLinkRecord,
  SpanRecord,
  StatusCodeValue,
} from "./span-record.ts";

/** Span limits (OpenTelemetry SDK spec defaults: 128 each, no value length limit). */
export interface SpanLimits {
  /** Attributes per span. @default 128 */
  attributeCountLimit?: number;
  /** Events per span. @default 128 */
  eventCountLimit?: number;
  /** Links per span. @default 128 */
  linkCountLimit?: number;
  /** Attributes per event. @default 128 */
  attributePerEventCountLimit?: number;
  /** Attributes per link. @default 128 */
  attributePerLinkCountLimit?: number;
  /** Max length of string values (also strings inside arrays); unset means unlimited. */
  attributeValueLengthLimit?: number;
}

/** Limits with every field set. */
export type ResolvedSpanLimits = Required<Omit<SpanLimits, "attributeValueLengthLimit">> & {
  attributeValueLengthLimit: number;
};

/**
 * Fills in the defaults of {@link SpanLimits}.
 *
 * @param limits Partial limits.
 * @returns Complete limits (`attributeValueLengthLimit` is `Infinity` when unset).
 * @example
 * ```ts
 * import { resolveSpanLimits } from "./span.ts";
 * resolveSpanLimits({ attributeCountLimit: 4 }).eventCountLimit; // 128
 * ```
 */
export function resolveSpanLimits(limits: SpanLimits = {}): ResolvedSpanLimits {
  const pick = (v: number | undefined, d: number): number =>
    typeof v === "number" && v >= 0 && Number.isFinite(v) ? Math.floor(v) : d;
  return {
    attributeCountLimit: pick(limits.attributeCountLimit, 128),
    eventCountLimit: pick(limits.eventCountLimit, 128),
    linkCountLimit: pick(limits.linkCountLimit, 128),
    attributePerEventCountLimit: pick(limits.attributePerEventCountLimit, 128),
    attributePerLinkCountLimit: pick(limits.attributePerLinkCountLimit, 128),
    attributeValueLengthLimit: pick(limits.attributeValueLengthLimit, Infinity),
  };
}

/** Receives finished spans (a batch processor, the in-memory pipeline, ...). */
export interface SpanProcessor {
  /** Called once per ended span, synchronously; must not throw. */
  onEnd(span: SpanRecord): void;
  /** Exports what is pending. */
  forceFlush(): Promise<void>;
  /** Flushes and stops accepting spans. */
  shutdown(): Promise<void>;
}

/** The parent of a new span. */
export interface ParentContext {
  /** 32 hex chars. */
  traceId: string;
  /** 16 hex chars. */
  spanId: string;
  /** W3C trace flags. */
  traceFlags?: number;
  /** W3C tracestate header value. */
  traceState?: string;
  /** Whether the parent came from another process. */
  isRemote?: boolean;
}

const DEFAULT_LIMITS: ResolvedSpanLimits = resolveSpanLimits();
const DEFAULT_SCOPE: { name: string; version?: string } = Object.freeze({ name: "codex-otel-sdk" });
// Shared, frozen placeholders: most spans never get an event, a link or a status.
const NO_EVENTS: SpanEventRecord[] = Object.freeze([]) as unknown as SpanEventRecord[];
const NO_LINKS: SpanLinkRecord[] = Object.freeze([]) as unknown as SpanLinkRecord[];
const UNSET: { code: StatusCodeValue; message?: string } = Object.freeze({ code: 0 as StatusCodeValue });

function truncate(value: AttributeValue, max: number): AttributeValue {
  if (typeof value === "string") return value.length > max ? value.slice(0, max) : value;
  if (Array.isArray(value)) return value.map((v) => truncate(v, max));
  return value;
}

// "__proto__" would replace the prototype instead of becoming an attribute.
function setOwn(attrs: Attributes, key: string, value: AttributeValue): void {
  if (key === "__proto__") Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else attrs[key] = value;
}

function limitedAttributes(
  attrs: Attributes | undefined,
  countLimit: number,
  lengthLimit: number,
): { attributes: Attributes; dropped: number } {
  const out: Attributes = {};
  let n = 0;
  let dropped = 0;
  if (attrs !== undefined) {
    for (const key in attrs) {
      const v = attrs[key];
      if (v === undefined) continue;
      if (n >= countLimit) {
        dropped++;
        continue;
      }
      setOwn(out, key, lengthLimit === Infinity ? v : truncate(v, lengthLimit));
      n++;
    }
  }
  return { attributes: out, dropped };
}

/**
 * A live span. It is also the {@link SpanRecord} handed to processors when it ends.
 *
 * @example Time a unit of work
 * ```ts
 * import { Span } from "./span.ts";
 * import { newSpanId, newTraceId } from "./ids.ts";
 * const span = new Span("work", newTraceId(), newSpanId());
 * span.setAttribute("items", 3);
 * span.end();
 * ```
 */
export class Span implements SpanRecord {
  // `declare`: the constructor assigns every field, in this order, so field definitions (one
  // more `undefined` store per field per span, and bytes in every bundle) would add nothing.
  /** 32 hex chars. */
  declare traceId: string;
  /** 16 hex chars. */
  declare spanId: string;
  /** Parent span id, absent on a root. */
  declare parentSpanId: string | undefined;
  /** W3C tracestate. */
  declare traceState: string | undefined;
  /** Span name. */
  declare name: string;
  /** OTLP kind. */
  declare kind: SpanKindValue;
  /** Attributes. */
  declare attributes: Attributes;
  /** Dropped attributes. */
  declare droppedAttributesCount: number;
  /** Events (a shared empty list until the first one). */
  declare events: SpanEventRecord[];
  /** Dropped events. */
  declare droppedEventsCount: number;
  /** Links (a shared empty list until the first one). */
  declare links: SpanLinkRecord[];
  /** Dropped links. */
  declare droppedLinksCount: number;
  /** Status (a shared UNSET until set). */
  declare status: { code: StatusCodeValue; message?: string };
  /** W3C flags plus the OTLP has-is-remote / is-remote bits. */
  declare flags: number;
  /** Instrumentation scope. */
  declare scope: { name: string; version?: string };
  /** Whether {@link Span.end} ran. */
  declare ended: boolean;

  // Times are kept as performance.now() readings and turned into exact epoch-ns bigints only
  // when read (at export): two BigInt allocations less per span on the hot path.
  #startPerf: number;
  #start: bigint | undefined;
  #endPerf: number;
  #end: bigint | undefined;
  // An upper bound of the attribute count: exact checks only happen near the limit.
  #attrBound: number;
  #limits: ResolvedSpanLimits;
  #processor: Pick<SpanProcessor, "onEnd"> | undefined;

  /**
   * Positional on purpose: this runs once per span, and an options object per span shows up in
   * profiles. The tracer is the usual caller.
   *
   * @param name Span name.
   * @param traceId 32 hex chars.
   * @param spanId 16 hex chars.
   * @param parent Parent context (absent for a root).
   * @param processor Receives the span when it ends.
   * @param scope Instrumentation scope.
   * @param limits Resolved span limits.
   * @param startTime Epoch ns (now when omitted).
   * @param kind OTLP kind. @default 1 (INTERNAL)
   */
  constructor(
    name: string,
    traceId: string,
    spanId: string,
    parent?: ParentContext,
    processor?: Pick<SpanProcessor, "onEnd">,
    scope?: { name: string; version?: string },
    limits?: ResolvedSpanLimits,
    startTime?: bigint,
    kind?: SpanKindValue,
  ) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parent?.spanId;
    this.traceState = parent?.traceState;
    this.name = name;
    this.kind = kind ?? 1;
    this.#start = startTime;
    this.#startPerf = startTime === undefined ? performance.now() : 0;
    this.#end = 0n;
    this.#endPerf = 0;
    this.attributes = {};
    this.droppedAttributesCount = 0;
    this.events = NO_EVENTS;
    this.droppedEventsCount = 0;
    this.links = NO_LINKS;
    this.droppedLinksCount = 0;
    this.status = UNSET;
    this.flags = parent === undefined ? 0x101 : ((parent.traceFlags ?? 1) & 0xff) | 0x100 | (parent.isRemote ? 0x200 : 0);
    this.scope = scope ?? DEFAULT_SCOPE;
    this.ended = false;
    this.#attrBound = 0;
    this.#limits = limits ?? DEFAULT_LIMITS;
    this.#processor = processor;
  }

  /** Start, epoch ns. */
  get startTimeUnixNano(): bigint {
    return this.#start ??= perfToEpochNanos(this.#startPerf);
  }
  set startTimeUnixNano(value: bigint) {
    this.#start = value;
  }

  /** End, epoch ns (0 until ended). */
  get endTimeUnixNano(): bigint {
    return this.#end ??= perfToEpochNanos(this.#endPerf);
  }
  set endTimeUnixNano(value: bigint) {
    this.#end = value;
  }

  /**
   * Sets an attribute (ignored after the span ended; `undefined` is ignored; over the limit it is
   * counted in `droppedAttributesCount`).
   *
   * @param key Attribute name.
   * @param value Attribute value.
   * @returns This span.
   */
  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value === undefined) return this;
    const attrs = this.attributes;
    const limits = this.#limits;
    if (this.#attrBound < limits.attributeCountLimit) this.#attrBound++;
    else if (!(key in attrs)) {
      const count = Object.keys(attrs).length;
      if (count >= limits.attributeCountLimit) {
        this.droppedAttributesCount++;
        return this;
      }
      this.#attrBound = count + 1;
    }
    const max = limits.attributeValueLengthLimit;
    setOwn(attrs, key, max === Infinity ? value : truncate(value, max));
    return this;
  }

  /**
   * Sets several attributes.
   *
   * @param attributes Key/value pairs.
   * @returns This span.
   */
  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  /**
   * Adds an event.
   *
   * @param name Event name.
   * @param attributes Event attributes.
   * @param time Epoch ns (now when omitted).
   * @returns This span.
   */
  addEvent(name: string, attributes?: Attributes, time?: bigint): this {
    if (this.ended) return this;
    if (this.events.length >= this.#limits.eventCountLimit) {
      this.droppedEventsCount++;
      return this;
    }
    const l = this.#limits;
    const { attributes: a, dropped } = limitedAttributes(
      attributes,
      l.attributePerEventCountLimit,
      l.attributeValueLengthLimit,
    );
    if (this.events === NO_EVENTS) this.events = [];
    this.events.push({
      name,
      timeUnixNano: time ?? perfToEpochNanos(performance.now()),
      attributes: a,
      droppedAttributesCount: dropped,
    });
    return this;
  }

  /**
   * Adds a link to another span.
   *
   * @param link The linked context and attributes.
   * @returns This span.
   */
  addLink(link: { traceId: string; spanId: string; traceState?: string; attributes?: Attributes }): this {
    if (this.ended) return this;
    if (this.links.length >= this.#limits.linkCountLimit) {
      this.droppedLinksCount++;
      return this;
    }
    const l = this.#limits;
    const { attributes, dropped } = limitedAttributes(
      link.attributes,
      l.attributePerLinkCountLimit,
      l.attributeValueLengthLimit,
    );
    const rec: SpanLinkRecord = {
      traceId: link.traceId,
      spanId: link.spanId,
      attributes,
      droppedAttributesCount: dropped,
    };
    if (link.traceState !== undefined) rec.traceState = link.traceState;
    if (this.links === NO_LINKS) this.links = [];
    this.links.push(rec);
    return this;
  }

  /**
   * Sets the status. An `OK` is final; `UNSET` never overrides.
   *
   * @param code Status code.
   * @param message Description (kept for `ERROR` only, as the spec says).
   * @returns This span.
   */
  setStatus(code: StatusCodeValue, message?: string): this {
    if (this.ended || code === StatusCode.UNSET || this.status.code === StatusCode.OK) return this;
    this.status = code === StatusCode.ERROR && message !== undefined ? { code, message } : { code };
    return this;
  }

  /**
   * Records an exception as an `exception` event.
   *
   * @param error What was thrown, or `{ kind, message }`.
   * @param time Epoch ns.
   * @returns This span.
   */
  recordException(error: unknown, time?: bigint): this {
    const e = error as { name?: unknown; kind?: unknown; message?: unknown; stack?: unknown } | null;
    const type = typeof e?.kind === "string" ? e.kind : typeof e?.name === "string" ? e.name : "Error";
    const message = typeof e?.message === "string" ? e.message : String(error);
    const attrs: Attributes = { "exception.type": type, "exception.message": message };
    if (typeof e?.stack === "string") attrs["exception.stacktrace"] = e.stack;
    return this.addEvent("exception", attrs, time);
  }

  /**
   * Ends the span and hands it to its processor. A second call is ignored.
   *
   * @param time Epoch ns (now when omitted; never before the start).
   */
  end(time?: bigint): void {
    if (this.ended) return;
    this.ended = true;
    if (time === undefined && this.#start === undefined) {
      // Both ends on the monotonic clock: compare as numbers, convert later.
      const now = performance.now();
      this.#endPerf = now < this.#startPerf ? this.#startPerf : now;
      this.#end = undefined;
    } else {
      const t = time ?? perfToEpochNanos(performance.now());
      const start = this.startTimeUnixNano;
      this.#end = t < start ? start : t;
    }
    const p = this.#processor;
    if (p !== undefined) {
      this.#processor = undefined;
      p.onEnd(this);
    }
  }
}
