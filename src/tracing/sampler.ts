/**
 * Head sampling: whether a span is recorded and exported is decided once, when it starts, and
 * carried in the W3C `sampled` trace flag to its children and to the CLI (`TRACEPARENT`). The
 * samplers and their `OTEL_TRACES_SAMPLER` names are those of the OpenTelemetry SDK
 * specification; the default, `parentbased_always_on`, samples every new trace and follows the
 * parent's decision, so a host whose own trace is not sampled gets no Codex spans exported either.
 * @module
 */
import type { ParentContext } from "./span.ts";

/** Decides at span start whether the span is sampled (recorded, exported, flag `01`). */
export interface Sampler {
  /**
   * The decision.
   *
   * @param traceId The new span's trace id (32 hex chars).
   * @param parent Its parent, if any.
   * @returns `true` to sample.
   */
  shouldSample(traceId: string, parent?: ParentContext): boolean;
  /** The `OTEL_TRACES_SAMPLER`-style description, e.g. `parentbased_traceidratio{0.25}`. */
  toString(): string;
}

const named = (name: string, decide: Sampler["shouldSample"]): Sampler => ({
  shouldSample: decide,
  toString: () => name,
});

/**
 * Samples every span.
 *
 * @example
 * ```ts
 * import { alwaysOn } from "./sampler.ts";
 * alwaysOn.shouldSample("0af7651916cd43dd8448eb211c80319c"); // true
 * ```
 */
export const alwaysOn: Sampler = named("always_on", () => true);

/**
 * Samples no span.
 *
 * @example
 * ```ts
 * import { alwaysOff } from "./sampler.ts";
 * alwaysOff.shouldSample("0af7651916cd43dd8448eb211c80319c"); // false
 * ```
 */
export const alwaysOff: Sampler = named("always_off", () => false);

/**
 * Samples a fixed share of traces, decided by the trace id alone (so every span of a trace, in
 * every process using the same rule, decides alike): the id's last 13 hex digits, the random part
 * W3C Trace Context level 2 asks for, read as a number below 2^52, sample when under
 * `ratio` × 2^52. The parent's decision is ignored (wrap it in {@link parentBased} to follow it).
 *
 * @param ratio The share, 0 to 1 (clamped; NaN counts as 0).
 * @returns The sampler.
 * @example
 * ```ts
 * import { traceIdRatio } from "./sampler.ts";
 * const quarter = traceIdRatio(0.25);
 * // this id's last 13 digits, 0x8eb211c80319c, are 0.557 of 2^52: sampled from a ratio of 0.56 up
 * quarter.shouldSample("0af7651916cd43dd8448eb211c80319c"); // false
 * String(quarter); // "traceidratio{0.25}"
 * ```
 */
export function traceIdRatio(ratio: number): Sampler {
  const r = ratio > 0 ? Math.min(ratio, 1) : 0;
  const bound = r * 2 ** 52;
  return named(`traceidratio{${r}}`, (traceId) => parseInt(traceId.slice(19), 16) < bound);
}

/**
 * Follows the parent's `sampled` flag, local or remote; a root span is decided by `root`.
 *
 * @param root The sampler for spans without a parent.
 * @returns The sampler.
 * @example
 * ```ts
 * import { alwaysOff, parentBased } from "./sampler.ts";
 * const s = parentBased(alwaysOff);
 * s.shouldSample("0af7651916cd43dd8448eb211c80319c"); // false: a root, decided by alwaysOff
 * s.shouldSample("0af7651916cd43dd8448eb211c80319c", { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }); // true
 * ```
 */
export function parentBased(root: Sampler): Sampler {
  return named(
    `parentbased_${root}`,
    (traceId, parent) => parent === undefined ? root.shouldSample(traceId) : ((parent.traceFlags ?? 1) & 1) === 1,
  );
}

/** The sampler when nothing is configured: `parentbased_always_on`. */
export const DEFAULT_SAMPLER: Sampler = parentBased(alwaysOn);

/**
 * The sampler `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` name: `always_on`, `always_off`,
 * `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`
 * (case-insensitive). The ratio samplers read the argument, a number from 0 to 1 (default 1).
 *
 * @param name The sampler name.
 * @param arg The ratio, for the `traceidratio` samplers.
 * @returns The sampler, or an error message and the variable at fault.
 * @example
 * ```ts
 * import { samplerFromEnv } from "./sampler.ts";
 * String(samplerFromEnv("parentbased_traceidratio", "0.1").sampler); // "parentbased_traceidratio{0.1}"
 * samplerFromEnv("jaeger_remote").error; // not supported here: …
 * ```
 */
export function samplerFromEnv(
  name: string,
  arg?: string,
): { sampler?: Sampler; error?: string; variable?: "OTEL_TRACES_SAMPLER" | "OTEL_TRACES_SAMPLER_ARG" } {
  const n = name.trim().toLowerCase();
  const parent = n.startsWith("parentbased_");
  const base = parent ? n.slice(12) : n;
  let root: Sampler;
  if (base === "always_on") root = alwaysOn;
  else if (base === "always_off") root = alwaysOff;
  else if (base === "traceidratio") {
    const ratio = arg === undefined || arg.trim() === "" ? 1 : Number(arg);
    if (!(ratio >= 0 && ratio <= 1)) {
      return {
        error: `OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 for ${n}; got ${JSON.stringify(arg)}`,
        variable: "OTEL_TRACES_SAMPLER_ARG",
      };
    }
    root = traceIdRatio(ratio);
  } else {
    return {
      error: `OTEL_TRACES_SAMPLER ${JSON.stringify(name)} is not supported here: use always_on, always_off, ` +
        "traceidratio or their parentbased_ forms",
      variable: "OTEL_TRACES_SAMPLER",
    };
  }
  return { sampler: parent ? parentBased(root) : root };
}
