/**
 * The engine behind the configuration table: a setting is declared once (its option, its
 * environment variables in precedence order, its parser, its default) and read by one function.
 * Bad values become {@link ConfigError}s naming the variable (never echoing a secret value); each
 * problem is reported once even when several signals read the same variable.
 * @module
 */

/** Codes of {@link ConfigError}. */
export type ConfigErrorCode =
  | "invalid_boolean"
  | "invalid_url"
  | "missing_endpoint"
  | "invalid_header"
  | "unreadable_file"
  | "incomplete_tls"
  | "invalid_number"
  | "invalid_value";

/**
 * A configuration problem, naming the variable or option at fault.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./settings.ts";
 * const e = new ConfigError("invalid_boolean", "CODEX_OTLP_ENABLE", "CODEX_OTLP_ENABLE must be 1/true/yes/on or 0/false/no/off");
 * e.variable; // "CODEX_OTLP_ENABLE"
 * ```
 */
export class ConfigError extends Error {
  /** Stable code. */
  readonly code: ConfigErrorCode;
  /** The environment variable or option at fault. */
  readonly variable: string;
  /**
   * Creates the error.
   *
   * @param code Stable code.
   * @param variable The variable or option name.
   * @param message What is wrong and how to fix it.
   */
  constructor(code: ConfigErrorCode, variable: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.code = code;
    this.variable = variable;
  }
}

/**
 * Reads a raw value: the parsed value, or the problem (the setting then takes its default).
 *
 * @param raw The trimmed, non-empty value.
 * @param variable The variable it came from.
 */
export type Parser<T> = (raw: string, variable: string) => T | ConfigError;

/** One setting read from the environment. */
export interface Setting<T> {
  /** Environment variables, highest precedence first. */
  readonly env: readonly string[];
  /** Reads a value. */
  readonly parse: Parser<T>;
}

/** Reads settings from an explicit env record, then the runtime's environment, collecting problems. */
export class SettingsReader {
  /** Problems found so far, each (code, variable, message) once, in the order found. */
  readonly problems: ConfigError[] = [];
  readonly #own: Record<string, string | undefined> | undefined;
  readonly #runtime: Record<string, string | undefined> | undefined;
  readonly #seen = new Set<string>();

  /**
   * @param own The explicit `env` option (read first).
   * @param runtime The runtime's environment, or `undefined` not to read it.
   */
  constructor(own: Record<string, string | undefined> | undefined, runtime: Record<string, string | undefined> | undefined) {
    this.#own = own;
    this.#runtime = runtime;
  }

  /**
   * A variable's trimmed value; empty counts as unset.
   *
   * @param name Variable name.
   * @returns The value.
   */
  get(name: string): string | undefined {
    const own = this.#own?.[name];
    if (own !== undefined && own.trim() !== "") return own.trim();
    const r = this.#runtime?.[name];
    return r !== undefined && r.trim() !== "" ? r.trim() : undefined;
  }

  /**
   * The first of `names` that is set.
   *
   * @param names Variables, highest precedence first.
   * @returns `[name, value]`.
   */
  first(names: readonly string[]): [string, string] | undefined {
    for (const n of names) {
      const v = this.get(n);
      if (v !== undefined) return [n, v];
    }
    return undefined;
  }

  /**
   * Reads a setting: the first variable set decides; a bad value is a problem and gives `fallback`.
   *
   * @param setting The setting.
   * @param fallback Its default.
   * @returns The value and the variable it came from.
   */
  read<T, F = T>(setting: Setting<T>, fallback: F): { value: T | F; source?: string } {
    const found = this.first(setting.env);
    if (found === undefined) return { value: fallback };
    const parsed = setting.parse(found[1], found[0]);
    if (parsed instanceof ConfigError) {
      this.problem(parsed);
      return { value: fallback };
    }
    return { value: parsed, source: found[0] };
  }

  /**
   * Records a problem once.
   *
   * @param problem The problem.
   */
  problem(problem: ConfigError): void {
    const key = `${problem.code}\0${problem.variable}\0${problem.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.problems.push(problem);
  }
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/**
 * The `CODEX_OTLP_ENABLE` style boolean: `1/true/yes/on`, `0/false/no/off`, any case.
 *
 * @param what What stays the case when the value is bad (for the message).
 * @returns The parser.
 */
export function flag(what: string): Parser<boolean> {
  return (raw, variable) => {
    const f = raw.toLowerCase();
    if (TRUE.has(f)) return true;
    if (FALSE.has(f)) return false;
    return new ConfigError(
      "invalid_boolean",
      variable,
      `${variable} must be one of 1/true/yes/on or 0/false/no/off; got ${JSON.stringify(raw)}; ${what}`,
    );
  };
}

/** A non-negative number (milliseconds, sizes, limits). */
export const nonNegative: Parser<number> = (raw, variable) => {
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : new ConfigError(
    "invalid_number",
    variable,
    `${variable} must be a non-negative number; got ${JSON.stringify(raw)}; using the default`,
  );
};

/**
 * One of a few words (case-insensitive).
 *
 * @param values The accepted values, lowercase.
 * @param otherwise What happens on a bad value (for the message).
 * @returns The parser.
 */
export function oneOf<T extends string>(values: readonly T[], otherwise: string): Parser<T> {
  return (raw, variable) => {
    const v = raw.toLowerCase() as T;
    if (values.includes(v)) return v;
    const list = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(", ")}`;
    return new ConfigError("invalid_value", variable, `${variable} must be ${list}; got ${JSON.stringify(raw)}; ${otherwise}`);
  };
}
