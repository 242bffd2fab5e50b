/**
 * mTLS transport for Node: a `fetch`-like function over `node:https` (reached through
 * `process.getBuiltinModule`, never a static import, and never npm undici, whose majors must match
 * the one built into the running Node).
 * @module
 */
import type { FetchLike, TlsOptions } from "../../base/fetch.ts";
import { builtinModule } from "../builtin.ts";


interface IncomingMessage {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  on(event: "data", fn: (chunk: Uint8Array) => void): void;
  on(event: "end" | "close", fn: () => void): void;
  on(event: "error", fn: (e: Error) => void): void;
  destroy(): void;
  pause(): void;
  resume(): void;
}
interface ClientRequest {
  on(event: "error", fn: (e: Error) => void): void;
  end(body: Uint8Array): void;
  destroy(error?: Error): void;
}
interface HttpsModule {
  request(
    url: string,
    options: Record<string, unknown>,
    callback: (res: IncomingMessage) => void,
  ): ClientRequest;
}

/**
 * Whether `node:https` is reachable (Node ≥ 22.3, Bun, Deno).
 *
 * @returns `true` when the transport can be built.
 */
export function hasNodeHttps(): boolean {
  return nodeHttps() !== undefined;
}

function nodeHttps(): { https: HttpsModule; http: HttpsModule } | undefined {
  const https = builtinModule<HttpsModule>("node:https");
  const http = builtinModule<HttpsModule>("node:http");
  return https && http ? { https, http } : undefined;
}

const decoder = (v: Uint8Array | string | undefined): string | undefined =>
  v === undefined ? undefined : typeof v === "string" ? v : new TextDecoder().decode(v);

/**
 * Creates a `fetch`-like function that presents a client certificate over `node:https`.
 *
 * @param tls Client certificate, key and CA.
 * @returns The transport.
 * @throws {Error} When `node:https` is not reachable.
 * @example
 * ```ts
 * import { nodeTlsFetch } from "./transport.ts";
 * const f = nodeTlsFetch({ cert: "-----BEGIN CERTIFICATE-----...", key: "...", ca: "..." });
 * ```
 */
export function nodeTlsFetch(tls: TlsOptions): FetchLike {
  const mods = nodeHttps();
  if (mods === undefined) throw new Error("node:https is not available on this runtime");
  const cert = decoder(tls.cert);
  const key = decoder(tls.key);
  const ca = decoder(tls.ca);
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const mod = url.startsWith("https:") ? mods.https : mods.http;
      const opts: Record<string, unknown> = { method: init.method, headers: { ...init.headers, "content-length": String(init.body.byteLength) } };
      if (cert !== undefined) opts.cert = cert;
      if (key !== undefined) opts.key = key;
      if (ca !== undefined) opts.ca = ca;
      let settled = false;
      const req = mod.request(url, opts, (res) => {
        settled = true;
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        }
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            res.on("data", (chunk) => controller.enqueue(new Uint8Array(chunk)));
            res.on("end", () => {
              try {
                controller.close();
              } catch { /* already cancelled */ }
            });
            res.on("error", (e) => {
              try {
                controller.error(e);
              } catch { /* already cancelled */ }
            });
          },
          cancel() {
            res.destroy();
          },
        });
        const status = res.statusCode ?? 0;
        const nullBody = status === 204 || status === 304 || status < 200;
        resolve(new Response(nullBody ? null : body, { status: status < 200 ? 599 : status, headers }));
      });
      req.on("error", (e) => {
        if (!settled) reject(e);
      });
      const onAbort = (): void => {
        const e = new Error("the request was aborted");
        e.name = "AbortError";
        req.destroy(e);
        if (!settled) reject(e);
      };
      if (init.signal.aborted) return onAbort();
      init.signal.addEventListener("abort", onAbort, { once: true });
      req.end(init.body);
    });
}
