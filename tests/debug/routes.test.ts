import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createDebugFeed } from "../../src/debug/feed.ts";
import type { DebugFeed } from "../../src/debug/feed.ts";
import { debugRoutes, timingSafeEqualText } from "../../src/debug/hono.ts";
import { emit } from "../../src/telemetry/bus.ts";
import { Events } from "../../src/telemetry/events.ts";
import { serveLocal } from "../support/debug-serve.ts";
import type { LocalServer } from "../support/debug-serve.ts";
import { eventually, openSse } from "../support/debug-sse.ts";
import type { SseClient } from "../support/debug-sse.ts";

const TOKEN = "test-token-4f9a2c";
const auth = { Authorization: `Bearer ${TOKEN}` };

interface Setup {
  feed: DebugFeed;
  server: LocalServer;
}
const open: Setup[] = [];
const clients: SseClient[] = [];

async function setup(
  options: { token?: string; allowUnauthenticated?: boolean; capacity?: number; heartbeatMs?: number; writeTimeoutMs?: number; mount?: string } = {},
): Promise<Setup> {
  const feed = createDebugFeed({ capacity: options.capacity ?? 100, env: {} });
  const routes = debugRoutes({
    feed,
    token: "token" in options ? options.token : TOKEN,
    allowUnauthenticated: options.allowUnauthenticated,
    heartbeatMs: options.heartbeatMs ?? 60_000,
    writeTimeoutMs: options.writeTimeoutMs,
  });
  let app: Hono = routes;
  if (options.mount !== undefined) {
    app = new Hono();
    app.route(options.mount, routes);
  }
  const server = await serveLocal(app.fetch);
  const s = { feed, server };
  open.push(s);
  return s;
}

async function sse(url: string, headers: Record<string, string> = auth): Promise<SseClient> {
  const c = await openSse(url, headers);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of open.splice(0)) {
    s.feed.close();
    await s.server.close();
  }
});

function warn(n: number, extra: Record<string, unknown> = {}): void {
  for (let i = 0; i < n; i++) emit(Events.warning, {}, { message: `w${i}`, ...extra });
}

