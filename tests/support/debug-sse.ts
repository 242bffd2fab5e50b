// A small Server-Sent-Events client over fetch for the debug feed tests: keeps every message and
// comment it reads, and lets a test wait for a condition.

/** One SSE message. */
export interface SseMessage {
  /** `event:` (default `message`). */
  event: string;
  /** `data:` lines joined. */
  data: string;
  /** `id:` when present. */
  id?: string;
}

/** An open SSE connection. */
export interface SseClient {
  /** Response status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** Messages so far. */
  messages: SseMessage[];
  /** Comment lines so far (heartbeats). */
  comments: string[];
  /** Every byte read, decoded. */
  raw(): string;
  /** Waits until `test()` holds (polls each chunk), or throws after `timeoutMs`. */
  until(test: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Entries (`message` events) parsed as JSON. */
  entries(): { id: number; kind: string; name: string; [key: string]: unknown }[];
  /** Aborts the request. */
  close(): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
}

/**
 * Opens an SSE stream.
 *
 * @param url Stream URL.
 * @param headers Request headers.
 * @returns The client.
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { Accept: "text/event-stream", ...headers }, signal: ac.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let raw = "";
  let buf = "";
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };
  let reading: Promise<void> = Promise.resolve();
  let reader: ReadableStreamDefaultReader<string> | undefined;
  if (res.body !== null) {
    // Decode by hand: cancelling a pipeThrough() reader does not reach the socket on every runtime.
    const bytes = res.body.getReader();
    const decoder = new TextDecoder();
    reader = new ReadableStream<string>({
      async pull(controller) {
        const { done, value } = await bytes.read();
        if (done) controller.close();
        else controller.enqueue(decoder.decode(value, { stream: true }));
      },
      cancel(reason) {
        return bytes.cancel(reason);
      },
    }).getReader();
    const r = reader;
    reading = (async () => {
      try {
        for (;;) {
          const { done, value } = await r.read();
          if (done) break;
          raw += value;
          buf += value.replace(/\r\n?/g, "\n");
          let at: number;
          while ((at = buf.indexOf("\n\n")) !== -1) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const msg: SseMessage = { event: "message", data: "" };
            const data: string[] = [];
            for (const line of block.split("\n")) {
              if (line === "") continue;
              if (line.startsWith(":")) {
                comments.push(line.slice(1).trim());
                continue;
              }
              const i = line.indexOf(":");
              const field = i === -1 ? line : line.slice(0, i);
              let v = i === -1 ? "" : line.slice(i + 1);
              if (v.startsWith(" ")) v = v.slice(1);
              if (field === "event") msg.event = v;
              else if (field === "data") data.push(v);
              else if (field === "id") msg.id = v;
            }
            if (data.length > 0) {
              msg.data = data.join("\n");
              messages.push(msg);
            }
          }
          notify();
        }
      } catch {
        // aborted by close()
      } finally {
        notify();
      }
    })();
  }
  let endedFlag = false;
  const ended = reading.then(() => {
    endedFlag = true;
  });
  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    raw: () => raw,
    entries: () => messages.filter((m) => m.event === "message").map((m) => JSON.parse(m.data)),
    until(test, timeoutMs = 5000, what = "condition") {
      if (test()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (test()) {
            cleanup();
            resolve();
          } else if (endedFlag) {
            cleanup();
            reject(new Error(`stream ended before ${what}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
      });
    },
    async close() {
      ac.abort();
      await reader?.cancel().catch(() => {});
      await reading;
    },
    ended,
  };
}

/**
 * Polls `test` every 10 ms until it holds or `timeoutMs` passes.
 *
 * @param test Condition.
 * @param timeoutMs Limit.
 * @param what Description for the error.
 */
export async function eventually(test: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
