import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, memoryExporter, startSpan, Telemetry } from "../../mod.ts";
import { resolveConfig } from "../../export.ts";
import type { TelemetryOptions } from "../../mod.ts";
import { listHandlers } from "../../src/telemetry/bus.ts";
import { traceEnvFor } from "../../src/telemetry/propagation.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import type { OtlpReceiver } from "../support/otlp-receiver.ts";

const resolve = (env: Record<string, string>, options: TelemetryOptions = {}, runtime: Record<string, string> = {}) =>
  resolveConfig({ ...options, env }, runtime);
const codes = (problems: ConfigError[]): string[] => problems.map((p) => `${p.code}:${p.variable}`);

describe("configuration", () => {
  it("is off by default", () => {
    const { config, problems } = resolve({});
    assert.equal(config.enabled, false);
    assert.equal(config.exporterKind, "none");
    assert.deepEqual(problems, []);
  });

  it("reads CODEX_OTLP_ENABLE case-insensitively and trimmed", () => {
    for (const v of ["1", "true", " YES ", "On"]) {
      assert.equal(resolve({ CODEX_OTLP_ENABLE: v, CODEX_OTLP_ENDPOINT: "http://127.0.0.1:4318" }).config.enabled, true, v);
    }
    for (const v of ["0", "false", "No", " off"]) {
      assert.equal(resolve({ CODEX_OTLP_ENABLE: v, CODEX_OTLP_ENDPOINT: "http://127.0.0.1:4318" }).config.enabled, false, v);
    }
  });

  it("warns about an enable flag like 'maybe', naming the variable, and stays off", () => {
    const { config, problems } = resolve({ CODEX_OTLP_ENABLE: "maybe", CODEX_OTLP_ENDPOINT: "http://127.0.0.1:4318" });
    assert.equal(config.enabled, false);
    assert.deepEqual(codes(problems), ["invalid_boolean:CODEX_OTLP_ENABLE"]);
    assert.ok(problems[0] instanceof ConfigError);
    assert.match(problems[0].message, /CODEX_OTLP_ENABLE/);
  });

  it("reports an enabled export without an endpoint and exports nothing", () => {
    const { config, problems } = resolve({ CODEX_OTLP_ENABLE: "1" });
    assert.equal(config.enabled, false);
    assert.deepEqual(codes(problems), ["missing_endpoint:CODEX_OTLP_ENDPOINT"]);
  });

  it("rejects an endpoint that is not a URL, naming the variable", () => {
    const { problems } = resolve({ CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: "not a url" });
    assert.deepEqual(codes(problems), ["invalid_url:CODEX_OTLP_ENDPOINT", "missing_endpoint:CODEX_OTLP_ENDPOINT"]);
  });

  it("appends /v1/traces to a base endpoint and uses a traces endpoint as is", () => {
    assert.equal(resolve({ CODEX_OTLP_ENABLE: "1", OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318/" }).config.endpoint, "http://h:4318/v1/traces");
    assert.equal(resolve({ CODEX_OTLP_ENABLE: "1", OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318/otlp" }).config.endpoint, "http://h:4318/otlp/v1/traces");
    assert.equal(resolve({ CODEX_OTLP_ENABLE: "1", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://h:9/custom" }).config.endpoint, "http://h:9/custom");
    const both = resolve({ CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: "http://codex:1", OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:2" });
    assert.equal(both.config.endpoint, "http://codex:1/v1/traces");
    assert.equal(both.config.endpointSource, "CODEX_OTLP_ENDPOINT");
  });

  it("derives each signal's URL from the base endpoint, and a per-signal variable wins for its signal only", () => {
    const { config } = resolve({
      CODEX_OTLP_ENABLE: "1",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318/v1/traces",
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://logs:9/ingest",
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-metrics=1",
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "750",
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: "gzip",
    });
    assert.equal(config.signals.traces.endpoint, "http://h:4318/v1/traces");
    assert.equal(config.signals.metrics.endpoint, "http://h:4318/v1/metrics");
    assert.equal(config.signals.logs.endpoint, "http://logs:9/ingest");
    assert.equal(config.signals.logs.endpointSource, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
    assert.deepEqual(config.signals.metrics.headers, { "x-metrics": "1" });
    assert.deepEqual(config.signals.traces.headers, {});
    assert.equal(config.signals.metrics.timeoutMs, 750);
    assert.equal(config.signals.traces.timeoutMs, 10_000);
    assert.equal(config.signals.logs.compression, "gzip");
    assert.equal(config.signals.traces.compression, "none");
    // The top level is the traces signal.
    assert.equal(config.endpoint, config.signals.traces.endpoint);
  });

  it("reports a bad variable that every signal reads once, not once per signal", () => {
    const { problems } = resolve({ CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: "http://h", OTEL_EXPORTER_OTLP_TIMEOUT: "soon", CODEX_OTLP_HEADERS: "nopair" });
    assert.deepEqual(codes(problems), ["invalid_header:CODEX_OTLP_HEADERS", "invalid_number:OTEL_EXPORTER_OTLP_TIMEOUT"]);
  });

  it("selects the in-memory exporter for memory:// and pid:// endpoints", () => {
    assert.equal(resolve({ CODEX_OTLP_ENDPOINT: "memory://local" }).config.exporterKind, "memory");
    assert.equal(resolve({ CODEX_OTLP_ENABLE: "true", CODEX_OTLP_ENDPOINT: "pid://self" }).config.exporterKind, "memory");
  });

  it("parses headers split on , or ; with percent-decoding and skips bad pairs without echoing them", () => {
    const { config, problems } = resolve({
      CODEX_OTLP_ENABLE: "1",
      CODEX_OTLP_ENDPOINT: "http://h",
      OTEL_EXPORTER_OTLP_HEADERS: "x-base=1,x-team=otel",
      CODEX_OTLP_HEADERS: "Authorization=Bearer%20s3cr3t;x-team=codex,garbage-s3cr3t",
    });
    assert.deepEqual(config.headers, { "x-base": "1", "x-team": "codex", authorization: "Bearer s3cr3t" });
    assert.deepEqual(codes(problems), ["invalid_header:CODEX_OTLP_HEADERS"]);
    assert.equal(problems[0].message.includes("s3cr3t"), false);
  });

  it("reads the explicit env before the runtime environment", () => {
    const { config } = resolveConfig(
      { env: { CODEX_OTLP_ENDPOINT: "http://explicit:1" } },
      { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: "http://runtime:2" },
    );
    assert.equal(config.enabled, true);
    assert.equal(config.endpoint, "http://explicit:1/v1/traces");
    const ignored = resolveConfig({ readRuntimeEnv: false }, { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: "http://runtime:2" });
    assert.equal(ignored.config.enabled, false);
  });

  it("honours OTEL_SDK_DISABLED, compression, timeout and OTEL_BSP_* fallbacks", () => {
    assert.equal(resolve({ OTEL_SDK_DISABLED: "true", CODEX_OTLP_ENDPOINT: "http://h" }, {}).config.enabled, false);
    const { config, problems } = resolve({
      CODEX_OTLP_ENABLE: "1",
      CODEX_OTLP_ENDPOINT: "http://h",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "10",
      OTEL_BSP_SCHEDULE_DELAY: "oops",
    });
    assert.equal(config.compression, "gzip");
    assert.equal(config.timeoutMs, 2500);
    assert.deepEqual(config.batch, { maxQueueSize: 100, maxExportBatchSize: 10 });
    assert.deepEqual(codes(problems), ["invalid_number:OTEL_BSP_SCHEDULE_DELAY"]);
    assert.deepEqual(codes(resolve({ OTEL_EXPORTER_OTLP_COMPRESSION: "brotli" }).problems), ["invalid_value:OTEL_EXPORTER_OTLP_COMPRESSION"]);
  });

  it("builds the resource from options, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES", () => {
    const env = { OTEL_SERVICE_NAME: "from-env", OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs,deployment.environment=dev%20x" };
    const r1 = resolve(env).config.resource;
    assert.equal(r1["service.name"], "from-env");
    assert.equal(r1["deployment.environment"], "dev x");
    assert.equal(r1["telemetry.sdk.name"], "@codex-otel/sdk");
    const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";
    assert.equal(r1["process.runtime.name"], runtime);
    assert.equal(typeof r1["process.runtime.version"], "string");
    assert.equal(resolve(env, { serviceName: "from-option" }).config.resource["service.name"], "from-option");
    assert.equal(resolve({}).config.resource["service.name"], "unknown_service");
  });

  describe("certificate files", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "codex-otlp-cfg-"));
      writeFileSync(join(dir, "ca.pem"), "CA");
      writeFileSync(join(dir, "cert.pem"), "CERT");
      writeFileSync(join(dir, "key.pem"), "KEY");
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads cert, key and CA files, with the CODEX_OTLP_CA_CERTFILE alias", () => {
      const { config, problems } = resolve({
        CODEX_OTLP_ENABLE: "1",
        CODEX_OTLP_ENDPOINT: "https://h",
        CODEX_OTLP_CERTFILE: join(dir, "cert.pem"),
        CODEX_OTLP_KEYFILE: join(dir, "key.pem"),
        CODEX_OTLP_CA_CERTFILE: join(dir, "ca.pem"),
      });
      assert.deepEqual(problems, []);
      const text = (v: unknown) => new TextDecoder().decode(v as Uint8Array);
      assert.deepEqual([text(config.tls?.cert), text(config.tls?.key), text(config.tls?.ca)], ["CERT", "KEY", "CA"]);
    });

    it("reports an unreadable certificate file naming the variable", () => {
      const { problems } = resolve({
        CODEX_OTLP_ENABLE: "1",
        CODEX_OTLP_ENDPOINT: "https://h",
        CODEX_OTLP_CACERTFILE: join(dir, "missing.pem"),
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: join(dir, "cert.pem"),
      });
      assert.deepEqual(codes(problems), ["unreadable_file:CODEX_OTLP_CACERTFILE", "incomplete_tls:CODEX_OTLP_KEYFILE"]);
    });
  });
});

describe("Telemetry.configure", () => {
  let rx: OtlpReceiver;
  before(async () => {
    rx = await startOtlpReceiver({ int64AsString: true });
  });
  after(async () => {
    await Telemetry.current()?.shutdown();
    await rx.close();
    assert.equal(rx.invalid, 0);
  });

  it("exposes the bus functions and configure on the namespace object", () => {
    for (const k of ["attach", "attachMany", "detach", "emit", "attachDefaultLogger", "configure"] as const) {
      assert.equal(typeof Telemetry[k], "function", k);
    }
  });

  it("does not attach a tracer when off and never throws for bad values", () => {
    const warnings: string[] = [];
    const t = Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "maybe" }, readRuntimeEnv: false, warn: (m) => warnings.push(m) });
    assert.equal(t.enabled, false);
    assert.equal(listHandlers("codex.thread").some((h) => h.id === "codex-tracer"), false);
    assert.equal(t.status().problems[0].variable, "CODEX_OTLP_ENABLE");
    assert.equal(warnings.length, 1);
    assert.throws(() => Telemetry.configure({ env: { CODEX_OTLP_ENABLE: "maybe" }, readRuntimeEnv: false, strict: true, warn: () => {} }), ConfigError);
  });

  it("exports to an OTLP/HTTP endpoint and reports status without secrets", async () => {
    const t = Telemetry.configure({
      env: { CODEX_OTLP_ENABLE: "1", CODEX_OTLP_ENDPOINT: rx.url.replace("http://", "http://user:pw@") + "?token=abc", CODEX_OTLP_HEADERS: "authorization=Bearer%20hidden" },
      readRuntimeEnv: false,
      serviceName: "configure-test",
      warn: () => {},
    });
    const before = rx.requests.length;
    startSpan("codex.thread", {}).stop({}, { result: "ok" });
    await t.flush();
    const st = t.status();
    assert.equal(st.exported, 1);
    assert.equal(st.exporter, "otlp-http");
    assert.equal(st.endpoint, `${rx.url}/v1/traces`);
    const text = JSON.stringify(st);
    for (const secret of ["hidden", "pw", "abc"]) assert.equal(text.includes(secret), false, secret);
    const req = rx.requests[before];
    assert.equal(req.headers.authorization, "Bearer hidden");
    const res = (req.payload as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[] }).resourceSpans[0].resource;
    assert.equal(res.attributes.find((a) => a.key === "service.name")?.value.stringValue, "configure-test");
    await t.shutdown();
  });

  it("swaps the pipeline cleanly when called again", async () => {
    const a = memoryExporter();
    const b = memoryExporter();
    const first = Telemetry.configure({ exporter: a, readRuntimeEnv: false, warn: () => {} });
    const open = startSpan("codex.thread", {});
    assert.notDeepEqual(traceEnvFor(open.token), {});
    const second = Telemetry.configure({ exporter: b, readRuntimeEnv: false, warn: () => {} });
    await second.flush();
    assert.equal(first.status().shutdown, true);
    assert.equal(a.finished().length, 1, "the open span was ended into the old pipeline");
    assert.equal(a.finished()[0].attributes["codex.aborted"], "reconfigured");
    open.stop({}, { result: "ok" });
    startSpan("codex.thread", {}).stop({}, { result: "ok" });
    await second.flush();
    assert.equal(b.finished().length, 1);
    assert.equal(listHandlers("codex.thread").filter((h) => h.id === "codex-tracer").length, 1);
    await second.shutdown();
    assert.equal(Telemetry.current(), undefined);
  });
});
