// Measure 3: telemetry emit cost with no handler (vs an empty function call) and with a handler.
import { attach, detach, emit, startSpan } from "../../mod.ts";
import { createTracer, traceEvents } from "../../export.ts";
import { compare, consume, roundRatios, type Row } from "../harness.ts";

function empty(_a: string, _b: unknown, _c: unknown): void {}

// Both loops carry the same small side effect (acc): without it JavaScriptCore deletes the loop
// around an empty call entirely, and the ratio compares emit() with nothing at all.

export function benchEmit(): Row[] {
  const m = { count: 1 };
  const md = { thread_id: "t" };
  const noHandler = compare([
    {
      name: "emit, no handler",
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          emit("codex.item.start", m, md);
          acc += i;
        }
        return acc;
      },
    },
    {
      name: "empty function call",
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          empty("codex.item.start", m, md);
          acc += i;
        }
        return acc;
      },
    },
  ]);
  let count = 0;
  attach("bench-emit", "codex.item.start", () => {
    count++;
  });
  const withHandler = compare([{
    name: "emit, one handler",
    run: (n) => {
      for (let i = 0; i < n; i++) emit("codex.item.start", m, md);
      return n;
    },
  }]);
  detach("bench-emit");
  consume(count);
  const rows: Row[] = [];
  const ratio = noHandler["emit, no handler"] / noHandler["empty function call"];
  rows.push({
    measure: "emit, no handler",
    ours: `${noHandler["emit, no handler"].toFixed(2)} ns`,
    versus: `empty call ${noHandler["empty function call"].toFixed(2)} ns`,
    ratio: `${ratio.toFixed(2)}×`,
    target: "≤ 2× empty call",
    met: ratio <= 2,
    value: ratio,
    better: "lower",
    goal: 2,
    spread: roundRatios(noHandler, "emit, no handler", "empty function call"),
  });
  rows.push({
    measure: "emit, one counting handler",
    ours: `${withHandler["emit, one handler"].toFixed(1)} ns/event`,
    versus: "–",
    ratio: "–",
    target: "report",
    met: null,
  });
  // With the tracer attached: item spans (start + stop events) under an open thread span, handed
  // to a processor that discards them (the tracer's cost, not the exporter's).
  let exported = 0;
  const processor = {
    onEnd: () => {
      exported++;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const events = traceEvents(createTracer({ processor }), { handlerId: "bench-emit-tracer" });
  events.attach();
  const thread = startSpan("codex.thread", { model: "gpt-5.5" });
  const turn = startSpan("codex.turn", { parent_token: thread.token, turn_id: "t:1" });
  const traced = compare([{
    name: "x",
    run: (n) => {
      for (let i = 0; i < n; i++) {
        startSpan("codex.item", { parent_token: turn.token, item_type: "command_execution", item_id: "item_1" })
          .stop({}, { status: "completed", exit_code: 0 });
      }
      return n;
    },
  }], { opsPerRun: 2 });
  turn.stop();
  thread.stop();
  events.detach();
  consume(exported);
  rows.push({
    measure: "emit with the tracer attached (item start/stop → span)",
    ours: `${traced.x.toFixed(0)} ns/event`,
    versus: "–",
    ratio: "–",
    target: "report",
    met: null,
  });
  return rows;
}
