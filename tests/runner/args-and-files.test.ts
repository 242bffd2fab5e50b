import { after, afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Events, Files } from "../../mod.ts";
import { buildArgv, buildEnv, flattenConfig } from "../../src/codex/args.ts";
import { sanitizeFileName } from "../../src/files/files.ts";
import type { CodexExecError } from "../../mod.ts";
import { captureTelemetry } from "../support/runner-telemetry.ts";

describe("argv and environment", () => {
  it("builds exec --experimental-json with every thread option in the official SDK's order", () => {
    const argv = buildArgv({
      codex: { config: { a: 1 }, configOverrides: ["raw=true"], baseUrl: "http://x/v1" },
      thread: {
        model: "gpt-5.5",
        sandboxMode: "workspace-write",
        workingDirectory: "/w",
        additionalDirectories: ["/d1", "/d2"],
        skipGitRepoCheck: true,
        modelReasoningEffort: "high",
        networkAccessEnabled: false,
        webSearchEnabled: true,
        approvalPolicy: "never",
      },
      outputSchemaFile: "/tmp/s.json",
      threadId: "t-1",
      images: ["/i.png"],
    });
    assert.deepEqual(argv, [
      "exec",
      "--experimental-json",
      "--config",
      "a=1",
      "--config",
      "raw=true",
      "--config",
      'openai_base_url="http://x/v1"',
      "--model",
      "gpt-5.5",
      "--sandbox",
      "workspace-write",
      "--cd",
      "/w",
      "--add-dir",
      "/d1",
      "--add-dir",
      "/d2",
      "--skip-git-repo-check",
      "--output-schema",
      "/tmp/s.json",
      "--config",
      'model_reasoning_effort="high"',
      "--config",
      "sandbox_workspace_write.network_access=false",
      "--config",
      'web_search="live"',
      "--config",
      'approval_policy="never"',
      "resume",
      "t-1",
      "--image",
      "/i.png",
    ]);
  });

  it("webSearchMode wins over webSearchEnabled, and nothing is added for unset options", () => {
    assert.deepEqual(
      buildArgv({ codex: {}, thread: { webSearchMode: "cached", webSearchEnabled: false } }).slice(2),
      ["--config", 'web_search="cached"'],
    );
    assert.deepEqual(buildArgv({ codex: {}, thread: {} }), ["exec", "--experimental-json"]);
  });

  it("flattens nested config to dotted keys with TOML values", () => {
    assert.deepEqual(
      flattenConfig({
        model_providers: { mock: { name: "mock", retries: 0, ws: false } },
        list: ["a", 1, true],
        empty: {},
        "odd key": "v",
      }),
      [
        'model_providers.mock.name="mock"',
        "model_providers.mock.retries=0",
        "model_providers.mock.ws=false",
        'list=["a", 1, true]',
        "empty={}",
        'odd key="v"',
      ],
    );
  });

  it("refuses config values TOML cannot carry", () => {
    assert.throws(
      () => flattenConfig({ a: Number.NaN }),
      (e: CodexExecError) => e.code === "invalid_options",
    );
    assert.throws(
      () => flattenConfig({ a: null as unknown as string }),
      (e: CodexExecError) => e.code === "invalid_options",
    );
  });

  it("an explicit env replaces the host's; the API key and originator are added", () => {
    const env = buildEnv({ env: { PATH: "/bin" }, apiKey: "sk-1" }, { HOME: "/root" }, { TRACEPARENT: "tp" });
    assert.deepEqual(env, {
      PATH: "/bin",
      CODEX_INTERNAL_ORIGINATOR_OVERRIDE: "codex_sdk_ts",
      CODEX_API_KEY: "sk-1",
      TRACEPARENT: "tp",
    });
    assert.equal(buildEnv({}, { HOME: "/root", X: undefined }).HOME, "/root");
    assert.equal(
      buildEnv({}, { CODEX_INTERNAL_ORIGINATOR_OVERRIDE: "mine" }).CODEX_INTERNAL_ORIGINATOR_OVERRIDE,
      "mine",
    );
  });
});

