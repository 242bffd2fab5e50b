/**
 * Synchronous file reads for configuration (certificate files), through `Deno.readFileSync` or
 * `node:fs` reached with `process.getBuiltinModule` (Node ≥ 22.3, Bun). Unavailable on edge
 * runtimes, where certificates come with a user-supplied `fetch` instead.
 * @module
 */
import { builtinModule } from "./builtin.ts";

/**
 * Reads a file as bytes.
 *
 * @param path File path.
 * @returns The bytes.
 * @throws {Error} When the file is unreadable or the runtime has no file system (`code` `no_fs`).
 * @example
 * ```ts
 * import { readFileSyncBytes } from "./read-file.ts";
 * const bytes = readFileSyncBytes("/etc/hostname");
 * console.log(bytes.byteLength);
 * ```
 */
export function readFileSyncBytes(path: string): Uint8Array {
  const g = globalThis as { Deno?: { readFileSync?(p: string): Uint8Array } };
  if (typeof g.Deno?.readFileSync === "function") return g.Deno.readFileSync(path);
  const fs = builtinModule<{ readFileSync(p: string): Uint8Array }>("node:fs");
  if (fs !== undefined) return new Uint8Array(fs.readFileSync(path));
  const e = new Error(`cannot read ${path}: this runtime has no file system; pass a fetch with its own TLS setup`);
  (e as { code?: string }).code = "no_fs";
  throw e;
}
