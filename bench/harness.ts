// Benchmark harness: interleaved rounds so that candidates compared with each other see the same
// machine noise, reported as medians of per-round ns/op. Ratios, not absolute times, are the
// result: these machines are shared.

/** One candidate in a comparison. */
export interface Candidate {
  name: string;
  /** Runs the workload `n` times (or one batch when `n` is the batch size). */
  run: (n: number) => unknown;
}

/** Median ns per op of each candidate. */
export type Timings = Record<string, number>;

// Each Timings' per-round samples, by candidate: what {@link roundRatios} reads.
const SAMPLES = new WeakMap<Timings, Record<string, number[]>>();

/**
 * The spread across rounds of the ratio `num / den`, each round's two samples taken side by side
 * (interleaved), so a reader sees the noise behind the median.
 */
export function roundRatios(t: Timings, num: string, den: string): [number, number] {
  return perRound(t, (x) => x(num) / x(den));
}

/** The spread across rounds of any figure computed from one round's samples (`x(name)`). */
export function perRound(t: Timings, figure: (x: (name: string) => number) => number): [number, number] {
  const s = SAMPLES.get(t);
  if (s === undefined) {
    const v = figure((name) => t[name]);
    return [v, v];
  }
  const rounds = Object.values(s)[0].length;
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) r.push(figure((name) => s[name][i]));
  return [Math.min(...r), Math.max(...r)];
}

/** Formats a spread `[min, max]` with the median between them. */
export function spreadText(spread: [number, number], median: number, digits = 2): string {
  return `${spread[0].toFixed(digits)} / ${median.toFixed(digits)} / ${spread[1].toFixed(digits)}`;
}

let sink: unknown;
/** Keeps results alive so the JIT cannot drop the work. */
export function consume(value: unknown): void {
  sink = value;
}
export function sinkValue(): unknown {
  return sink;
}

/**
 * Collects garbage (when the runtime exposes a collector). Not called before timed samples: a
 * forced full GC shrinks V8's young generation, which then doubles the cost of the next
 * allocation-heavy sample (measured: 440 → 1000 ns per span on Node).
 */
export function collectGarbage(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.gc) g.gc();
  else g.Bun?.gc(true);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Calibrates `n` so one sample of each candidate takes about `sampleMs`, then runs `rounds`
 * rounds; each round runs every candidate once in rotating order.
 */
export function compare(
  candidates: Candidate[],
  options: { sampleMs?: number; rounds?: number; opsPerRun?: number; warmupMs?: number; fixedN?: number } = {},
): Timings {
  const sampleMs = options.sampleMs ?? 40;
  const rounds = options.rounds ?? 15;
  const opsPerRun = options.opsPerRun ?? 1;
  const ns: Record<string, number[]> = {};
  const counts: Record<string, number> = {};
  for (const c of candidates) {
    // warm up and calibrate
    let n = options.fixedN ?? 1;
    const warmEnd = performance.now() + (options.warmupMs ?? 100);
    while (performance.now() < warmEnd) consume(c.run(n));
    if (options.fixedN === undefined) {
      for (;;) {
        const t0 = performance.now();
        consume(c.run(n));
        const dt = performance.now() - t0;
        if (dt >= sampleMs / 4 || n > 1e9) {
          n = Math.max(1, Math.round(n * sampleMs / Math.max(dt, 0.001)));
          break;
        }
        n *= 4;
      }
    }
    counts[c.name] = n;
    ns[c.name] = [];
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[(i + r) % candidates.length];
      const n = counts[c.name];
      const t0 = performance.now();
      consume(c.run(n));
      const dt = performance.now() - t0;
      ns[c.name].push((dt * 1e6) / (n * opsPerRun));
    }
  }
  const out: Timings = {};
  for (const c of candidates) out[c.name] = median(ns[c.name]);
  SAMPLES.set(out, ns);
  return out;
}

/** Async variant: each candidate returns a promise for one whole workload. */
export async function compareAsync(
  candidates: { name: string; run: () => Promise<unknown> }[],
  rounds = 5,
  warmups = 1,
): Promise<Timings> {
  const ms: Record<string, number[]> = {};
  for (const c of candidates) {
    ms[c.name] = [];
    for (let w = 0; w < warmups; w++) await c.run(); // let every tier of the JIT settle
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[(i + r) % candidates.length];
      const t0 = performance.now();
      await c.run();
      ms[c.name].push(performance.now() - t0);
    }
  }
  const out: Timings = {};
  for (const c of candidates) out[c.name] = median(ms[c.name]);
  SAMPLES.set(out, ms);
  return out;
}

/** The runtime this benchmark runs on. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; process?: { version: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${g.process?.version}`;
}

/** One result row. */
export interface Row {
  measure: string;
  ours: string;
  versus: string;
  ratio: string;
  target: string;
  met: boolean | null;
  note?: string;
  /** The figure the target is about (a ratio, MB, KB): aggregated across runs, compared by `--check`. */
  value?: number;
  /** Which way `value` is better. */
  better?: "higher" | "lower";
  /** The target as a number: met when `value` is at least (higher) or at most (lower) this. */
  goal?: number;
  /** This run's per-round spread of `value`: `[min, max]`. */
  spread?: [number, number];
}
