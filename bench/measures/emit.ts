// Measure 3: telemetry emit cost with no handler (vs an empty function call) and with a handler.
import { attach, detach, emit } from "../../mod.ts";
import { compare, consume, type Row } from "../harness.ts";

function empty(_a: string, _b: unknown, _c: unknown): void {}

export function benchEmit(extraHandler?: { attach: () => void; detach: () => void; label: string }): Row[] {
  const m = { count: 1 };
  const md = { thread_id: "t" };
  const noHandler = compare([
    {
      name: "emit, no handler",
      run: (n) => {
        for (let i = 0; i < n; i++) emit("codex.item.start", m, md);
        return n;
      },
    },
    {
      name: "empty function call",
      run: (n) => {
        for (let i = 0; i < n; i++) empty("codex.item.start", m, md);
        return n;
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
  });
  rows.push({
    measure: "emit, one counting handler",
    ours: `${withHandler["emit, one handler"].toFixed(1)} ns/event`,
    versus: "–",
    ratio: "–",
    target: "report",
    met: null,
  });
  if (extraHandler) {
    extraHandler.attach();
    const t = compare([{
      name: "x",
      run: (n) => {
        for (let i = 0; i < n; i++) emit("codex.diff.bench", m, md);
        return n;
      },
    }]);
    extraHandler.detach();
    rows.push({
      measure: `emit, ${extraHandler.label}`,
      ours: `${t.x.toFixed(1)} ns/event`,
      versus: "–",
      ratio: "–",
      target: "report",
      met: null,
    });
  }
  return rows;
}
