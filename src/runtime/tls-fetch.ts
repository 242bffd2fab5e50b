/**
 * Picks the mTLS transport for the running runtime: Deno's HTTP client, Bun's `fetch` `tls`
 * option, else `node:https`. Runtime modules are reached only by feature detection.
 * @module
 */
import type { FetchLike, TlsOptions } from "../base/fetch.ts";
import { bunTlsFetch, isBun } from "./bun/transport.ts";
import { denoTlsFetch, hasDenoHttpClient } from "./deno/transport.ts";
import { hasNodeHttps, nodeTlsFetch } from "./node/transport.ts";

/**
 * A `fetch`-like function presenting the given client certificate, or `undefined` where the
 * runtime has no way to (Workers: pass your mTLS binding's `fetch` instead).
 *
 * @param tls Certificate, key and CA.
 * @returns The transport.
 * @example
 * ```ts
 * import { tlsFetch } from "./tls-fetch.ts";
 * const f = tlsFetch({ ca: "-----BEGIN CERTIFICATE-----..." });
 * ```
 */
export function tlsFetch(tls: TlsOptions): FetchLike | undefined {
  if (hasDenoHttpClient()) return denoTlsFetch(tls);
  if (isBun()) return bunTlsFetch(tls);
  if (hasNodeHttps()) return nodeTlsFetch(tls);
  return undefined;
}

