/**
 * mTLS transport for Bun: its `fetch` accepts `tls: { cert, key, ca }`.
 * @module
 */
import type { FetchLike, TlsOptions } from "../../base/fetch.ts";

/**
 * Whether this is Bun.
 *
 * @returns `true` on Bun.
 */
export function isBun(): boolean {
  return typeof (globalThis as { Bun?: unknown }).Bun === "object";
}

const text = (v: Uint8Array | string | undefined): string | undefined =>
  v === undefined ? undefined : typeof v === "string" ? v : new TextDecoder().decode(v);

/**
 * Creates a `fetch`-like function that presents a client certificate through Bun's `fetch`.
 *
 * @param tls Client certificate, key and CA.
 * @returns The transport.
 * @example
 * ```ts
 * import { bunTlsFetch } from "./transport.ts";
 * const f = bunTlsFetch({ cert: "...", key: "...", ca: "..." });
 * ```
 */
export function bunTlsFetch(tls: TlsOptions): FetchLike {
  const opts: Record<string, string> = {};
  const cert = text(tls.cert);
  const key = text(tls.key);
  const ca = text(tls.ca);
  if (cert !== undefined) opts.cert = cert;
  if (key !== undefined) opts.key = key;
  if (ca !== undefined) opts.ca = ca;
  return (url, init) => fetch(url, { ...init, body: init.body as BodyInit, tls: opts } as RequestInit);
}
