/**
 * mTLS transport for Deno: `Deno.createHttpClient({ cert, key, caCerts })` passed to `fetch` as
 * `client`. Certificates must be X.509 v3 (rustls rejects v1).
 * @module
 */
import type { FetchLike, TlsOptions } from "../../base/fetch.ts";

interface DenoHttp {
  createHttpClient?(options: { cert?: string; key?: string; caCerts?: string[] }): { close(): void };
}

/**
 * Whether `Deno.createHttpClient` exists.
 *
 * @returns `true` on Deno.
 */
export function hasDenoHttpClient(): boolean {
  return typeof (globalThis as { Deno?: DenoHttp }).Deno?.createHttpClient === "function";
}

const text = (v: Uint8Array | string | undefined): string | undefined =>
  v === undefined ? undefined : typeof v === "string" ? v : new TextDecoder().decode(v);

/**
 * Creates a `fetch`-like function that presents a client certificate through a Deno HTTP client.
 *
 * @param tls Client certificate, key and CA.
 * @returns The transport, with `close()` to release the client.
 * @throws {Error} When not on Deno.
 * @example
 * ```ts
 * import { denoTlsFetch } from "./transport.ts";
 * const f = denoTlsFetch({ cert: "...", key: "...", ca: "..." });
 * ```
 */
export function denoTlsFetch(tls: TlsOptions): FetchLike & { close(): void } {
  const deno = (globalThis as { Deno?: DenoHttp }).Deno;
  if (typeof deno?.createHttpClient !== "function") throw new Error("Deno.createHttpClient is not available");
  const opts: { cert?: string; key?: string; caCerts?: string[] } = {};
  const cert = text(tls.cert);
  const key = text(tls.key);
  const ca = text(tls.ca);
  if (cert !== undefined) opts.cert = cert;
  if (key !== undefined) opts.key = key;
  if (ca !== undefined) opts.caCerts = [ca];
  const client = deno.createHttpClient(opts);
  const f = ((url: string, init: Parameters<FetchLike>[1]) =>
    fetch(url, { ...init, body: init.body as BodyInit, client } as RequestInit)) as FetchLike & { close(): void };
  f.close = () => client.close();
  return f;
}
