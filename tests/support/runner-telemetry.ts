/**
 * Test helper: captures every catalogue telemetry event and checks that each start has exactly
 * one end with the same span token.
 */
import { attach, detach, EVENT_NAMES } from "../../mod.ts";
import type { Measurements, Metadata } from "../../mod.ts";

/** A captured event. */
export interface Captured {
  /** Event name. */
  name: string;
  /** Measurements. */
  m: Readonly<Measurements>;
  /** Metadata. */
  md: Readonly<Metadata>;
}

const START = /\.(start|requested|compaction\.started)$/;
const END =
  /\.(stop|exception|success|failure|approved|denied|timeout|compaction\.completed|compaction\.failed)$/;

/** Whether an event name opens a span. */
export const isStart = (name: string): boolean =>
  START.test(name) && name !== "codex.thread.token_usage.updated";
/** Whether an event name ends a span. */
export const isEnd = (name: string): boolean => END.test(name);

let seq = 0;

/**
 * Starts capturing.
 *
 * @returns The captured events, a filter, a span-pairing check and `dispose`.
 */
export function captureTelemetry(): {
  events: Captured[];
  named(name: string): Captured[];
  unmatched(): string[];
  dispose(): void;
} {
  const id = `runner-capture-${++seq}`;
  const events: Captured[] = [];
  attach(id, [...EVENT_NAMES], (name, m, md) => {
    events.push({ name, m, md });
  });
  return {
    events,
    named: (name) => events.filter((e) => e.name === name),
    unmatched(): string[] {
      const open = new Map<string, string>();
      const problems: string[] = [];
      for (const e of events) {
        const token = e.md.span_token;
        if (isStart(e.name)) {
          if (typeof token !== "string") problems.push(`${e.name} without span_token`);
          else if (open.has(token)) problems.push(`${e.name} reuses open token ${token}`);
          else open.set(token, e.name);
        } else if (isEnd(e.name)) {
          if (typeof token !== "string" || !open.has(token)) {
            problems.push(`${e.name} (${token}) has no open start`);
          } else open.delete(token);
        }
      }
      for (const [token, name] of open) problems.push(`${name} (${token}) never ended`);
      return problems;
    },
    dispose: () => {
      detach(id);
    },
  };
}
