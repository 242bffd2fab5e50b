/**
 * Turns telemetry values into bounded, JSON-safe and secret-free data for the debug feed: bigints
 * become decimal strings, long strings and arrays are cut, credentials are removed by key and by
 * value, prompts unless `traceSensitive`. Runs once per event at ingest, so nothing secret is ever
 * stored, let alone served.
 * @module
 */
import { isCredentialKey, REDACTED, scrubCredentials } from "../telemetry/redact.ts";

/** A JSON value as the feed stores and serves it. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

// Keys that hold the prompt: `input` in thread metadata, GenAI prompt attributes on spans.
const PROMPT_KEY =
  /^(input|prompt|prompts)$|(^|\.)(input|prompt|prompts)$|^gen_ai\.(prompt|input\.messages|system_instructions)/i;
const MIN_SECRET_LENGTH = 4;
const MIN_PROMPT_LENGTH = 8;

/** Extra redaction for the debug feed. */
export interface DebugRedactOptions {
  /** Literal secret values removed wherever they appear inside any string. */
  values?: readonly string[];
  /** Extra key names (exact, case-insensitive) or patterns whose values are always removed. */
  keys?: readonly (string | RegExp)[];
}

/** Limits that keep every stored entry small. */
export interface ScrubLimits {
  /** Longest string kept (longer ones are cut with a marker). */
  maxString: number;
  /** Longest array kept. */
  maxArray: number;
  /** Deepest nesting kept. */
  maxDepth: number;
}

/** The scrubber of one feed: its known secret values, key rules and limits. */
export class Scrubber {
  readonly #values: string[] = [];
  readonly #prompts: string[] = [];
  readonly #keys: RegExp[];
  readonly #limits: ScrubLimits;
  readonly #traceSensitive: boolean;

