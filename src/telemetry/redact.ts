/**
 * Redaction shared by everything that shows telemetry to people (the logger, the debug feed):
 * prompts unless `traceSensitive`, and anything that looks like a credential, always.
 * @module
 */
import type { Metadata } from "./events.ts";

/** What replaces a redacted value. */
export const REDACTED = "[redacted]";

const SENSITIVE_KEYS = new Set(["input", "prompt", "prompts"]);
// Keys whose values are credentials wherever they appear (metadata, nested objects, span
// attributes). Ours (span_token, parent_token) and token counts are safe.
const SECRET_KEY =
  /(api[_-]?key|authorization|secret|password|passwd|bearer|cookie|credential|private[_-]?key|(^|[._-])headers?$|(^|[._-])token$|(^|[._-])(cert|key)(file)?$|certificate)/i;
const SAFE_KEYS = new Set(["span_token", "parent_token", "token_savings", "tool", "item_type"]);

// Credential shapes inside free text (error messages, stderr tails, commands), and what every
// match contains with its shortest length (`Basic xxxx`): most strings are ids and statuses, and
// one test clears them.
const CREDENTIAL_TEXT: readonly RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];
const CREDENTIAL_HINT = /bearer|basic|sk-|-----BEGIN /i;
const MIN_CREDENTIAL_TEXT = 10;

/**
 * Replaces credential shapes inside free text: `Bearer …` / `Basic …` values (the scheme stays),
 * `sk-…` API keys and PEM private keys. The default logger, the debug feed and the log records
 * all pass their strings through it.
 *
 * @param text Any text.
 * @returns The text with each credential replaced by `[redacted]`.
 * @example
 * ```ts
 * import { scrubCredentials } from "./redact.ts";
 * scrubCredentials("401: Authorization: Bearer abc123xyz"); // "401: Authorization: Bearer [redacted]"
 * ```
 */
export function scrubCredentials(text: string): string {
  if (text.length < MIN_CREDENTIAL_TEXT || !CREDENTIAL_HINT.test(text)) return text;
  let s = text;
  for (const re of CREDENTIAL_TEXT) {
    re.lastIndex = 0;
    if (re.test(s)) {
      re.lastIndex = 0;
      s = s.replace(re, (m) => /^(bearer|basic)\s/i.test(m) ? `${m.split(/\s/)[0]} ${REDACTED}` : REDACTED);
    }
  }
  return s;
}

/**
 * Whether a metadata key or attribute name holds a credential (API keys, authorization and
 * header values, tokens, certificate and key files). The logger and the debug feed share it.
 *
 * @param key Object key or attribute name.
 * @returns `true` when the value must never be shown.
 * @example
 * ```ts
 * import { isCredentialKey } from "./redact.ts";
 * isCredentialKey("otlp_headers"); // true
 * isCredentialKey("span_token"); // false
 * ```
 */
export function isCredentialKey(key: string): boolean {
  return !SAFE_KEYS.has(key) && SECRET_KEY.test(key);
}

/**
 * Returns a copy of `metadata` safe to show: credentials always replaced by `[redacted]`, and the
 * prompt (`input`) too unless `traceSensitive` is set (by option or in the metadata).
 *
 * @param metadata Event metadata.
 * @param traceSensitive Keep prompts.
 * @returns A redacted deep copy (nested objects are redacted too; a Date becomes its ISO string,
 *   a URL its href without user info or credential query values, a Set an array, a Map an object,
 *   an Error `{ name, message, ... }`; typed arrays stay as they are).
 * @example
 * ```ts
 * import { redactMetadata } from "../../mod.ts";
 * redactMetadata({ input: "my prompt", api_key: "sk-1" }); // { input: "[redacted]", api_key: "[redacted]" }
 * ```
 */
export function redactMetadata(metadata: Readonly<Metadata>, traceSensitive = false): Metadata {
  const keepPrompt = traceSensitive || metadata.traceSensitive === true ||
    metadata.trace_sensitive === true;
  return redactObject(metadata, keepPrompt, 0) as Metadata;
}

function redactObject(value: unknown, keepPrompt: boolean, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 8) return "[truncated]";
  if (Array.isArray(value)) return value.map((v) => redactObject(v, keepPrompt, depth + 1));
  // Bytes stay bytes. Values whose data is not in their own keys keep what they show: a Date its
  // JSON form (an ISO time), a URL its href without credentials, a Set its members, a Map its
  // entries, an Error its name and message.
  if (ArrayBuffer.isView(value)) return value;
  if (value instanceof Set) return redactObject([...value], keepPrompt, depth);
  if (value instanceof Map) return redactObject(Object.fromEntries(value), keepPrompt, depth);
  if (value instanceof URL) return urlShown(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    try {
      return redactObject(toJSON.call(value), keepPrompt, depth + 1);
    } catch {
      return "[unserializable]";
    }
  }
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.name = value.name;
    out.message = value.message;
  }
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (isCredentialKey(key)) out[key] = v === undefined ? v : REDACTED;
    else if (!keepPrompt && depth === 0 && SENSITIVE_KEYS.has(key)) {
      out[key] = v === undefined ? v : REDACTED;
    } else out[key] = redactObject(v, keepPrompt, depth + 1);
  }
  return out;
}

/** A URL's href with its user info removed and the values of credential-named query parameters redacted. */
function urlShown(url: URL): string {
  const u = new URL(url.href);
  u.username = "";
  u.password = "";
  const secret: string[] = [];
  u.searchParams.forEach((_v, key) => {
    if (isCredentialKey(key)) secret.push(key);
  });
  for (const key of secret) u.searchParams.set(key, REDACTED);
  return u.href;
}
