/**
 * The `Telemetry` namespace object: the bus (`attach`, `detach`, `emit`, the default logger) and
 * the pipeline (`configure`, `current`) under one name.
 * @module
 */
import { attach, attachMany, detach, emit } from "../telemetry/bus.ts";
import { attachDefaultLogger, detachDefaultLogger } from "../telemetry/logger.ts";
import { configure, currentTelemetry } from "./configure.ts";

/**
 * The telemetry namespace: bus functions plus `configure`.
 *
 * @example
 * ```ts
 * import { Telemetry } from "./telemetry.ts";
 * Telemetry.attach("my-log", "codex.thread.stop", (_n, m) => console.log(m.duration_ms));
 * Telemetry.detach("my-log");
 * ```
 */
export const Telemetry: {
  readonly attach: typeof attach;
  readonly attachMany: typeof attachMany;
  readonly detach: typeof detach;
  readonly emit: typeof emit;
  readonly attachDefaultLogger: typeof attachDefaultLogger;
  readonly detachDefaultLogger: typeof detachDefaultLogger;
  readonly configure: typeof configure;
  readonly current: typeof currentTelemetry;
} = Object.freeze({
  attach,
  attachMany,
  detach,
  emit,
  attachDefaultLogger,
  detachDefaultLogger,
  configure,
  current: currentTelemetry,
});
