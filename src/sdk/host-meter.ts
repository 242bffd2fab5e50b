/**
 * The host's meter: `meter(name)` works before, during and after `configure` — instruments made
 * before the pipeline exists start recording once it does, and follow it when it is rebuilt (the
 * OpenTelemetry API's delegating provider, in a few lines). Records are dropped while metrics are off.
 * @module
 */
import type {
  Counter,
  Gauge,
  Histogram,
  HistogramOptions,
  InstrumentOptions,
  Meter,
  ObservableCallback,
  UpDownCounter,
} from "../metrics/api.ts";
import type { Attributes } from "../tracing/span-record.ts";

/** What provides real meters: the configured pipeline's meter provider. */
export interface MeterSource {
  /** A meter of a scope. */
  meter(name: string, version?: string): Meter;
}

let source: MeterSource | undefined;
let generation = 0;
type Kind = "counter" | "upDownCounter" | "histogram" | "gauge";
type ObservableKind = "observableCounter" | "observableUpDownCounter" | "observableGauge";
const observables: { scope: [string, string | undefined]; kind: ObservableKind; name: string; callback: ObservableCallback; options?: InstrumentOptions }[] = [];

/**
 * Points the host meters at a pipeline's provider (or at none).
 *
 * @param next The provider, or `undefined` when metrics are off.
 */
export function setMeterSource(next: MeterSource | undefined): void {
  source = next;
  generation++;
  if (next === undefined) return;
  for (const o of observables) next.meter(o.scope[0], o.scope[1])[o.kind](o.name, o.callback, o.options);
}

/** The provider in effect, if any. */
export function meterSource(): MeterSource | undefined {
  return source;
}

type Recorder = { add?(v: number, a?: Attributes): void; record?(v: number, a?: Attributes): void };

class Delegate {
  readonly #scope: [string, string | undefined];
  readonly #kind: Kind;
  readonly #name: string;
  readonly #options: HistogramOptions | undefined;
  #gen = -1;
  #real: Recorder | undefined;

  constructor(scope: [string, string | undefined], kind: Kind, name: string, options: HistogramOptions | undefined) {
    this.#scope = scope;
    this.#kind = kind;
    this.#name = name;
    this.#options = options;
  }

  #resolve(): Recorder | undefined {
    if (this.#gen !== generation) {
      this.#gen = generation;
      this.#real = source?.meter(this.#scope[0], this.#scope[1])[this.#kind](this.#name, this.#options) as Recorder | undefined;
    }
    return this.#real;
  }

  add(value: number, attributes?: Attributes): void {
    this.#resolve()?.add?.(value, attributes);
  }

  record(value: number, attributes?: Attributes): void {
    this.#resolve()?.record?.(value, attributes);
  }
}

/**
 * A meter for host instruments that follows the configured pipeline. Same names as the OpenTelemetry
 * API: counters, up-down counters, histograms, gauges and observable forms, with attributes.
 *
 * @param name The instrumentation scope (your library or service).
 * @param version Its version.
 * @returns The meter.
 * @example Count jobs by outcome and time them
 * ```ts
 * import { meter } from "./host-meter.ts";
 * const m = meter("my-service");
 * const jobs = m.counter("jobs", { description: "jobs run" });
 * const took = m.histogram("job.duration", { unit: "s" });
 * jobs.add(1, { outcome: "ok" });
 * took.record(0.42, { outcome: "ok" });
 * ```
 */
export function meter(name: string, version?: string): Meter {
  const scope: [string, string | undefined] = [name, version];
  const observable = (kind: ObservableKind) => (n: string, callback: ObservableCallback, options?: InstrumentOptions): void => {
    observables.push({ scope, kind, name: n, callback, ...(options === undefined ? {} : { options }) });
    source?.meter(name, version)[kind](n, callback, options);
  };
  return {
    counter: (n: string, options?: InstrumentOptions): Counter => new Delegate(scope, "counter", n, options),
    upDownCounter: (n: string, options?: InstrumentOptions): UpDownCounter => new Delegate(scope, "upDownCounter", n, options),
    histogram: (n: string, options?: HistogramOptions): Histogram => new Delegate(scope, "histogram", n, options),
    gauge: (n: string, options?: InstrumentOptions): Gauge => new Delegate(scope, "gauge", n, options),
    observableCounter: observable("observableCounter"),
    observableUpDownCounter: observable("observableUpDownCounter"),
    observableGauge: observable("observableGauge"),
  };
}
