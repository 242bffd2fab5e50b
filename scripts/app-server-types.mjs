#!/usr/bin/env node
// Vendors the subset of the `codex app-server` protocol types the SDK uses into
// src/app-server/protocol/: runs `codex app-server generate-ts` (and `generate-json-schema`, for
// the JSON-RPC envelope that generate-ts leaves out) on the pinned CLI, keeps the transitive
// closure of ROOTS, rewrites imports to `.ts`, adds a header, and writes methods.ts (the method
// names of every server notification and request) and manifest.json.
// Usage: node scripts/app-server-types.mjs          regenerate src/app-server/protocol/
//        node scripts/app-server-types.mjs --check  exit 1 with a diff when the vendored copy drifted
// tests/app-server/protocol-types.test.ts runs the same check on Node, Bun and Deno.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the vendored types live. */
export const PROTOCOL_DIR = join(ROOT, "src", "app-server", "protocol");

/** The generated types the SDK names (paths under the generate-ts output, without `.ts`). */
export const ROOTS = [
  "RequestId",
  "InitializeParams",
  "InitializeResponse",
  "v2/ThreadStartParams",
  "v2/ThreadStartResponse",
  "v2/ThreadResumeParams",
  "v2/ThreadResumeResponse",
  "v2/TurnStartParams",
  "v2/TurnStartResponse",
  "v2/TurnSteerParams",
  "v2/TurnSteerResponse",
  "v2/TurnInterruptParams",
  "v2/TurnInterruptResponse",
  "v2/CommandExecutionRequestApprovalParams",
  "v2/CommandExecutionRequestApprovalResponse",
  "v2/FileChangeRequestApprovalParams",
  "v2/FileChangeRequestApprovalResponse",
  "v2/ItemStartedNotification",
  "v2/ItemCompletedNotification",
  "v2/TurnStartedNotification",
  "v2/TurnCompletedNotification",
  "v2/ThreadTokenUsageUpdatedNotification",
  "v2/TurnDiffUpdatedNotification",
  "v2/TurnPlanUpdatedNotification",
  "v2/ErrorNotification",
  "v2/WarningNotification",
  "v2/AgentMessageDeltaNotification",
  "v2/CommandExecutionOutputDeltaNotification",
  "v2/ReasoningTextDeltaNotification",
  "v2/ReasoningSummaryTextDeltaNotification",
  "v2/ContextCompactedNotification",
];

const TRIPLES = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
};

/**
 * The pinned CLI binary: the platform package of the `@openai/codex` devDependency (not the older
 * copy nested under `@openai/codex-sdk`).
 */
export function codexBinary() {
  const platform = process.platform;
  const arch = process.arch;
  const bin = join(
    ROOT,
    "node_modules",
    "@openai",
    `codex-${platform}-${arch}`,
    "vendor",
    TRIPLES[`${platform}-${arch}`] ?? "unknown",
    "bin",
    platform === "win32" ? "codex.exe" : "codex",
  );
  if (!existsSync(bin)) throw new Error(`the pinned Codex CLI is not installed at ${bin}: run npm ci`);
  return bin;
}

