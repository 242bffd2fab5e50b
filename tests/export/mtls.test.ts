import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startSpan, Telemetry } from "../../mod.ts";
import type { TelemetryHandle } from "../../mod.ts";
import { makeTestCerts } from "../support/otlp-certs.ts";
import type { TestCerts } from "../support/otlp-certs.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";

describe(`mTLS export on ${runtime}`, () => {
  let certs: TestCerts;
  let rx: OtlpReceiver;
  let t: TelemetryHandle | undefined;
  before(async () => {
    certs = makeTestCerts();
    rx = await startOtlpReceiver({
      int64AsString: true,
      tls: { key: certs.pem(certs.serverKeyFile), cert: certs.pem(certs.serverCertFile), ca: certs.pem(certs.caFile) },
    });
  });
  after(async () => {
    await t?.shutdown();
    await rx.close();
    certs.cleanup();
    assert.equal(rx.invalid, 0);
  });

  let mark = 0;
  // Each case shuts the previous pipeline down first (its last metrics and logs go out then), so
  // `rx.requests.length - mark` counts this case's requests only.
  const exportOne = async (env: Record<string, string>): Promise<ReturnType<TelemetryHandle["status"]>> => {
    await t?.shutdown();
    mark = rx.requests.length;
    t = Telemetry.configure({
      env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url, ...env },
      readRuntimeEnv: false,
      timeoutMs: 3000,
      warn: () => {},
    });
    startSpan("codex.thread", {}).stop({}, { result: "ok" });
    await t.flush();
    return t.status();
  };

  it("exports all three signals with the right client certificate from CODEX_OTLP_CERTFILE / KEYFILE / CACERTFILE", async () => {
    const st = await exportOne({
      CODEX_OTLP_CERTFILE: certs.clientCertFile,
      CODEX_OTLP_KEYFILE: certs.clientKeyFile,
      CODEX_OTLP_CACERTFILE: certs.caFile,
    });
    assert.deepEqual(st.problems, []);
    assert.equal(st.exported, 1, st.lastError);
    for (const signal of ["traces", "metrics", "logs"] as const) {
      const s = st.signals[signal];
      assert.ok(s.exported > 0 && s.exported === s.produced && s.dropped === 0, `${signal}: ${JSON.stringify(s)}`);
    }
    assert.deepEqual(rx.requests.slice(mark).map((r) => r.path).sort(), ["/v1/logs", "/v1/metrics", "/v1/traces"]);
  });

  it("also reads the OTEL_EXPORTER_OTLP_* certificate variables", async () => {
    const st = await exportOne({
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCertFile,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKeyFile,
      OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caFile,
    });
    assert.equal(st.exported, 1, st.lastError);
  });

  it("fails clearly without a client certificate, on every signal", async () => {
    const st = await exportOne({ CODEX_OTLP_CACERTFILE: certs.caFile });
    assert.equal(st.exported, 0);
    assert.equal(st.dropped, 1);
    for (const signal of ["metrics", "logs"] as const) {
      const s = st.signals[signal];
      assert.ok(s.exported === 0 && s.dropped === s.produced && s.produced > 0, `${signal}: ${JSON.stringify(s)}`);
    }
    assert.match(st.lastError ?? "", /certificate|TLS|handshake|alert/i);
    assert.equal(rx.requests.length, mark, "the server never accepted a request");
  });

  it("fails clearly with a client certificate from another CA", async () => {
    const st = await exportOne({
      CODEX_OTLP_CERTFILE: certs.wrongCertFile,
      CODEX_OTLP_KEYFILE: certs.wrongKeyFile,
      CODEX_OTLP_CACERTFILE: certs.caFile,
    });
    assert.equal(st.exported, 0);
    assert.equal(st.dropped, 1);
    assert.equal(rx.requests.length, mark);
    assert.match(st.lastError ?? "", /certificate|TLS|handshake|alert|reset|closed|hang up/i);
  });

  it("fails clearly when the server is not trusted (no CA given)", async () => {
    const st = await exportOne({ CODEX_OTLP_CERTFILE: certs.clientCertFile, CODEX_OTLP_KEYFILE: certs.clientKeyFile });
    assert.equal(st.exported, 0);
    assert.deepEqual(st.droppedByReason, { tls: 1 });
    assert.match(st.lastError ?? "", /certificate|issuer|self/i);
  });

  it("a user-supplied fetch always wins over the built-in transport", async () => {
    await t?.shutdown();
    const calls: string[] = [];
    t = Telemetry.configure({
      env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url, CODEX_OTLP_CERTFILE: certs.clientCertFile, CODEX_OTLP_KEYFILE: certs.clientKeyFile },
      readRuntimeEnv: false,
      fetch: (url) => {
        calls.push(url);
        return Promise.resolve(new Response("{}", { status: 200 }));
      },
      warn: () => {},
    });
    startSpan("codex.thread", {}).stop({}, { result: "ok" });
    await t.flush();
    assert.deepEqual(calls.sort(), [`${rx.url}/v1/logs`, `${rx.url}/v1/metrics`, `${rx.url}/v1/traces`]);
    assert.equal(t.status().exported, 1);
  });
});
