/**
 * The transport contract every exporter sends through: a `fetch`-compatible function, and the
 * client TLS material the runtime transports present (mTLS).
 * @module
 */

/** A `fetch`-compatible function (the global one, a Workers mTLS binding's, or a runtime transport). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: Uint8Array; signal: AbortSignal },
) => Promise<Response>;

/** TLS material as PEM text or bytes. */
export interface TlsOptions {
  /** Client certificate (PEM). */
  cert?: string | Uint8Array;
  /** Client private key (PEM). */
  key?: string | Uint8Array;
  /** CA certificate(s) trusted for the collector (PEM). */
  ca?: string | Uint8Array;
}

/** Client TLS material for a transport: the same shape as {@link TlsOptions}. */
export type TlsFiles = TlsOptions;