describe("debug routes: auth", () => {
  it("answers 403 on every route when no token is configured", async () => {
    const { server } = await setup({ token: undefined });
    for (const path of ["/", "/events", "/stream"]) {
      const res = await fetch(server.url + path, { headers: auth });
      assert.equal(res.status, 403, path);
      const body = await res.json() as { error: string; message: string };
      assert.equal(body.error, "forbidden");
      assert.match(body.message, /allowUnauthenticated/);
    }
  });

  it("serves without a token only when allowUnauthenticated is set", async () => {
    const { server } = await setup({ token: undefined, allowUnauthenticated: true });
    const res = await fetch(`${server.url}/events`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  it("in unauthenticated mode serves loopback hosts only, unless a host is allowed", async () => {
    const feed = createDebugFeed({ env: {}, attach: false });
    const local = debugRoutes({ feed, allowUnauthenticated: true });
    const listed = debugRoutes({ feed, allowUnauthenticated: true, allowedHosts: ["debug.internal"] });
    for (const host of ["127.0.0.1:4400", "localhost", "[::1]:80", "app.localhost:3000"]) {
      const res = await local.request("/events", { headers: { Host: host } });
      assert.equal(res.status, 200, host);
    }
    for (const host of ["evil.example", "127.0.0.1.evil.example", "debug.internal:8080"]) {
      const res = await local.request("/events", { headers: { Host: host } });
      assert.equal(res.status, 403, host);
    }
    assert.equal((await listed.request("/events", { headers: { Host: "debug.internal:8080" } })).status, 200);
    feed.close();
  });

  it("answers 401 to a missing or wrong token and 200 to the right one", async () => {
    const { server } = await setup();
    for (const path of ["/", "/events", "/stream"]) {
      const missing = await fetch(server.url + path);
      assert.equal(missing.status, 401, `${path} missing`);
      assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer/);
      await missing.body?.cancel();
      for (const wrong of ["Bearer nope", `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, "Bearer "]) {
        const res = await fetch(server.url + path, { headers: { Authorization: wrong } });
        assert.equal(res.status, 401, `${path} ${wrong}`);
        await res.body?.cancel();
      }
    }
    const ok = await fetch(`${server.url}/events`, { headers: auth });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const page = await fetch(`${server.url}/`, { headers: auth });
    assert.equal(page.status, 200);
    await page.body?.cancel();
  });

  it("shows a browser without a token a sign-in form, with status 401 and no data", async () => {
    const { server } = await setup();
    warn(1, { marker: "feed-data-marker" });
    const res = await fetch(`${server.url}/`, { headers: { Accept: "text/html,application/xhtml+xml" } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("content-security-policy") ?? "", /form-action 'self'/);
    const html = await res.text();
    assert.match(html, /<form method="get"/);
    assert.match(html, /<input name="token" type="password"/);
    assert.doesNotMatch(html, /<script|feed-data-marker/);
    const wrong = await fetch(`${server.url}/?token=nope`, { headers: { Accept: "text/html" } });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /not accepted/);
    const api = await fetch(`${server.url}/events`, { headers: { Accept: "text/html" } });
    assert.equal(api.status, 401);
    assert.match(api.headers.get("content-type") ?? "", /json/);
    await api.body?.cancel();
  });

  it("accepts ?token= for the page and the stream but not for /events", async () => {
    const { server } = await setup();
    const page = await fetch(`${server.url}/?token=${TOKEN}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    await page.body?.cancel();
    const stream = await sse(`${server.url}/stream?token=${TOKEN}`, {});
    assert.equal(stream.status, 200);
    const events = await fetch(`${server.url}/events?token=${TOKEN}`);
    assert.equal(events.status, 401);
    await events.body?.cancel();
    const wrong = await fetch(`${server.url}/?token=nope`);
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
  });

  it("compares tokens through SHA-256 digests", async () => {
    assert.equal(await timingSafeEqualText("abc", "abc"), true);
    assert.equal(await timingSafeEqualText("abc", "abd"), false);
    assert.equal(await timingSafeEqualText("abc", "abcd"), false);
    assert.equal(await timingSafeEqualText("", ""), true);
  });

  it("sends security headers and never a wildcard CORS header", async () => {
    const { server } = await setup();
    const page = await fetch(`${server.url}/`, { headers: { ...auth, Origin: "https://evil.example" } });
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /https?:|\*/);
    const html = await page.text();
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    for (const path of ["/", "/events", "/stream", "/nope"]) {
      const res = path === "/stream"
        ? await sse(server.url + path, { ...auth, Origin: "https://evil.example" })
        : await fetch(server.url + path, { headers: { ...auth, Origin: "https://evil.example" } });
      assert.equal(res.headers.get("access-control-allow-origin"), null, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("cache-control"), "no-store", path);
      if (!("messages" in res)) await res.body?.cancel();
    }
    const denied = await fetch(`${server.url}/events`, { headers: { Origin: "https://evil.example" } });
    assert.equal(denied.headers.get("access-control-allow-origin"), null);
    assert.equal(denied.headers.get("cache-control"), "no-store");
    await denied.body?.cancel();
  });
});

describe("debug routes: /events", () => {
  it("pages through the feed with after and limit", async () => {
    const { server } = await setup({ capacity: 50 });
    warn(60);
    const get = async (q: string) => {
      const res = await fetch(`${server.url}/events${q}`, { headers: auth });
      assert.equal(res.status, 200);
      return await res.json() as { entries: { id: number }[]; cursor: number; oldest: number; latest: number; missed: number; more: boolean };
    };
    const first = await get("?after=0&limit=20");
    assert.deepEqual(first.entries.map((e) => e.id), Array.from({ length: 20 }, (_, i) => 11 + i));
    assert.equal(first.missed, 10);
    assert.equal(first.oldest, 11);
    assert.equal(first.latest, 60);
    let cursor = first.cursor;
    const seen = first.entries.map((e) => e.id);
    for (;;) {
      const page = await get(`?after=${cursor}&limit=20`);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.cursor;
      if (!page.more) break;
    }
    assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => 11 + i));
    const tail = await get("?limit=5");
    assert.deepEqual(tail.entries.map((e) => e.id), [56, 57, 58, 59, 60]);
  });

  it("rejects malformed paging parameters", async () => {
    const { server } = await setup();
    for (const q of ["?after=-1", "?limit=abc", "?after=1e3"]) {
      const res = await fetch(`${server.url}/events${q}`, { headers: auth });
      assert.equal(res.status, 400, q);
      await res.body?.cancel();
    }
  });

  it("works mounted under a sub-path", async () => {
    const { server } = await setup({ mount: "/debug" });
    warn(2);
    const res = await fetch(`${server.url}/debug/events`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal((await res.json() as { entries: unknown[] }).entries.length, 2);
    for (const path of ["/debug", "/debug/"]) {
      const page = await fetch(server.url + path, { headers: auth });
      assert.equal(page.status, 200, path);
      assert.match(await page.text(), /<!doctype html>/);
    }
  });
});

describe("debug routes: /stream", () => {
  it("replays what the feed holds, then streams live entries with ids", async () => {
    const { server } = await setup();
    warn(3);
    const c = await sse(`${server.url}/stream`);
    assert.equal(c.status, 200);
    assert.match(c.headers.get("content-type") ?? "", /text\/event-stream/);
    await c.until(() => c.entries().length === 3, 5000, "replay");
    warn(2);
    await c.until(() => c.entries().length === 5, 5000, "live entries");
    assert.deepEqual(c.entries().map((e) => e.id), [1, 2, 3, 4, 5]);
    assert.deepEqual(c.messages.filter((m) => m.event === "message").map((m) => m.id), ["1", "2", "3", "4", "5"]);
    assert.match(c.raw(), /^retry: \d+\n\n/);
  });

  it("sends heartbeat comments while idle", async () => {
    const { server } = await setup({ heartbeatMs: 40 });
    const c = await sse(`${server.url}/stream`);
    await c.until(() => c.comments.filter((x) => x === "heartbeat").length >= 2, 5000, "two heartbeats");
  });

  it("resumes after Last-Event-ID without loss or duplicates", async () => {
    const { server } = await setup({ capacity: 100 });
    warn(5);
    const a = await sse(`${server.url}/stream`);
    await a.until(() => a.entries().length === 5, 5000, "first five");
    await a.close();
    const lastId = a.messages.at(-1)?.id as string;
    warn(4); // emitted while disconnected
    const b = await sse(`${server.url}/stream`, { ...auth, "Last-Event-ID": lastId });
    await b.until(() => b.entries().length === 4, 5000, "missed four");
    warn(1);
    await b.until(() => b.entries().length === 5, 5000, "live one");
    const ids = [...a.entries(), ...b.entries()].map((e) => e.id);
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(b.messages.filter((m) => m.event === "gap").length, 0);
  });

  it("sends a gap event when the entries after Last-Event-ID were evicted", async () => {
    const { server } = await setup({ capacity: 10 });
    warn(30);
    const c = await sse(`${server.url}/stream`, { ...auth, "Last-Event-ID": "5" });
    await c.until(() => c.entries().length === 10, 5000, "entries after the gap");
    const gap = c.messages.find((m) => m.event === "gap");
    assert.ok(gap, "gap event");
    assert.deepEqual(JSON.parse(gap.data), { from: 6, to: 20, missed: 15 });
    assert.ok(c.messages.indexOf(gap) < c.messages.findIndex((m) => m.event === "message"), "gap comes first");
    assert.deepEqual(c.entries().map((e) => e.id), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  });

  it("sends reset when Last-Event-ID is newer than the feed (a restarted server)", async () => {
    const { server } = await setup();
    warn(2);
    const c = await sse(`${server.url}/stream`, { ...auth, "Last-Event-ID": "999" });
    await c.until(() => c.entries().length === 2, 5000, "replay after reset");
    assert.equal(c.messages[0].event, "reset");
  });

  it("cleans up the subscription when the client disconnects", async () => {
    const { server, feed } = await setup();
    const c = await sse(`${server.url}/stream`);
    warn(1);
    await c.until(() => c.entries().length === 1, 5000, "one entry");
    assert.equal(feed.stats().subscribers, 1);
    await c.close();
    // The server notices on its next write or at once, depending on the runtime: nudge it with an event.
    await eventually(() => {
      warn(1);
      return feed.stats().subscribers === 0;
    }, 5000, "subscription cleanup");
  });

  it("ends open streams when the feed is closed", async () => {
    const { server, feed } = await setup();
    const c = await sse(`${server.url}/stream`);
    await c.until(() => c.raw().length > 0, 5000, "stream open");
    feed.close();
    await c.ended;
  });

  it("drops a client that stops reading, with bounded memory and without slowing emitters", async () => {
    const { server, feed } = await setup({ capacity: 200, writeTimeoutMs: 300 });
    const net = await import("node:net");
    const socket = net.connect(server.port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    socket.write(`GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nAccept: text/event-stream\r\n\r\n`);
    await eventually(() => feed.stats().subscribers === 1, 5000, "slow client subscribed");
    socket.pause(); // never read again: the kernel buffers fill, then the server's writes stall
    const big = "x".repeat(4000);
    const t0 = performance.now();
    let emitted = 0;
    // Keep emitting until the server gives up on the client (its writes stalled past writeTimeoutMs).
    while (feed.stats().subscribers !== 0 && performance.now() - t0 < 20_000) {
      for (let i = 0; i < 200; i++) emit(Events.warning, {}, { message: big, i });
      emitted += 200;
      await new Promise((r) => setTimeout(r, 5));
    }
    const perEvent = (performance.now() - t0) / emitted;
    socket.destroy();
    assert.equal(feed.stats().subscribers, 0, "the stalled client was dropped");
    assert.ok(feed.stats().size <= 200, "the ring stays bounded");
    assert.ok(emitted > 200, "the client stalled only after some writes");
    // Emitting stays cheap throughout: nothing is queued per client.
    assert.ok(perEvent < 1, `emit costs ${perEvent.toFixed(3)} ms per event`);
    // A fresh client still works.
    const c = await sse(`${server.url}/stream`);
    await c.until(() => c.entries().length === 200, 5000, "replay for a new client");
  });
});

after(async () => {
  for (const s of open.splice(0)) {
    s.feed.close();
    await s.server.close();
  }
});

before(() => {});
