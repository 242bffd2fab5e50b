// The demo's --serve mode (examples/serve.ts) as a user starts it: a child process of the running
// runtime prints the page URL with its token, serves the feed on 127.0.0.1, fills it with fixture
// runs, and stops cleanly on SIGTERM.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { runtime } from "../support/debug-serve.ts";
import { eventually } from "../support/debug-sse.ts";

const ROOT = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../..");
const TOKEN = "serve-example-token-1a2b";

describe("examples/serve.ts", () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
  });

  it("serves the debug page on 127.0.0.1 and fills it with fixture runs", async () => {
    const exec = (globalThis as { process: { execPath: string } }).process.execPath;
    const args = [
      ...(runtime === "deno" ? ["run", "-A", "--quiet"] : []),
      "examples/serve.ts",
      "--port",
      "0",
      "--token",
      TOKEN,
      "--runs",
      "2",
      "--interval-ms",
      "20",
      "--line-delay-ms",
      "5",
    ];
    child = spawn(exec, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await eventually(() => /debug page: (http:\/\/127\.0\.0\.1:\d+)\//.test(out), 20_000, `the URL in: ${out}`);
    const base = /debug page: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1];
    assert.match(out, new RegExp(`\\?token=${TOKEN}`));
    await eventually(() => (out.match(/\[codex demo\] run \d/g) ?? []).length >= 2, 20_000, `two runs in: ${out}`);
    const res = await fetch(`${base}/events?after=0&limit=1000`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    const page = await res.json() as { entries: { name: string; kind: string }[] };
    assert.equal(page.entries.filter((e) => e.name === "codex.thread.start").length, 2);
    assert.ok(page.entries.some((e) => e.kind === "span"), "spans from the tracer are in the feed");
    const denied = await fetch(`${base}/events`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child!.once("exit", (code, signal) => r({ code, signal }))
    );
    child.kill("SIGTERM");
    const { code, signal } = await exited;
    // Measured: a Deno child spawned by a Deno parent through node:child_process dies of the signal
    // before its own SIGTERM listener runs (started from a shell or from Node it exits 0).
    if (runtime === "deno") assert.ok(code === 0 || signal === "SIGTERM", `exit ${code} ${signal}`);
    else assert.equal(code, 0, `exit ${code} ${signal}: ${out}`);
  });
});
