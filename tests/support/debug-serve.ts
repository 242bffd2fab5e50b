// Serves a fetch handler on 127.0.0.1 with an ephemeral port on whichever runtime runs the test:
// Node through @hono/node-server, Bun through Bun.serve, Deno through Deno.serve.

/** A running local server. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The port. */
  port: number;
  /** Stops the server and drops open connections (SSE streams included). */
  close(): Promise<void>;
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

interface BunLike {
  serve(options: { fetch: FetchHandler; port: number; hostname: string; idleTimeout?: number }): {
    port: number;
    stop(force?: boolean): Promise<void> | void;
  };
}

interface DenoLike {
  serve(
    options: { port: number; hostname: string; signal: AbortSignal; onListen?: (addr: { port: number }) => void },
    handler: FetchHandler,
  ): { addr: { port: number }; finished: Promise<void>; shutdown(): Promise<void> };
}

/** The runtime running this test. */
export const runtime: "node" | "bun" | "deno" = (globalThis as { Bun?: unknown }).Bun !== undefined
  ? "bun"
  : (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : "node";

/**
 * Serves `fetch` on 127.0.0.1:0.
 *
 * @param fetch The handler (`app.fetch`).
 * @returns The server.
 */
export async function serveLocal(fetch: FetchHandler): Promise<LocalServer> {
  if (runtime === "bun") {
    const Bun = (globalThis as unknown as { Bun: BunLike }).Bun;
    // idleTimeout 0: an SSE stream that only heartbeats must not be cut by Bun's 10 s default.
    const server = Bun.serve({ fetch, port: 0, hostname: "127.0.0.1", idleTimeout: 0 });
    return {
      url: `http://127.0.0.1:${server.port}`,
      port: server.port,
      close: async () => {
        await server.stop(true);
      },
    };
  }
  if (runtime === "deno") {
    const Deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
    const ac = new AbortController();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} }, fetch);
    const port = server.addr.port;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      close: async () => {
        ac.abort();
        await server.finished;
      },
    };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise<LocalServer>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            const s = server as unknown as { close(cb: () => void): void; closeAllConnections?(): void };
            s.close(() => done());
            s.closeAllConnections?.();
          }),
      });
    });
  });
}
