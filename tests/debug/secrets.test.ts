// The secret scan: runs fixture threads through the real runner and tracer with known secret
// strings configured (API key, OTLP header values, an Authorization value, the prompt, a private
// key), then reads every byte the debug routes return (page, every /events page, the whole /stream
// replay, error responses) and looks for each secret in plain, URL-encoded, JSON-escaped and base64
// form.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Codex, memoryExporter, Telemetry } from "../../mod.ts";
import type { TelemetryHandle } from "../../mod.ts";
import { createDebugFeed } from "../../src/debug/feed.ts";
import type { DebugFeed } from "../../src/debug/feed.ts";
import { debugRoutes } from "../../src/debug/hono.ts";
import { emit, startSpan } from "../../src/telemetry/bus.ts";
import { Events } from "../../src/telemetry/events.ts";
import { disposeFixtureCodex, fixtureCodex } from "../support/fake-cli.ts";
import { serveLocal } from "../support/debug-serve.ts";
import type { LocalServer } from "../support/debug-serve.ts";
import { openSse } from "../support/debug-sse.ts";

const TOKEN = "scan-route-token-0c1d";
const API_KEY = "sk-test-debugscan-A1B2C3D4E5F6";
const OTLP_HEADER = "otlp-header-value-7F3E9A1B";
const OTLP_AUTH = "otlp-authz-5D6C7B8A9F";
const AUTHORIZATION = "authz-value-0E1F2A3B4C";
const PROMPT = "PROMPT-MARKER-3141 please refactor the billing module";
const PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";
const SECRETS = { API_KEY, OTLP_HEADER, OTLP_AUTH, AUTHORIZATION, PROMPT, PRIVATE_KEY };

// The environment the host app runs with (what createDebugFeed() reads from process.env by default).
const APP_ENV = {
  CODEX_API_KEY: API_KEY,
  CODEX_OTLP_ENDPOINT: "memory://local",
  CODEX_OTLP_HEADERS: `authorization=Bearer%20${OTLP_AUTH},x-honeycomb-team=${OTLP_HEADER}`,
};

function forms(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), btoa(secret)]);
  // A long secret must not leak in pieces either: check its distinctive halves.
  if (secret.length >= 24) {
    out.add(secret.slice(0, Math.floor(secret.length / 2)));
    out.add(secret.slice(Math.floor(secret.length / 2)));
  }
  if (secret === PRIVATE_KEY) out.add("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
  return [...out];
}

async function collect(server: LocalServer, feed: DebugFeed): Promise<{ bodies: Map<string, string>; entries: unknown[] }> {
  const bodies = new Map<string, string>();
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const grab = async (label: string, path: string, headers: Record<string, string> = auth): Promise<string> => {
    const res = await fetch(server.url + path, { headers });
    const head = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    const body = await res.text();
    bodies.set(label, `${head}\n\n${body}`);
    return body;
  };
  await grab("page", `/?token=${TOKEN}`, {});
  await grab("401", "/events", {});
  await grab("401 sign-in page", "/", { Accept: "text/html" });
  await grab("401 wrong", "/events", { Authorization: `Bearer ${API_KEY}` });
  let cursor = 0;
  const entries: unknown[] = [];
  for (let i = 0; i < 100; i++) {
    const page = JSON.parse(await grab(`events ${i}`, `/events?after=${cursor}&limit=50`)) as {
      entries: unknown[];
      cursor: number;
      more: boolean;
    };
    entries.push(...page.entries);
    cursor = page.cursor;
    if (!page.more) break;
  }
  await grab("events tail", "/events");
  const latest = feed.stats().latest;
  const stream = await openSse(`${server.url}/stream?token=${TOKEN}`);
  await stream.until(() => stream.messages.at(-1)?.id === String(latest), 10_000, `replay up to ${latest}`);
  await stream.close();
  bodies.set("stream", [...stream.headers].map(([k, v]) => `${k}: ${v}`).join("\n") + "\n\n" + stream.raw());
  return { bodies, entries };
}

