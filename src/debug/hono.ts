/**
 * The `./hono` entry: Hono routes that serve a {@link DebugFeed} — a JSON snapshot with cursor
 * paging, a live Server-Sent-Events stream with `Last-Event-ID` resume, and a self-contained span
 * waterfall page — behind a bearer token compared in constant time.
 *
 * @example Serve the debug page on Node
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { createDebugFeed } from "@codex-otel/sdk";
 * import { debugRoutes } from "@codex-otel/sdk/hono";
 * const feed = createDebugFeed();
 * serve({ fetch: debugRoutes({ feed, token: "change-me" }).fetch, hostname: "127.0.0.1", port: 4319 });
 * ```
 * @module
 */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { streamSSE } from "hono/streaming";
import type { DebugEntry, DebugFeed } from "./feed.ts";
import { renderDebugPage, renderSignInPage } from "./page.ts";

export { createDebugFeed } from "./feed.ts";
export type {
  DebugBatch,
  DebugDurations,
  DebugEntry,
  DebugEventEntry,
  DebugFeed,
  DebugFeedOptions,
  DebugFeedStats,
  DebugRunSummary,
  DebugSnapshot,
  DebugSpanEntry,
  DebugSpanJson,
  DebugSubscription,
} from "./feed.ts";

/** Options of {@link debugRoutes}. */
export interface DebugRoutesOptions {
  /** The feed to serve. */
  feed: DebugFeed;
  /** Bearer token required on every route. Without one, the routes answer 403 unless `allowUnauthenticated`. */
  token?: string;
  /**
   * Serve without a token, for local use: requests are then answered only when their `Host` is a
   * loopback name (`localhost`, `127.x.x.x`, `[::1]`) or listed in `allowedHosts`, so a web page
   * elsewhere cannot read the feed through DNS rebinding. @default false
   */
  allowUnauthenticated?: boolean;
  /** Extra `Host` names (without port) served in unauthenticated mode. @default [] */
  allowedHosts?: readonly string[];
  /** Heartbeat comment interval on `/stream` (below Bun's default 10 s idle timeout). @default 8000 */
  heartbeatMs?: number;
  /** A client whose socket takes longer than this to accept one write is disconnected. @default 30000 */
  writeTimeoutMs?: number;
  /** Reconnect delay suggested to SSE clients (`retry:`). @default 2000 */
  retryMs?: number;
  /** Page title. @default "Codex debug feed" */
  title?: string;
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/**
 * Compares two secrets in constant time: both are hashed first, so neither their length nor the
 * position of the first difference shows in the timing.
 *
 * @param a A secret.
 * @param b Another secret.
 * @returns Whether they are equal.
 * @example
 * ```ts
 * import { timingSafeEqualText } from "./hono.ts";
 * console.log(await timingSafeEqualText("a", "a")); // true
 * ```
 */
export async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function parseId(raw: string | undefined): number | undefined | null {
  if (raw === undefined || raw.trim() === "") return undefined;
  const s = raw.trim();
  if (!/^\d{1,15}$/.test(s)) return null;
  return Number(s);
}

function problem(c: Context, status: 400 | 401 | 403, error: string, message: string): Response {
  return c.json({ error, message }, status);
}

/**
 * Hono routes for a debug feed, to mount under any path (`app.route("/debug", debugRoutes(...))`):
 *
 * - `GET /` the span waterfall page (self-contained HTML; accepts `?token=` and then drops it from the URL);
 * - `GET /events?after=&limit=` a JSON page of entries with a cursor;
 * - `GET /stream` Server-Sent Events: `id:` = entry id, `Last-Event-ID` (or `?after=`) resume, a
 *   `gap` event when entries were evicted before the client got them, `reset` when the client's id
 *   is newer than the feed (the server restarted), heartbeat comments.
 *
 * Every route needs `Authorization: Bearer <token>` (`/` and `/stream` also take `?token=`, for
 * browsers and `EventSource`). No CORS headers are sent: the page is same-origin.
 *
 * @param options The feed, the token, and stream tuning.
 * @returns A Hono app.
 * @example Mount under /debug (serve `app.fetch` with `@hono/node-server`, Bun's or Deno's `serve`)
 * ```ts
 * import { Hono } from "hono";
 * import { createDebugFeed } from "@codex-otel/sdk";
 * import { debugRoutes } from "@codex-otel/sdk/hono";
 * const app = new Hono();
 * app.route("/debug", debugRoutes({ feed: createDebugFeed(), token: "change-me" }));
 * const handler = app.fetch; // hand it to your server
 * ```
 */
export function debugRoutes(options: DebugRoutesOptions): Hono {
  const { feed } = options;
  const token = options.token === undefined || options.token === "" ? undefined : options.token;
  const open = token === undefined && options.allowUnauthenticated === true;
  const allowedHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const heartbeatMs = options.heartbeatMs ?? 8_000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  const retryMs = options.retryMs ?? 2_000;
  const title = options.title ?? "Codex debug feed";
  let tokenHash: Promise<Uint8Array> | undefined;
  // Each entry is serialized once, however many clients read it.
  const serialized = new WeakMap<DebugEntry, string>();
  const json = (e: DebugEntry): string => {
    let s = serialized.get(e);
    if (s === undefined) {
      s = JSON.stringify(e);
      serialized.set(e, s);
    }
    return s;
  };

  const app = new Hono();

  const headers: MiddlewareHandler = async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
      if (!c.res.headers.has(k) || k === "Cache-Control") c.res.headers.set(k, v);
    }
    c.res.headers.delete("Access-Control-Allow-Origin");
  };

  const auth: MiddlewareHandler = async (c, next) => {
    if (token === undefined) {
      if (open) {
        const host = hostName(c.req.header("Host") ?? new URL(c.req.url).host);
        if (isLoopback(host) || allowedHosts.has(host)) return await next();
        return problem(
          c,
          403,
          "forbidden",
          `unauthenticated mode serves loopback hosts only, not "${host.slice(0, 64)}": set a token, or list the host in allowedHosts`,
        );
      }
      return problem(
        c,
        403,
        "forbidden",
        "the debug feed has no token configured: pass debugRoutes({ token }) or, for local use only, allowUnauthenticated: true",
      );
    }
    const header = c.req.header("Authorization");
    let given: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(.+)$/i.exec(header.trim());
      given = m?.[1];
    } else {
      // Query tokens only where a browser cannot send a header: opening the page, EventSource.
      if (!c.req.path.endsWith("/events")) given = c.req.query("token");
    }
    if (given !== undefined) {
      tokenHash ??= sha256(token);
      const [expected, actual] = await Promise.all([tokenHash, sha256(given)]);
      let diff = 0;
      for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ actual[i];
      if (diff === 0) return await next();
    }
    c.header("WWW-Authenticate", 'Bearer realm="codex-debug"');
    const path = c.req.path;
    if (!path.endsWith("/events") && !path.endsWith("/stream") && /text\/html/.test(c.req.header("Accept") ?? "")) {
      // A person opening the page without its token: a sign-in form (plain GET, no script), not JSON.
      const nonce = base64(crypto.getRandomValues(new Uint8Array(18)));
      c.header(
        "Content-Security-Policy",
        `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      );
      return c.html(renderSignInPage({ nonce, title, failed: given !== undefined }), 401);
    }
    return problem(
      c,
      401,
      "unauthorized",
      "send Authorization: Bearer <token>, or open the page with ?token=<token>",
    );
  };

  app.use("*", headers);
  app.use("*", auth);

  app.get("/events", (c) => {
    const after = parseId(c.req.query("after"));
    const limit = parseId(c.req.query("limit"));
    if (after === null || limit === null) {
      return problem(c, 400, "bad_request", "after and limit must be non-negative integers");
    }
    const page = feed.snapshot({ after, limit: Math.min(limit ?? 200, 1000) });
    return c.json(page);
  });

  app.get("/stream", (c) => {
    const lastId = parseId(c.req.header("Last-Event-ID") ?? c.req.query("after"));
    if (lastId === null) return problem(c, 400, "bad_request", "Last-Event-ID and after must be non-negative integers");
    const stats = feed.stats();
    let after: number;
    let reset = false;
    if (lastId === undefined) after = Math.max(0, stats.oldest - 1); // a new client gets what is held
    else if (lastId > stats.latest) {
      // The client saw ids this feed never issued: the server restarted. Replay from the start.
      reset = true;
      after = Math.max(0, stats.oldest - 1);
    } else after = lastId;
    const sub = feed.subscribe({ after });
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => sub.close());
      if (stream.aborted) sub.close();
      let text = `retry: ${retryMs}\n\n`;
      if (reset) text += `event: reset\ndata: ${JSON.stringify({ latest: stats.latest })}\n\n`;
      await stream.write(text);
      while (!sub.closed && !stream.aborted) {
        const batch = await sub.next({ timeoutMs: heartbeatMs, max: 256 });
        if (batch.closed) break;
        text = "";
        if (batch.gap !== undefined) text += `event: gap\ndata: ${JSON.stringify(batch.gap)}\n\n`;
        for (const e of batch.entries) text += `id: ${e.id}\ndata: ${json(e)}\n\n`;
        if (text === "") text = ": heartbeat\n\n";
        let timer: ReturnType<typeof setTimeout> | undefined;
        const written = await Promise.race([
          stream.write(text).then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), writeTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (!written) {
          // A client that does not read: drop it. It may reconnect with Last-Event-ID.
          stream.abort();
          break;
        }
      }
      sub.close();
    });
  });

  const page = (c: Context): Response => {
    const nonce = base64(crypto.getRandomValues(new Uint8Array(18)));
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    return c.html(renderDebugPage({ nonce, title, authRequired: token !== undefined }));
  };
  app.get("/", page);
  // Mounted under a prefix, "/" matches "/debug" only; the page works at "/debug/" too.
  app.get("*", (c) => c.req.path.endsWith("/") ? page(c) : c.notFound());

  return app;
}

function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
