/**
 * Builds the CLI's argv and environment as PROTOCOL.md describes (what the official TypeScript
 * SDK does), from a table of thread options rather than a chain of `if`s.
 * @module
 */
import { CodexExecError } from "../base/errors.ts";
import type { CodexConfigObject, CodexConfigValue, CodexOptions, ThreadOptions } from "./options.ts";

/** Everything one CLI invocation needs. */
export interface ExecArgs {
  /** Codex options. */
  codex: CodexOptions;
  /** Thread options. */
  thread: ThreadOptions;
  /** Thread id to resume. */
  threadId?: string | null;
  /** Images (`--image`). */
  images?: readonly string[];
  /** Output schema file. */
  outputSchemaFile?: string;
}

type Rule = (t: ThreadOptions) => string[];

const str = JSON.stringify;

// One row per thread option, in the official SDK's order.
const THREAD_FLAGS: readonly Rule[] = [
  (t) => t.model ? ["--model", t.model] : [],
  (t) => t.sandboxMode ? ["--sandbox", t.sandboxMode] : [],
  (t) => t.workingDirectory ? ["--cd", t.workingDirectory] : [],
  (t) => (t.additionalDirectories ?? []).flatMap((d) => ["--add-dir", d]),
  (t) => t.skipGitRepoCheck ? ["--skip-git-repo-check"] : [],
];

const THREAD_CONFIG: readonly Rule[] = [
  (t) => t.modelReasoningEffort ? [`model_reasoning_effort=${str(t.modelReasoningEffort)}`] : [],
  (t) =>
    t.networkAccessEnabled === undefined
      ? []
      : [`sandbox_workspace_write.network_access=${t.networkAccessEnabled}`],
  (t) =>
    t.webSearchMode
      ? [`web_search=${str(t.webSearchMode)}`]
      : t.webSearchEnabled === undefined
      ? []
      : [`web_search=${str(t.webSearchEnabled ? "live" : "disabled")}`],
  (t) => t.approvalPolicy ? [`approval_policy=${str(t.approvalPolicy)}`] : [],
];

/**
 * The CLI's argv (after the executable) for one run.
 *
 * @param args Options, resume id, images, schema file.
 * @returns argv, starting with `exec --experimental-json`.
 * @throws {CodexExecError} `invalid_options` for a `config` that cannot be flattened.
 * @example
 * ```ts
 * import { buildArgv } from "./args.ts";
 * buildArgv({ codex: {}, thread: { model: "gpt-5.5" }, threadId: "t1" });
 * // ["exec", "--experimental-json", "--model", "gpt-5.5", "resume", "t1"]
 * ```
 */
export function buildArgv(args: ExecArgs): string[] {
  const { codex, thread } = args;
  const argv = ["exec", "--experimental-json"];
  const configs = [
    ...flattenConfig(codex.config),
    ...(codex.configOverrides ?? []),
    ...(codex.baseUrl ? [`openai_base_url=${str(codex.baseUrl)}`] : []),
  ];
  for (const c of configs) argv.push("--config", c);
  for (const rule of THREAD_FLAGS) argv.push(...rule(thread));
  if (args.outputSchemaFile) argv.push("--output-schema", args.outputSchemaFile);
  for (const rule of THREAD_CONFIG) for (const c of rule(thread)) argv.push("--config", c);
  if (args.threadId) argv.push("resume", args.threadId);
  for (const image of args.images ?? []) argv.push("--image", image);
  return argv;
}

/**
 * The CLI's environment: the explicit `env` or the host's, plus `CODEX_API_KEY`, the originator
 * and the trace context.
 *
 * @param codex Codex options.
 * @param hostEnv The host's environment (used when `codex.env` is not given).
 * @param extra Added last (`TRACEPARENT`, `TRACESTATE`).
 * @returns The complete environment.
 * @example
 * ```ts
 * import { buildEnv } from "./args.ts";
 * buildEnv({ apiKey: "k", env: { PATH: "/bin" } }, {}); // { PATH, CODEX_INTERNAL_ORIGINATOR_OVERRIDE, CODEX_API_KEY }
 * ```
 */
export function buildEnv(
  codex: CodexOptions,
  hostEnv: Record<string, string | undefined>,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const base = codex.env ?? hostEnv;
  for (const key in base) {
    const value = base[key];
    if (value !== undefined) env[key] = value;
  }
  env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE ||= codex.cliOriginator ?? "codex_sdk_ts";
  if (codex.apiKey) env.CODEX_API_KEY = codex.apiKey;
  for (const key in extra) {
    const value = extra[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * Flattens a config object to `--config` values: nested objects become dotted keys
 * (`a.b=value`), values TOML literals (strings JSON-quoted, arrays, inline tables).
 *
 * @param config The object.
 * @returns `key=value` strings.
 * @throws {CodexExecError} `invalid_options` for `null`, non-finite numbers or empty keys.
 * @example
 * ```ts
 * import { flattenConfig } from "./args.ts";
 * flattenConfig({ a: { b: 1, c: "x" }, d: [true] }); // ["a.b=1", 'a.c="x"', "d=[true]"]
 * ```
 */
export function flattenConfig(config: CodexConfigObject | undefined): string[] {
  const out: string[] = [];
  if (config === undefined) return out;
  if (!isPlainObject(config)) throw invalid("config must be a plain object");
  const walk = (value: CodexConfigObject, prefix: string): void => {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (prefix && entries.length === 0) out.push(`${prefix}={}`);
    for (const [key, child] of entries) {
      if (!key) throw invalid("config keys must be non-empty strings");
      const path = prefix ? `${prefix}.${key}` : key;
      if (isPlainObject(child)) walk(child as CodexConfigObject, path);
      else out.push(`${path}=${toToml(child, path)}`);
    }
  };
  walk(config, "");
  return out;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function toToml(value: CodexConfigValue | null, path: string): string {
  if (typeof value === "string") return str(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalid(`config ${path} must be a finite number`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => toToml(v, `${path}[${i}]`)).join(", ")}]`;
  if (isPlainObject(value)) {
    const parts = Object.entries(value as CodexConfigObject)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${BARE_KEY.test(k) ? k : str(k)} = ${toToml(v, `${path}.${k}`)}`);
    return `{${parts.join(", ")}}`;
  }
  throw invalid(`config ${path} cannot be ${value === null ? "null" : typeof value}`);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(message: string): CodexExecError {
  return new CodexExecError("invalid_options", `invalid Codex options: ${message}`);
}