  /**
   * @param options Extra values and keys.
   * @param traceSensitive Keep prompts.
   * @param limits Size limits.
   */
  constructor(options: DebugRedactOptions, traceSensitive: boolean, limits: ScrubLimits) {
    this.#traceSensitive = traceSensitive;
    this.#limits = limits;
    this.#keys = (options.keys ?? []).map((k) =>
      typeof k === "string" ? new RegExp(`^${k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "i") : k
    );
    for (const v of options.values ?? []) this.addSecret(v);
  }

  /**
   * Adds a literal secret value to remove from every later string.
   *
   * @param value The secret (ignored when shorter than 4 characters: it would shred everything).
   */
  addSecret(value: string): void {
    const v = value.trim();
    if (v.length < MIN_SECRET_LENGTH || this.#values.includes(v)) return;
    this.#values.push(v);
    // Longest first, so a secret containing another is removed whole.
    this.#values.sort((a, b) => b.length - a.length);
  }

  /**
   * Remembers a prompt so that copies of it elsewhere (span attributes, messages) are removed too.
   * Bounded: the last 32 prompts.
   *
   * @param prompt The prompt text.
   */
  addPrompt(prompt: string): void {
    const p = prompt.trim();
    if (p.length < MIN_PROMPT_LENGTH || this.#prompts.includes(p)) return;
    this.#prompts.push(p);
    if (this.#prompts.length > 32) this.#prompts.shift();
  }

  /**
   * Whether a key's value is a credential.
   *
   * @param key Object key or attribute name.
   * @returns `true` when the value must be replaced.
   */
  isSecretKey(key: string): boolean {
    if (isCredentialKey(key)) return true;
    for (const k of this.#keys) if (k.test(key)) return true;
    return false;
  }

  /**
   * Whether a key holds the prompt (and the feed does not keep prompts).
   *
   * @param key Object key or attribute name.
   * @param keepPrompt Keep prompts for this value.
   * @returns `true` when the value must be replaced.
   */
  isPromptKey(key: string, keepPrompt: boolean = this.#traceSensitive): boolean {
    return !keepPrompt && PROMPT_KEY.test(key);
  }

  /**
   * Removes known secrets, credential shapes and remembered prompts from a string, then cuts it.
   *
   * @param text Any string.
   * @returns The safe string.
   */
  text(text: string): string {
    let s = text;
    for (const v of this.#values) if (s.includes(v)) s = s.replaceAll(v, REDACTED);
    for (const p of this.#prompts) if (s.includes(p)) s = s.replaceAll(p, REDACTED);
    s = scrubCredentials(s);
    const max = this.#limits.maxString;
    // Cut after scrubbing: cutting first could leave half a secret that no longer matches.
    return s.length > max ? `${s.slice(0, max)}…[+${s.length - max} chars]` : s;
  }

  /**
   * Converts any value to scrubbed, bounded JSON.
   *
   * @param value Anything (bigint, Uint8Array, Error, Map, nested objects, cycles).
   * @param topLevel Whether `value` is the top-level metadata (the prompt key `input` only counts there).
   * @param keepPrompt Keep prompts in this value. @default the feed's `traceSensitive`
   * @returns A JSON value.
   */
  json(value: unknown, topLevel = false, keepPrompt: boolean = this.#traceSensitive): JsonValue {
    return this.#convert(value, 0, topLevel, keepPrompt, new Set());
  }

  #convert(value: unknown, depth: number, top: boolean, keep: boolean, seen: Set<object>): JsonValue {
    switch (typeof value) {
      case "string":
        return this.text(value);
      case "number":
        return Number.isFinite(value) ? value : String(value);
      case "boolean":
        return value;
      case "bigint":
        return value.toString();
      case "undefined":
      case "function":
      case "symbol":
        return null;
    }
    if (value === null) return null;
    const obj = value as object;
    if (depth >= this.#limits.maxDepth) return "[truncated]";
    if (seen.has(obj)) return "[circular]";
    seen.add(obj);
    try {
      if (obj instanceof Uint8Array) return `[${obj.byteLength} bytes]`;
      if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
      if (obj instanceof Error) {
        return { kind: obj.name, message: this.text(obj.message) };
      }
      if (Array.isArray(obj) || obj instanceof Set) {
        const arr = Array.isArray(obj) ? obj : [...obj];
        const max = this.#limits.maxArray;
        const out = arr.slice(0, max).map((v) => this.#convert(v, depth + 1, false, keep, seen));
        if (arr.length > max) out.push(`…[+${arr.length - max} items]`);
        return out;
      }
      const entries: [string, unknown][] = obj instanceof Map
        ? [...obj.entries()].map(([k, v]) => [String(k), v])
        : Object.entries(obj);
      const out: { [key: string]: JsonValue } = {};
      let n = 0;
      for (const [key, v] of entries) {
        if (v === undefined) continue;
        if (++n > this.#limits.maxArray) {
          out["…"] = `[+${entries.length - this.#limits.maxArray} keys]`;
          break;
        }
        if (this.isSecretKey(key)) out[key] = REDACTED;
        else if ((top || key.includes(".") || key === "prompt") && this.isPromptKey(key, keep)) {
          out[key] = REDACTED;
        }
        else out[key] = this.#convert(v, depth + 1, false, keep, seen);
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  }
}

/**
 * Reads secret values to scrub from an environment: API keys and the values of OTLP header lists
 * (`k=v` pairs split on `,` or `;`, percent-decoded).
 *
 * @param env Environment variables.
 * @returns Secret values found.
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "") continue;
    const upper = name.toUpperCase();
    if (/HEADERS$/.test(upper) && /(OTLP|OTEL)/.test(upper)) {
      for (const pair of value.split(/[,;]/)) {
        const i = pair.indexOf("=");
        if (i === -1) continue;
        const raw = pair.slice(i + 1).trim();
        out.push(raw);
        try {
          out.push(decodeURIComponent(raw));
        } catch {
          // a malformed escape: the raw value is already listed
        }
        // `Bearer abc`: the credential alone may also show up elsewhere.
        const parts = raw.split(/\s+|%20/);
        if (parts.length > 1) out.push(parts[parts.length - 1]);
      }
    } else if (/(API_KEY|TOKEN|SECRET|PASSWORD)$/.test(upper) || upper === "CODEX_API_KEY") {
      out.push(value);
    }
  }
  return out;
}
