// Starts and queries bench/receiver.mjs, the OTLP/HTTP sink that the export and run measures post
// to, as a process of its own.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface Receiver {
  port: number;
  counts(): Promise<{ spans: number; requests: number; bytes: number }>;
  stop(): void;
}

/** Starts `bench/receiver.mjs` as its own process (the collector is not the SDK's cost). */
export function startReceiver(): Promise<Receiver> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./receiver.mjs", import.meta.url))], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffered = "";
  const waiters: ((line: string) => void)[] = [];
  child.stdout!.on("data", (d: Uint8Array) => {
    buffered += new TextDecoder().decode(d);
    let i;
    while ((i = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiters.shift()?.(line);
    }
  });
  const next = (): Promise<string> => new Promise((r) => waiters.push(r));
  return next().then((line) => ({
    port: JSON.parse(line).port,
    counts: () => {
      const p = next();
      child.stdin!.write("x");
      return p.then((l) => JSON.parse(l));
    },
    stop: () => child.stdin!.end(),
  }));
}