describe("debug feed secret scan", () => {
  let telemetry: TelemetryHandle;
  let feed: DebugFeed;
  let sensitiveFeed: DebugFeed;
  let server: LocalServer;
  let sensitiveServer: LocalServer;

  before(async () => {
    telemetry = Telemetry.configure({ env: APP_ENV, exporter: memoryExporter(), warn: () => {} });
    feed = createDebugFeed({ env: APP_ENV, capacity: 5000 });
    sensitiveFeed = createDebugFeed({ env: APP_ENV, capacity: 5000, traceSensitive: true });
    server = await serveLocal(debugRoutes({ feed, token: TOKEN }).fetch);
    sensitiveServer = await serveLocal(debugRoutes({ feed: sensitiveFeed, token: TOKEN }).fetch);

    // A successful run and a failing one through the real runner and tracer.
    const codex = new Codex({
      apiKey: API_KEY,
      codexPathOverride: fixtureCodex("cli-0.169/cmd-and-patch.jsonl"),
      env: { ...APP_ENV, PATH: "/usr/bin:/bin" },
    });
    await codex.startThread({ skipGitRepoCheck: true, model: "gpt-5.5" }).run(PROMPT);
    const failing = new Codex({
      apiKey: API_KEY,
      codexPathOverride: fixtureCodex("turn_failed_status.jsonl", {
        stderr: `error: 401 Unauthorized: Authorization: Bearer ${API_KEY} (otlp header ${OTLP_HEADER})\n${PRIVATE_KEY}\n`,
        exitCode: 1,
      }),
    });
    await failing.startThread({ skipGitRepoCheck: true }).run(PROMPT).catch(() => undefined);
    // A CLI that dies early: the error carries its stderr tail, secrets included.
    const crashing = new Codex({
      apiKey: API_KEY,
      codexPathOverride: fixtureCodex("thread_basic.jsonl", {
        stderr: `error: 401 Unauthorized: Authorization: Bearer ${API_KEY}; x-honeycomb-team=${OTLP_HEADER}; prompt was ${PROMPT}\n`,
        exitCode: 2,
        lines: 2,
      }),
    });
    await crashing.startThread({ skipGitRepoCheck: true }).run(PROMPT).catch(() => undefined);
    // Metadata a host or a future producer might attach, with credentials under telling keys and in free text.
    const span = startSpan("codex.thread", {
      input: PROMPT,
      api_key: API_KEY,
      headers: { Authorization: `Bearer ${AUTHORIZATION}` },
      config: { otlp: { headers: `x-honeycomb-team=${OTLP_HEADER}` }, tls: { key: PRIVATE_KEY } },
    });
    emit(Events.exporterFailed, { count: 1 }, {
      reason: `POST failed with Authorization: Bearer ${AUTHORIZATION}; x-honeycomb-team=${OTLP_HEADER}`,
      request: { authorization: AUTHORIZATION, "x-api-key": API_KEY },
      echo: `you said: ${PROMPT}`,
    });
    span.exception(new Error(`upstream rejected key ${API_KEY}`));
    await telemetry.flush();
  });

  after(async () => {
    feed.close();
    sensitiveFeed.close();
    await server.close();
    await sensitiveServer.close();
    await telemetry.shutdown();
    disposeFixtureCodex();
  });

  it("serves the runs: thread, turn, item events and their spans are all there", () => {
    const s = feed.snapshot({ after: 0, limit: 5000 }).entries;
    const names = new Set(s.map((e) => e.name));
    for (const n of [Events.threadStart, Events.threadStop, Events.turnStart, Events.itemStart, Events.itemStop]) {
      assert.ok(names.has(n), `missing ${n}`);
    }
    const spans = s.filter((e) => e.kind === "span");
    assert.ok(spans.length >= 5, `${spans.length} spans`);
    assert.ok(spans.every((e) => e.kind === "span" && e.token !== undefined), "every span matched to its start");
  });

  it("no route returns any configured secret, in any encoding", async () => {
    const { bodies, entries } = await collect(server, feed);
    assert.ok(entries.length >= 20, `${entries.length} entries scanned`);
    let bytes = 0;
    for (const [label, body] of bodies) {
      bytes += body.length;
      for (const [name, secret] of Object.entries(SECRETS)) {
        for (const form of forms(secret)) {
          assert.ok(!body.includes(form), `${name} (${JSON.stringify(form)}) leaked in ${label}`);
        }
      }
    }
    const stream = bodies.get("stream")!;
    assert.ok(stream.includes("[redacted]"), "redaction markers are visible");
    assert.match(stream, /exited with code 2; stderr: error: 401 Unauthorized: Authorization: Bearer \[redacted\]/, "the stderr tail was served, scrubbed");
    assert.ok(bytes > 10_000, `scanned ${bytes} bytes`);
  });

  it("with traceSensitive the prompt is shown, and still no credential", async () => {
    const { bodies } = await collect(sensitiveServer, sensitiveFeed);
    const all = [...bodies.values()].join("\n");
    assert.ok(all.includes(PROMPT), "the prompt is shown with traceSensitive");
    for (const [name, secret] of Object.entries(SECRETS)) {
      if (name === "PROMPT") continue;
      for (const form of forms(secret)) assert.ok(!all.includes(form), `${name} leaked`);
    }
  });
});
