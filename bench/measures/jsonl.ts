// Measure 4: 100 MB of real CLI 0.169 event lines piped from a child process through our decoder,
// vs node:readline + JSON.parse (what the official SDK does), vs JSON.parse over lines already
// split in memory (the floor); and RSS over a 1 GB stream.
import { spawn as nodeSpawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectSpawner } from "../../mod.ts";
import { createJsonlDecoder } from "../../src/jsonl/decoder.ts";
import { chunkReader } from "../../src/runtime/chunk-reader.ts";
import { collectGarbage, compareAsync, consume, perRound, roundRatios, type Row } from "../harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TARGET_BYTES = 100 * 1024 * 1024;

/** Builds (once) a ~100 MB file of real 0.169 event lines, repeating the transcripts. */
export function buildCorpus(): string {
  const file = join(tmpdir(), "codex-bench-events-100mb.jsonl");
  if (existsSync(file) && statSync(file).size >= TARGET_BYTES) return file;
  const dir = join(ROOT, "fixtures", "cli-0.169");
  const lines: string[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) if (line.trim()) lines.push(line);
  }
  const block = lines.join("\n") + "\n";
  const copies = Math.ceil(TARGET_BYTES / Buffer.byteLength(block));
  writeFileSync(file, block.repeat(copies));
  return file;
}

/**
 * Reads `times` copies of the file from a child's stdout as the runner reads (src/codex/thread.ts:
 * one reused buffer where the stream allows), handing each chunk to `onChunk`; RSS is sampled
 * every 256 reads.
 */
async function readPipe(
  file: string,
  times: number,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<{ bytes: number; maxRss: number; maxRssFirst100Mb: number }> {
  const proc = await detectSpawner().spawn("cat", Array.from({ length: times }, () => file));
  const reader = chunkReader(proc.stdout);
  let bytes = 0;
  let maxRss = 0;
  let maxRssFirst100Mb = 0;
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onChunk?.(value);
    bytes += value.length;
    if ((++chunks & 255) === 0) {
      maxRss = Math.max(maxRss, process.memoryUsage.rss());
      if (bytes <= 100 * 1024 * 1024) maxRssFirst100Mb = maxRss;
    }
  }
  await proc.exited;
  return { bytes, maxRss, maxRssFirst100Mb };
}

async function ours(
  file: string,
  times = 1,
): Promise<{ records: number; maxRss: number; maxRssFirst100Mb: number }> {
  const decoder = createJsonlDecoder();
  let records = 0;
  const take = (values: Iterable<unknown>): void => {
    for (const v of values) {
      consume(v);
      records++;
    }
  };
  const { maxRss, maxRssFirst100Mb } = await readPipe(file, times, (chunk) => take(decoder.values(chunk)));
  take(decoder.end());
  return { records, maxRss, maxRssFirst100Mb };
}

/** Reads the child's stdout and drops it: the part of `ours` the decoder cannot make cheaper. */
const pipeOnly = (file: string, times = 1): Promise<{ bytes: number; maxRss: number }> => readPipe(file, times);

function readline(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = nodeSpawn("cat", [file], { stdio: ["ignore", "pipe", "ignore"] });
    const rl = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    let records = 0;
    rl.on("line", (line) => {
      if (line.length === 0) return;
      consume(JSON.parse(line));
      records++;
    });
    rl.on("close", () => resolve(records));
    child.on("error", reject);
  });
}

/**
 * RSS over the same 1 GB stream read with no decoder at all, in a process of its own (cold, like
 * the decoder's row): the runtime's own share of that row's growth.
 */
export async function benchPipeRss(): Promise<Row[]> {
  const file = buildCorpus();
  const times = Math.ceil(1024 ** 3 / statSync(file).size);
  collectGarbage();
  const rssBefore = process.memoryUsage.rss();
  const { maxRss } = await pipeOnly(file, times);
  return [{
    measure: "RSS reading the same 1 GB from the pipe, no decoder (the runtime's share)",
    ours: `+${((maxRss - rssBefore) / 1024 / 1024).toFixed(1)} MB`,
    versus: "–",
    ratio: "–",
    target: "report",
    met: null,
    value: (maxRss - rssBefore) / 1024 / 1024,
    better: "lower",
  }];
}