describe("Files", () => {
  const root = mkdtempSync(join(tmpdir(), "codex-files-"));
  let cap: ReturnType<typeof captureTelemetry>;
  let now = 1_000_000;
  const files = (): Files => new Files({ stagingDir: join(root, "staging"), ttlMs: 1000, now: () => now });
  beforeEach(() => {
    cap = captureTelemetry();
  });
  afterEach(() => cap.dispose());
  after(() => rmSync(root, { recursive: true, force: true }));

  it("stages bytes under <stagingDir>/<sha256>/<name> and emits codex.attachment.staged", async () => {
    const f = files();
    const staged = await f.stage(new TextEncoder().encode("hello"), { name: "note.txt" });
    const sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assert.equal(staged.checksum, sha);
    assert.equal(staged.path, join(root, "staging", sha, "note.txt"));
    assert.equal(readFileSync(staged.path, "utf8"), "hello");
    assert.equal(staged.isImage, false);
    const e = cap.named(Events.attachmentStaged)[0];
    assert.equal(e.m.size_bytes, 5);
    assert.equal(e.md.checksum, sha);
    assert.equal(e.md.name, "note.txt");
  });

  it("sanitizes names against path traversal", async () => {
    assert.equal(sanitizeFileName("../../etc/passwd"), "passwd");
    assert.equal(sanitizeFileName("..\\..\\win.ini"), "win.ini");
    assert.equal(sanitizeFileName(".."), "attachment");
    assert.equal(sanitizeFileName(".hidden"), "hidden");
    assert.equal(sanitizeFileName("a\u0000b:c?.png"), "a_b_c_.png");
    const staged = await files().stage(new Uint8Array([1]), { name: "../../../escape.bin" });
    assert.ok(staged.path.startsWith(join(root, "staging")));
    assert.equal(staged.name, "escape.bin");
  });

  it("de-duplicates by checksum and recognizes images by their bytes", async () => {
    const src = join(root, "pic.png");
    writeFileSync(src, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    const f = files();
    const a = await f.stage(src);
    const b = await f.stage(src);
    assert.equal(a.name, "pic.png");
    assert.equal(a.isImage, true);
    assert.equal(a.deduplicated, false);
    assert.equal(b.deduplicated, true);
    assert.equal(b.path, a.path);
  });

  it("forceCleanup removes expired non-persistent entries and keeps persistent ones; metrics count both", async () => {
    const f = new Files({ stagingDir: join(root, "ttl"), ttlMs: 1000, now: () => now });
    await f.stage(new TextEncoder().encode("temp"), { name: "t.txt" });
    await f.stage(new TextEncoder().encode("keep me"), { name: "k.txt", persist: true });
    let m = await f.metrics();
    assert.deepEqual(m.total, { count: 2, bytes: 11 });
    assert.deepEqual(m.persistent, { count: 1, bytes: 7 });
    assert.deepEqual(m.expirable, { count: 1, bytes: 4 });
    assert.deepEqual(m.expired, { count: 0, bytes: 0 });
    assert.deepEqual(await f.forceCleanup(), { count: 0, bytes: 0 });
    now += 5000;
    assert.deepEqual((await f.metrics()).expired, { count: 1, bytes: 4 });
    assert.deepEqual(await f.forceCleanup(), { count: 1, bytes: 4 });
    m = await f.metrics();
    assert.deepEqual(m.total, { count: 1, bytes: 7 });
    assert.equal(readdirSync(join(root, "ttl")).length, 1);
    const cleaned = cap.named(Events.attachmentCleaned)[0];
    assert.equal(cleaned.m.size_bytes, 4);
    assert.equal(cleaned.md.name, "t.txt");
  });
});
