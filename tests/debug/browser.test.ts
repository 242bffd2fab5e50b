// The debug page in a real browser: Debian's Chromium driven by playwright-core opens the page with
// the token, fixture runs go through the real runner and tracer, and the thread, turn and item rows
// appear live with durations. Saves test-artifacts/debug-waterfall.png. Skipped, with the reason,
// when /usr/bin/chromium is missing (see .ci/install-chromium.sh).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import type { TelemetryHandle } from "../../mod.ts";
import { createDebugFeed } from "../../src/debug/feed.ts";
import type { DebugFeed } from "../../src/debug/feed.ts";
import { debugRoutes } from "../../src/debug/hono.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { serveLocal } from "../support/debug-serve.ts";
import type { LocalServer } from "../support/debug-serve.ts";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "browser-token-5e6f7a8b";
const ARTIFACTS = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../../test-artifacts");
const SCREENSHOT = resolve(ARTIFACTS, "debug-waterfall.png");

// Never a silent pass: without Chromium the suite is reported as skipped, with the reason.
const skip: string | false = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not found: install it with .ci/install-chromium.sh (apt-get install chromium)`
  : false;

interface PageLike {
  goto(url: string): Promise<unknown>;
  url(): string;
  waitForSelector(selector: string, options?: { timeout?: number; state?: string }): Promise<unknown>;
  locator(selector: string): {
    count(): Promise<number>;
    allTextContents(): Promise<string[]>;
    first(): { textContent(): Promise<string | null>; click(): Promise<void> };
  };
  textContent(selector: string): Promise<string | null>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: "console" | "pageerror" | "request", fn: (arg: { text?: () => string; message?: string; url?: () => string }) => void): void;
  click(selector: string): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  evaluate<T>(fn: () => T): Promise<T>;
  evaluate<T, A>(fn: (arg: A) => T, arg: A): Promise<T>;
  waitForFunction(fn: () => boolean, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
}

describe("debug page in Chromium", () => {
  let telemetry: TelemetryHandle;
  let feed: DebugFeed;
  let server: LocalServer;
  let browser: { newPage(o?: unknown): Promise<PageLike>; close(): Promise<void> } | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    if (skip) return;
    telemetry = Telemetry.configure({ env: { CODEX_OTLP_ENDPOINT: "memory://local" }, exporter: memoryExporter(), warn: () => {} });
    feed = createDebugFeed({ env: {} });
    server = await serveLocal(debugRoutes({ feed, token: TOKEN, heartbeatMs: 1000 }).fetch);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
      ],
    }) as unknown as typeof browser;
  });

  after(async () => {
    await browser?.close();
    feed?.close();
    await server?.close();
    await telemetry?.shutdown();
    disposeFixtureCodex();
  });

  it("shows fixture runs live as a waterfall of thread, turn and item rows with durations", { skip }, async () => {
    const page = await browser!.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    page.on("pageerror", (e) => pageErrors.push(e.message ?? String(e)));
    page.on("console", (m) => {
      const text = m.text?.() ?? "";
      if (/error|refused|violat/i.test(text)) pageErrors.push(text);
    });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url?.() ?? ""));
    // Without the token: the sign-in form; submitting it opens the page with ?token=.
    await page.goto(`${server.url}/`);
    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForSelector("#conn[data-state=live]", { timeout: 10_000 });
    assert.ok(!page.url().includes(TOKEN), `the token was removed from the address bar: ${page.url()}`);

    await page.goto(`${server.url}/?token=${TOKEN}`);
    await page.waitForSelector("#conn[data-state=live]", { timeout: 10_000 });
    assert.ok(!page.url().includes(TOKEN), `the token was removed from the address bar: ${page.url()}`);
    assert.match(await page.textContent("#empty") ?? "", /No runs yet/);

    // A run that the page watches while it is in progress (the fake CLI waits between lines).
    const codex = new Codex({
      apiKey: "test",
      codexPathOverride: fixtureCodex("cli-0.169/cmd-and-patch.jsonl", { delayMs: 150 }),
    });
    const running = codex.startThread({ skipGitRepoCheck: true, model: "gpt-5.5" }).run("add notes.md and hello.txt");
    await page.waitForSelector(".row[data-cat=thread][data-status=running]", { timeout: 10_000 });
    await page.waitForSelector(".row[data-cat=turn]", { timeout: 10_000 });
    const first = await running;
    await page.waitForSelector(".row[data-cat=thread][data-status=ok]", { timeout: 10_000 });
    await page.waitForSelector(".row[data-cat=item]", { timeout: 10_000 });

    // A failing run and one with tool calls, for a waterfall with errors and more item kinds.
    await new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("cli-0.169/response-failed.jsonl", { delayMs: 30 }) })
      .startThread({ skipGitRepoCheck: true }).run("this one fails").catch(() => undefined);
    const third = await new Codex({ apiKey: "test", codexPathOverride: fixtureCodex("cli-0.169/reasoning-failedcmd-todo.jsonl", { delayMs: 40 }) })
      .startThread({ skipGitRepoCheck: true, model: "gpt-5.5" }).run("run the checks");
    await telemetry.flush();
    await page.waitForSelector(".run.err", { timeout: 10_000 });
    await page.waitForSelector(".row[data-status=error]", { timeout: 10_000 });

    // Every run ended: no row is still running once the last events were drawn.
    await page.waitForFunction(() => document.querySelectorAll(".run").length === 3 &&
      document.querySelectorAll(".row[data-status=running]").length === 0, undefined, { timeout: 10_000 })
      .catch(async (e) => {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: resolve(ARTIFACTS, "debug-waterfall-failed.png") });
        throw e;
      });
    const runs = await page.locator(".run").count();
    assert.equal(runs, 3);
    const cats = await page.evaluate(() => [...document.querySelectorAll(".row")].map((r) => r.getAttribute("data-cat")));
    for (const c of ["thread", "turn", "item"]) assert.ok(cats.includes(c), `a ${c} row in ${cats.join(",")}`);
    // Every finished row shows a duration.
    const durations = await page.evaluate(() =>
      [...document.querySelectorAll(".row")].map((r) => [r.getAttribute("data-cat"), r.querySelector(".dur")?.textContent ?? ""])
    );
    for (const [cat, d] of durations) assert.match(d as string, /^(\d+(\.\d+)? (ms|s)|\d+m \d+s|error)$/, `${cat} duration "${d}"`);
    // Token usage from the turn is on the run header.
    const heads = await page.locator(".run-head").allTextContents();
    assert.ok(heads.some((h) => /tokens in 600 · out 38 · cached 300/.test(h)), heads.join("\n"));
    // Each run's token totals (from the feed's per-run summary) equal the run's usage, and its
    // recent turn and tool durations equal the exported spans' durations exactly.
    const spans = telemetry.memory!.finished();
    for (const result of [first, third]) {
      const card = `article[data-thread-id="${result.threadId}"]`;
      await page.waitForSelector(`${card} .stat[data-tokens]`, { timeout: 10_000 });
      const u = result.usage!;
      const shown = await page.evaluate((selector: string) => {
        const el = document.querySelector(selector)!;
        const tokens = el.querySelector(".stat[data-tokens]")!;
        const hist = (k: string): Element | null => el.querySelector(`.stat[data-hist="${k}"]`);
        return {
          tokens: tokens.getAttribute("data-tokens"),
          text: Object.fromEntries([...tokens.querySelectorAll(".tok")].map((t) => [t.getAttribute("data-k"), t.querySelector("b")?.textContent])),
          turns: hist("turns")?.getAttribute("data-values"),
          tools: hist("tools")?.getAttribute("data-values"),
          toolCount: hist("tools")?.getAttribute("data-count"),
        };
      }, card);
      assert.equal(shown.tokens, [u.input_tokens, u.cached_input_tokens, u.output_tokens, u.reasoning_output_tokens ?? 0].join(","));
      assert.deepEqual(shown.text, {
        input: u.input_tokens.toLocaleString("en-US"),
        cached: u.cached_input_tokens.toLocaleString("en-US"),
        output: u.output_tokens.toLocaleString("en-US"),
        reasoning: (u.reasoning_output_tokens ?? 0).toLocaleString("en-US"),
      });
      const thread = spans.find((sp) => sp.name === "invoke_agent codex" && sp.attributes["codex.thread.id"] === result.threadId)!;
      const inRun = spans.filter((sp) => sp.traceId === thread.traceId);
      const secondsOf = (prefix: string): string =>
        inRun.filter((sp) => sp.name.startsWith(prefix)).sort((a, b) => Number(a.endTimeUnixNano - b.endTimeUnixNano))
          .map((sp) => String(Number(sp.endTimeUnixNano - sp.startTimeUnixNano) / 1e9)).join(",");
      assert.equal(shown.turns, secondsOf("codex.turn"));
      assert.equal(shown.tools, secondsOf("execute_tool "));
      assert.equal(Number(shown.toolCount), inRun.filter((sp) => sp.name.startsWith("execute_tool ")).length);
    }
    assert.ok(first.usage!.cached_input_tokens > 0 && (third.usage!.reasoning_output_tokens ?? 0) > 0, "cached and reasoning shown");

    // Spans from the tracer were merged into the rows, not added beside them.
    const threadRows = await page.locator(".row[data-cat=thread]").count();
    assert.equal(threadRows, 3);

    await page.locator(".row[data-cat=turn]").first().click();
    await page.waitForSelector("#detail:not([hidden])", { timeout: 5000 });
    assert.match(await page.textContent("#detail-body") ?? "", /"status"/);
    await page.evaluate(() => document.getElementById("detail-close")?.click());

    await page.click("#log-wrap summary");
    await page.waitForSelector("#log tr", { timeout: 5000 });
    assert.ok(await page.locator("#log tr").count() > 20, "the event log lists the events");
    await page.click("#log-wrap summary");

    // Beyond the two navigations that carried it, the token travels only in headers, never in a URL.
    assert.equal(requests.filter((u) => u.includes(TOKEN)).length, 2, requests.join(" "));
    assert.ok(requests.every((u) => u.startsWith(server.url)), `same-origin only: ${requests.join(" ")}`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    assert.ok(existsSync(SCREENSHOT));
    assert.deepEqual(pageErrors, [], "no page errors or CSP violations");
  });
});