function run(bin, args) {
  const r = spawnSync(bin, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Generates the whole protocol into a temp directory.
 *
 * @returns `{ dir, version, dispose }`: the generate-ts output in `dir/ts`, JSON Schema in `dir/schema`.
 */
export function generate(bin = codexBinary()) {
  const dir = mkdtempSync(join(tmpdir(), "codex-app-server-types-"));
  run(bin, ["app-server", "generate-ts", "--out", join(dir, "ts")]);
  run(bin, ["app-server", "generate-json-schema", "--out", join(dir, "schema")]);
  const version = run(bin, ["--version"]);
  return { dir, version, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

const IMPORT = /^import type \{[^}]*\} from "(\.{1,2}\/[^"]+)";$/gm;

function importsOf(text, from) {
  const out = [];
  for (const m of text.matchAll(IMPORT)) out.push(join(dirname(from), m[1]).replaceAll("\\", "/"));
  return out;
}

function methodsOf(text) {
  return [...text.matchAll(/"method": "([^"]+)"/g)].map((m) => m[1]);
}

/**
 * The vendored files for a generate run: path (relative to PROTOCOL_DIR) → content.
 *
 * @param generated What {@link generate} returned.
 * @returns The files, including methods.ts and manifest.json.
 */
export function vendorFiles(generated) {
  const tsDir = join(generated.dir, "ts");
  const seen = new Set();
  const queue = [...ROOTS];
  while (queue.length > 0) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    const file = join(tsDir, `${name}.ts`);
    if (!existsSync(file)) throw new Error(`generate-ts wrote no ${name}.ts: the protocol changed (update ROOTS)`);
    seen.add(name);
    queue.push(...importsOf(readFileSync(file, "utf8"), name));
  }
  const header = (what) =>
    `// Generated by scripts/app-server-types.mjs from \`codex app-server ${what}\` (${generated.version}).\n` +
    "// Do not edit: rerun the script. tests/app-server/protocol-types.test.ts fails when this drifts.\n";
  const files = new Map();
  for (const name of [...seen].sort()) {
    const text = readFileSync(join(tsDir, `${name}.ts`), "utf8")
      .replace(/^\/\/ GENERATED CODE![^\n]*\n\n\/\/ This file was generated by[^\n]*\n/, "")
      .replace(IMPORT, (line, spec) => line.replace(`"${spec}"`, `"${spec}.ts"`));
    files.set(`${name}.ts`, `${header("generate-ts")}// deno-lint-ignore-file\n${text}`);
  }
  const notifications = methodsOf(readFileSync(join(tsDir, "ServerNotification.ts"), "utf8"));
  const requests = methodsOf(readFileSync(join(tsDir, "ServerRequest.ts"), "utf8"));
  files.set(
    "methods.ts",
    `${header("generate-ts")}/**\n * The methods of every server notification and server request of this CLI version (from\n` +
      " * `ServerNotification.ts` / `ServerRequest.ts`), space-separated: what tells an unknown method\n" +
      " * from one the SDK does not use.\n * @module\n */\n\n" +
      `/** Every \`ServerNotification\` method. */\nexport const SERVER_NOTIFICATION_METHODS: string =\n  ${
        JSON.stringify(notifications.join(" "))
      };\n\n` +
      `/** Every \`ServerRequest\` method. */\nexport const SERVER_REQUEST_METHODS: string =\n  ${
        JSON.stringify(requests.join(" "))
      };\n`,
  );
  // generate-ts has no JSON-RPC envelope: record its fields from the JSON Schema, so that a change
  // to them (the per-request `trace` the SDK sends) shows up too.
  const schema = (name) => JSON.parse(readFileSync(join(generated.dir, "schema", `${name}.json`), "utf8"));
  const request = schema("JSONRPCRequest");
  const envelope = {
    request: Object.keys(request.properties).sort(),
    required: [...request.required].sort(),
    trace: Object.keys(request.definitions?.W3cTraceContext?.properties ?? {}).sort(),
    error: Object.keys(schema("JSONRPCErrorError").properties).sort(),
  };
  const manifest = {
    generator: "scripts/app-server-types.mjs",
    cli: generated.version,
    roots: ROOTS,
    files: [...files.keys(), "manifest.json"].sort(),
    serverNotifications: notifications.length,
    serverRequests: requests.length,
    envelope,
  };
  files.set("manifest.json", `${JSON.stringify(manifest, null, 2)}\n`);
  return files;
}

function listDir(dir, prefix = "") {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...listDir(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

/** A short line diff: the first differing lines of each changed file. */
function lineDiff(path, want, have) {
  const a = want.split("\n");
  const b = have.split("\n");
  const out = [`~ ${path}`];
  let shown = 0;
  for (let i = 0; i < Math.max(a.length, b.length) && shown < 12; i++) {
    if (a[i] === b[i]) continue;
    shown++;
    if (b[i] !== undefined) out.push(`  line ${i + 1} vendored:  ${b[i].slice(0, 200)}`);
    if (a[i] !== undefined) out.push(`  line ${i + 1} generated: ${a[i].slice(0, 200)}`);
  }
  return out.join("\n");
}

/**
 * Compares freshly vendored files with a directory.
 *
 * @param files What {@link vendorFiles} returned.
 * @param dir The vendored directory. @default PROTOCOL_DIR
 * @returns One readable entry per difference (empty when in step).
 */
export function diffVendored(files, dir = PROTOCOL_DIR) {
  const problems = [];
  const present = new Set(listDir(dir));
  for (const [path, content] of files) {
    if (!present.has(path)) problems.push(`+ ${path} (generated, not vendored)`);
    else {
      const have = readFileSync(join(dir, path), "utf8");
      if (have !== content) problems.push(lineDiff(path, content, have));
    }
    present.delete(path);
  }
  for (const path of present) problems.push(`- ${path} (vendored, no longer generated)`);
  return problems;
}

/**
 * Writes the vendored files, replacing the directory's contents.
 *
 * @param files What {@link vendorFiles} returned.
 * @param dir The directory. @default PROTOCOL_DIR
 */
export function writeVendored(files, dir = PROTOCOL_DIR) {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const generated = generate();
  try {
    const files = vendorFiles(generated);
    if (process.argv.includes("--check")) {
      const problems = diffVendored(files);
      if (problems.length > 0) {
        console.error(`src/app-server/protocol/ drifted from ${generated.version}:\n${problems.join("\n")}`);
        process.exit(1);
      }
      console.log(`src/app-server/protocol/ matches ${generated.version} (${files.size} files)`);
    } else {
      writeVendored(files);
      console.log(`wrote ${files.size} files to src/app-server/protocol/ from ${generated.version}`);
    }
  } finally {
    generated.dispose();
  }
}
