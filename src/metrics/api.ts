/**
 * The instruments a host (or the SDK's own instrumentation) records with: counters, up-down
 * counters, histograms, gauges and their observable forms, created from a {@link Meter}. Small on
 * purpose: no OTel SDK needed to add a host metric.
 * @module
 */
import type { Attributes } from "../tracing/span-record.ts";

/** Options every instrument takes. */
export interface InstrumentOptions {
  /** Unit (UCUM: `s`, `By`, `{token}`, ...). */
  unit?: string;
  /** What it measures. */
  description?: string;
  /** Integer or double values on the wire. @default "double" */
  valueType?: "int" | "double";
}

/** Options of a histogram. */
export interface HistogramOptions extends InstrumentOptions {
  /** Explicit bucket upper bounds, strictly increasing. @default the OTel SDK defaults (0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000) */
  boundaries?: readonly number[];
}

/** A monotonic counter. Negative or non-finite values are ignored. */
export interface Counter {
  /** Adds to the series of `attributes`. */
  add(value: number, attributes?: Attributes): void;
}

/** A counter that also goes down (queue depth, open connections). */
export interface UpDownCounter {
  /** Adds (or subtracts) to the series of `attributes`. */
  add(value: number, attributes?: Attributes): void;
}

/** A distribution of values (durations, sizes). Non-finite values are ignored. */
export interface Histogram {
  /** Records one value in the series of `attributes`. */
  record(value: number, attributes?: Attributes): void;
}

/** The last value per series (a temperature, a pool size). */
export interface Gauge {
  /** Sets the value of the series of `attributes`. */
  record(value: number, attributes?: Attributes): void;
}

/** What an observable instrument's callback reports into, once per collection. */
export interface ObservableResult {
  /** Reports the current value of the series of `attributes`. */
  observe(value: number, attributes?: Attributes): void;
}

/** A callback of an observable instrument; a throwing callback is reported and skipped. */
export type ObservableCallback = (result: ObservableResult) => void;

/** Creates instruments of one instrumentation scope. Creating the same name twice returns the first. */
export interface Meter {
  /** A monotonic counter (OTLP Sum, monotonic). */
  counter(name: string, options?: InstrumentOptions): Counter;
  /** An up-down counter (OTLP Sum, not monotonic). */
  upDownCounter(name: string, options?: InstrumentOptions): UpDownCounter;
  /** An explicit-bucket histogram. */
  histogram(name: string, options?: HistogramOptions): Histogram;
  /** A synchronous gauge. */
  gauge(name: string, options?: InstrumentOptions): Gauge;
  /** An asynchronous counter: the callback reports cumulative totals. */
  observableCounter(name: string, callback: ObservableCallback, options?: InstrumentOptions): void;
  /** An asynchronous up-down counter: the callback reports current totals. */
  observableUpDownCounter(name: string, callback: ObservableCallback, options?: InstrumentOptions): void;
  /** An asynchronous gauge: the callback reports current values. */
  observableGauge(name: string, callback: ObservableCallback, options?: InstrumentOptions): void;
}
