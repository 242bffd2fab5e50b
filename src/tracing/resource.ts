/**
 * The resource every export carries: `service.name` (option, `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service`), `telemetry.sdk.*`, the runtime's name and version.
 * @module
 */
// Layers merge as `@opentelemetry/resources`' `Resource.merge` does (the updating layer wins, empty
// keys are dropped), written here because `resourceFromAttributes` pulls the API's diag logger and
// global registry into every bundle for a precedence-ordered object merge.
import { runtimeInfo } from "../runtime/env.ts";
import type { Attributes } from "./span-record.ts";

/** This SDK's name and version, as `telemetry.sdk.*` reports them. */
export const SDK_INFO: { readonly name: string; readonly version: string } = {
  name: "@codex-otel/sdk",
  version: "0.1.0",
};

/**
 * Parses `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, percent-decoded; bad pairs skipped).
 *
 * @param value The variable's value.
 * @returns The attributes and the pairs that were skipped.
 * @example
 * ```ts
 * import { parseResourceAttributes } from "./resource.ts";
 * parseResourceAttributes("deployment.environment=dev").attributes; // { "deployment.environment": "dev" }
 * ```
 */
export function parseResourceAttributes(value: string | undefined): { attributes: Record<string, string>; invalid: string[] } {
  const attributes: Record<string, string> = {};
  const invalid: string[] = [];
  if (!value) return { attributes, invalid };
  for (const raw of value.split(",")) {
    const pair = raw.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      invalid.push(pair);
      continue;
    }
    try {
      attributes[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      invalid.push(pair);
    }
  }
  return { attributes, invalid };
}

/**
 * Builds the resource attributes.
 *
 * @param options Service name, extra attributes and the environment's values.
 * @returns Plain attributes for the encoder.
 * @example
 * ```ts
 * import { buildResource } from "./resource.ts";
 * buildResource({ serviceName: "my-agent" })["service.name"]; // "my-agent"
 * ```
 */
export function buildResource(options: {
  serviceName?: string;
  attributes?: Attributes;
  envServiceName?: string;
  envResourceAttributes?: Record<string, string>;
}): Attributes {
  const runtime = runtimeInfo();
  const base: Record<string, string> = {
    "service.name": "unknown_service",
    "telemetry.sdk.name": SDK_INFO.name,
    "telemetry.sdk.version": SDK_INFO.version,
    "telemetry.sdk.language": runtime.name === "workerd" || runtime.name === "unknown" ? "webjs" : "nodejs",
    "process.runtime.name": runtime.name,
  };
  if (runtime.version !== undefined) base["process.runtime.version"] = runtime.version;
  const plain: Record<string, string | number | boolean> = {};
  const nested: Attributes = {};
  for (const [k, v] of Object.entries(options.attributes ?? {})) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") plain[k] = v;
    else nested[k] = v;
  }
  const explicit = typeof options.attributes?.["service.name"] === "string";
  const name = options.serviceName ?? (explicit ? undefined : options.envServiceName);
  // Precedence, highest first: the serviceName option, the resourceAttributes option,
  // OTEL_SERVICE_NAME (folded into `name` above), OTEL_RESOURCE_ATTRIBUTES, the defaults. The
  // first layer to set a key wins and keys keep that first-seen order, as a chain of
  // Resource.merge calls produces them.
  const layers = [name ? { "service.name": name } : {}, plain, options.envResourceAttributes ?? {}, base];
  const merged: Attributes = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (k !== "" && !Object.hasOwn(merged, k)) merged[k] = v;
    }
  }
  return { ...merged, ...nested };
}