export async function benchJsonl(): Promise<Row[]> {
  const file = buildCorpus();
  const size = statSync(file).size;
  // RSS over a 1 GB stream first, before the floor's in-memory lines exist. The baseline is taken
  // after a full collection on every runtime (`globalThis.gc` does not exist on Bun, so its
  // baseline used to be taken without one).
  collectGarbage();
  const rssBefore = process.memoryUsage.rss();
  const big = await ours(file, Math.ceil(1024 ** 3 / size));
  const growthMb = (big.maxRss - rssBefore) / 1024 / 1024;

  const bytes = new Uint8Array(readFileSync(file));
  const text = new TextDecoder().decode(bytes);
  const lines = text.split("\n").filter((l) => l.length !== 0);
  const expected = lines.length;
  const check = await ours(file);
  const checkRl = await readline(file);
  if (check.records !== expected || checkRl !== expected) {
    throw new Error(`jsonl bench: record counts differ (ours ${check.records}, readline ${checkRl}, lines ${expected})`);
  }
  const t = await compareAsync([
    { name: "ours", run: () => ours(file) },
    { name: "readline", run: () => readline(file) },
    { name: "pipe", run: () => pipeOnly(file) },
    {
      // The UTF-8 decode the floor does not pay: 64 KB windows of the same bytes, in memory.
      name: "decode",
      run: () => {
        const td = new TextDecoder();
        for (let i = 0; i < bytes.length; i += 65_536) consume(td.decode(bytes.subarray(i, i + 65_536)));
        return Promise.resolve();
      },
    },
    {
      name: "floor",
      run: () => {
        for (let i = 0; i < lines.length; i++) consume(JSON.parse(lines[i]));
        return Promise.resolve();
      },
    },
  ], 9);
  const mb = size / 1024 / 1024;
  // The physical floor: what any decoder must pay in this process, reading the same bytes from the
  // same kind of child (t.pipe) plus parsing the lines once they are in memory (t.floor).
  const physical = t.pipe + t.floor;
  return [
    {
      measure: `JSONL decode, ${mb.toFixed(0)} MB from a child process`,
      ours: `${(mb / (t.ours / 1000)).toFixed(0)} MB/s`,
      versus: `readline+JSON.parse ${(mb / (t.readline / 1000)).toFixed(0)} MB/s`,
      ratio: `${(t.readline / t.ours).toFixed(2)}× faster`,
      target: "≥ 1.6× readline",
      met: t.readline / t.ours >= 1.6,
      value: t.readline / t.ours,
      better: "higher",
      goal: 1.6,
      spread: roundRatios(t, "readline", "ours"),
      note: `readline itself takes ${(t.readline / physical).toFixed(2)}× the physical floor: a decoder that parses ` +
        `every line can beat it by at most that much`,
    },
    {
      measure: "JSONL decode vs the physical floor (the pipe read alone + JSON.parse of the lines in memory)",
      ours: `${t.ours.toFixed(0)} ms`,
      versus: `pipe ${t.pipe.toFixed(0)} ms + parse ${t.floor.toFixed(0)} ms = ${physical.toFixed(0)} ms`,
      ratio: `${(t.ours / physical).toFixed(2)}× floor`,
      target: "≤ 1.15× floor",
      met: t.ours / physical <= 1.15,
      value: t.ours / physical,
      better: "lower",
      goal: 1.15,
      spread: perRound(t, (x) => x("ours") / (x("pipe") + x("floor"))),
    },
    {
      measure: "JSONL decode vs JSON.parse of pre-split lines",
      ours: `${t.ours.toFixed(0)} ms`,
      versus: `floor ${t.floor.toFixed(0)} ms`,
      ratio: `${(t.ours / t.floor).toFixed(2)}× floor`,
      target: "report",
      met: null,
      value: t.ours / t.floor,
      better: "lower",
      spread: roundRatios(t, "ours", "floor"),
      note: `what this floor leaves out: reading the pipe alone ${t.pipe.toFixed(0)} ms = ${
        (t.pipe / t.floor).toFixed(2)
      }× floor; UTF-8 decoding the 100 MB in memory ${t.decode.toFixed(0)} ms = ${(t.decode / t.floor).toFixed(2)}× floor`,
    },
    {
      measure: `JSONL RSS over a ${(big.records ? (size * Math.ceil(1024 ** 3 / size)) / 1024 ** 3 : 0).toFixed(2)} GB stream`,
      ours: `+${growthMb.toFixed(1)} MB`,
      versus: "–",
      ratio: "–",
      target: "report",
      met: null,
      value: growthMb,
      better: "lower",
      note: `of which after the first 100 MB: +${((big.maxRss - big.maxRssFirst100Mb) / 1024 / 1024).toFixed(1)} MB ` +
        "(the rest is warm-up: JIT code, the runtime's pipe buffers, the GC sizing its young heap)",
    },
  ];
}
