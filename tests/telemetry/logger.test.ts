import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { attachDefaultLogger, detach, emit, Events, redactMetadata, startSpan } from "../../mod.ts";

function withLogger(
  options: Parameters<typeof attachDefaultLogger>[0],
  body: () => void,
): { line: string; level: string }[] {
  const lines: { line: string; level: string }[] = [];
  const id = attachDefaultLogger({ ...options, sink: (line, level) => lines.push({ line, level }) });
  try {
    body();
  } finally {
    detach(id);
  }
  return lines;
}

describe("default logger", () => {
  it("writes one text line per thread start and stop with duration_ms and ids", () => {
    const lines = withLogger({}, () => {
      const span = startSpan("codex.thread", { input: "secret prompt", model: "gpt-5.5" });
      span.merge({ thread_id: "0199-abc" });
      span.stop({}, { result: "ok", exit_code: 0, pid: 123 });
    });
    assert.equal(lines.length, 2);
    assert.match(lines[0].line, /^\[codex\] thread start /);
    assert.match(
      lines[1].line,
      /^\[codex\] thread stop duration_ms=\d+(\.\d+)? thread_id=0199-abc result=ok exit_code=0 pid=123/,
    );
    assert.equal(lines[1].level, "info");
    assert.ok(!lines.some((l) => l.line.includes("secret prompt")), "prompt redacted");
    assert.match(lines[0].line, /input=\[redacted\]/);
  });

  it("logs exceptions at error level even when the level is error", () => {
    const lines = withLogger({ level: "error" }, () => {
      const span = startSpan("codex.thread", {});
      span.exception(new Error("exit code 2"), { result: "error", exit_code: 2 });
      startSpan("codex.thread", {}).stop({}, { result: "ok" });
    });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, "error");
    assert.match(lines[0].line, /^\[codex\] thread exception duration_ms=/);
    assert.match(lines[0].line, /error=\{"kind":"Error","message":"exit code 2"\}/);
  });

  it("json format writes one parseable object per line with duration_ms and an ISO time", () => {
    const lines = withLogger({ format: "json" }, () => {
      const span = startSpan("codex.thread", { input: "do the thing" });
      span.stop({}, { result: "ok", thread_id: "t-1" });
    });
    assert.equal(lines.length, 2);
    const stop = JSON.parse(lines[1].line);
    assert.equal(stop.event, "codex.thread.stop");
    assert.equal(stop.level, "info");
    assert.equal(typeof stop.duration_ms, "number");
    assert.equal(stop.thread_id, "t-1");
    assert.equal(stop.result, "ok");
    assert.equal(stop.input, "[redacted]");
    assert.equal(typeof stop.duration, "number");
    assert.ok(!Number.isNaN(Date.parse(stop.time)));
    assert.equal(typeof stop.span_token, "string");
  });

  it("traceSensitive keeps the prompt, but credentials stay redacted", () => {
    const lines = withLogger({ format: "json", traceSensitive: true }, () => {
      startSpan("codex.thread", { input: "visible prompt", api_key: "sk-live-123" }).stop();
    });
    const start = JSON.parse(lines[0].line);
    assert.equal(start.input, "visible prompt");
    assert.equal(start.api_key, "[redacted]");
  });

  it("traceSensitive in the thread metadata keeps the prompt", () => {
    const lines = withLogger({}, () => {
      startSpan("codex.thread", { input: "meta prompt", traceSensitive: true }).stop();
    });
    assert.match(lines[0].line, /input="meta prompt"/);
  });

  it("turn and item lines appear only in verbose mode at debug level", () => {
    const body = () => {
      const turn = startSpan("codex.turn", { turn_id: "t:1" });
      turn.stop({}, { status: "completed" });
    };
    assert.equal(withLogger({ level: "debug" }, body).length, 0);
    const verbose = withLogger({ level: "debug", verbose: true }, body);
    assert.equal(verbose.length, 2);
    assert.equal(verbose[1].level, "debug");
    assert.match(verbose[1].line, /^\[codex\] turn stop duration_ms=\S+ turn_id=t:1 status=completed/);
    assert.equal(withLogger({ level: "info", verbose: true }, body).length, 0);
  });

  it("ignores events outside the thread lifecycle by default", () => {
    const lines = withLogger({}, () => emit(Events.diffUpdated, {}, { diff: "x" }));
    assert.equal(lines.length, 0);
  });

  it("shows what Dates, URLs, Sets, Maps and Errors hold, without the credentials in them", () => {
    const when = new Date(Date.UTC(2026, 11, 3, 12, 0, 0));
    const err = Object.assign(new TypeError("bad input"), { code: "E_BAD", token: "sk-abcdefgh" });
    const shown = redactMetadata({
      at: when,
      never: new Date(Number.NaN),
      url: new URL("https://user:pw@collector.example/v1/traces?api_key=k1&region=eu"),
      tags: new Set(["a", "b"]),
      env: new Map<string, unknown>([["HOME", "/root"], ["OPENAI_API_KEY", "sk-1"]]),
      error: err,
      nested: { at: when },
      broken: { toJSON: () => { throw new Error("no"); } },
    });
    assert.deepEqual(shown, {
      at: "2026-12-03T12:00:00.000Z",
      never: null,
      url: "https://collector.example/v1/traces?api_key=%5Bredacted%5D&region=eu",
      tags: ["a", "b"],
      env: { HOME: "/root", OPENAI_API_KEY: "[redacted]" },
      error: { name: "TypeError", message: "bad input", code: "E_BAD", token: "[redacted]" },
      nested: { at: "2026-12-03T12:00:00.000Z" },
      broken: "[unserializable]",
    });
    const lines = withLogger({ format: "json" }, () => {
      startSpan("codex.thread", { started: when }).stop();
    });
    assert.equal(JSON.parse(lines[0].line).started, "2026-12-03T12:00:00.000Z");
  });

  it("never prints a credential that sits inside free text, in either format", () => {
    const md = {
      result: "error",
      error: { message: "HTTP 401: Authorization: Bearer abcdefghijk, key sk-proj-1234567890abcdef" },
      stderr_tail: "curl -H 'Authorization: Basic dXNlcjpwYXNz' https://x",
    };
    for (const format of ["text", "json"] as const) {
      const lines = withLogger({ format }, () => {
        startSpan("codex.thread", {}).stop({}, md);
      });
      const out = lines.map((l) => l.line).join("\n");
      for (const secret of ["abcdefghijk", "sk-proj-1234567890abcdef", "dXNlcjpwYXNz"]) {
        assert.ok(!out.includes(secret), `${format}: ${secret} printed: ${out}`);
      }
      assert.match(out, /Bearer \[redacted\]/, format);
      if (format === "json") assert.equal(JSON.parse(lines[1].line).stderr_tail, "curl -H 'Authorization: Basic [redacted]' https://x");
    }
  });
});
