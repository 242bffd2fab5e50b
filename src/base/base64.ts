/**
 * Standard base64 of bytes, as proto3 JSON wants for `bytes` fields and HTTP Basic credentials.
 * @module
 */

/**
 * Standard base64 (with padding) of bytes, as proto3 JSON wants for `bytes` fields.
 *
 * @param bytes Bytes.
 * @returns Base64 text.
 * @example
 * ```ts
 * import { base64 } from "./base64.ts";
 * base64(new TextEncoder().encode("user:pass")); // "dXNlcjpwYXNz"
 * ```
 */
export function base64(bytes: Uint8Array): string {
  // btoa takes a binary string; built in chunks so that the argument list stays small.
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
