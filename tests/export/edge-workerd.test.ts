// The core export path inside workerd (Cloudflare's runtime, from the npm `workerd` package): the
// worker bundle (esbuild, browser platform, no node: imports) configures from an explicit env,
// builds spans and POSTs OTLP/JSON with fetch to our receiver; flush() goes to ctx.waitUntil.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, ROOT, sh } from "../support/paths.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const workerd = bin("workerd");

describe("edge: the export path inside workerd", { skip: existsSync(workerd) ? false : "npm workerd is not installed" }, () => {
  let rx: OtlpReceiver;
  let dir: string;
  let proc: ChildProcess | undefined;
  let port = 0;
  let stderr = "";

  before(async () => {
    rx = await startOtlpReceiver({ int64AsString: true });
    dir = mkdtempSync(join(tmpdir(), "codex-workerd-"));
    sh(bin("esbuild"), [
      join(ROOT, "tests/support/otlp-worker.ts"), "--bundle", "--format=esm", "--platform=browser",
      `--outfile=${join(dir, "worker.js")}`, "--log-level=error",
    ]);
    // The port is free when chosen but not reserved: another test process may take it before
    // workerd binds it. /health answers a nonce, so a stranger on the port is recognized (and the
    // worker's export path is not run by the health check); then another port is tried.
    const nonce = crypto.randomUUID();
    for (let attempt = 1;; attempt++) {
      port = await freePort();
      writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-06-01",
  bindings = [ (name = "OTLP_URL", text = "${rx.url}"), (name = "NONCE", text = "${nonce}") ],
  globalOutbound = "internet",
);
`);
      stderr = "";
      const child = spawn(workerd, ["serve", join(dir, "config.capnp"), "--verbose"], { stdio: ["ignore", "pipe", "pipe"] });
      proc = child;
      child.stderr!.on("data", (c) => (stderr += c));
      child.stdout!.on("data", (c) => (stderr += c));
      let answer: string | undefined;
      const deadline = Date.now() + 20_000;
      while (answer === undefined && child.exitCode === null && Date.now() < deadline) {
        answer = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.text(), () => undefined);
        if (answer === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      if (answer === nonce) break;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
      }
      if (attempt === 3) throw new Error(`workerd did not start on a port of its own: ${stderr}`);
    }
  });

  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    }
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the worker bundle has no node: import", () => {
    const code = readFileSync(join(dir, "worker.js"), "utf8");
    assert.equal(/\bfrom\s*["']node:|import\(\s*["']node:/.test(code), false);
  });

  it("exports a span tree, its metrics and its log records from workerd to the receiver as valid gzipped OTLP/JSON", async () => {
    const before = rx.requests.length;
    const res = await fetch(`http://127.0.0.1:${port}/run`);
    type Counts = { exported: number; dropped: number; produced: number; lastError?: string };
    const body = await res.json() as {
      status: Counts & { signals: Record<"traces" | "metrics" | "logs", Counts> };
      warnings: string[];
      hasProcess: boolean;
      userAgent: string;
    };
    assert.equal(res.status, 200);
    assert.equal(body.userAgent, "Cloudflare-Workers");
    assert.equal(body.status.exported, 3, `${body.status.lastError ?? ""} ${stderr}`);
    assert.equal(body.status.dropped, 0);
    for (const signal of ["metrics", "logs"] as const) {
      const c = body.status.signals[signal];
      assert.ok(c.produced > 0 && c.exported === c.produced && c.dropped === 0, `${signal}: ${JSON.stringify(c)}`);
    }
    const reqs = rx.requests.slice(before);
    assert.equal(reqs.filter((r) => r.signal === "traces").length, 1);
    assert.ok(reqs.some((r) => r.signal === "metrics") && reqs.some((r) => r.signal === "logs"));
    assert.ok(reqs.every((r) => r.gzip));
    assert.equal(rx.invalid, 0, JSON.stringify(reqs.map((r) => r.errors)));
    // 6 log records: the start and stop of the thread, the turn and the item.
    assert.equal(reqs.filter((r) => r.signal === "logs").reduce((n, r) => n + r.items, 0), 6);
    const spans = rx.spans().slice(-3);
    const names = spans.map((s) => s.name).sort();
    assert.deepEqual(names, ["codex.item agent_message", "codex.turn", "invoke_agent codex"]);
    const resource = spans[0].resource as { attributes: { key: string; value: { stringValue?: string } }[] };
    const attr = (k: string) => resource.attributes.find((a) => a.key === k)?.value.stringValue;
    assert.equal(attr("service.name"), "edge-worker");
    assert.equal(attr("process.runtime.name"), "workerd");
    assert.equal(attr("telemetry.sdk.language"), "webjs");
    const start = BigInt(spans[0].startTimeUnixNano as string);
    assert.ok(start > 1_700_000_000_000_000_000n, `a real wall-clock time, got ${start}`);
  });
});
