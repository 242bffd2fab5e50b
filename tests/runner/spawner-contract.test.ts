import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { detectSpawner } from "../../mod.ts";
import type { Spawner } from "../../mod.ts";
import { nodeSpawner } from "../../src/runtime/node/mod.ts";
import { alive, waitUntil } from "../support/fake-cli.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(c);
    size += c.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

const text = async (s: ReadableStream<Uint8Array>): Promise<string> =>
  new TextDecoder().decode(await readAll(s));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

function spawnerContract(label: string, make: () => Spawner): void {
  describe(`spawner contract: ${label}`, () => {
    it("reports the pid, the stdout bytes and exit code 0", async () => {
      const p = await make().spawn("sh", ["-c", "printf 'héllo\\nworld'"], { env });
      assert.ok(p.pid > 0);
      assert.equal(await text(p.stdout), "héllo\nworld");
      assert.deepEqual(await p.exited, { code: 0, signal: null });
      assert.equal(p.hasExited, true);
    });

    it("reports a non-zero exit code", async () => {
      const p = await make().spawn("sh", ["-c", "exit 3"], { env });
      await text(p.stdout);
      assert.deepEqual(await p.exited, { code: 3, signal: null });
    });

    it("reports the signal that ended the process, with a null code", async () => {
      const p = await make().spawn("sh", ["-c", "kill -TERM $$"], { env });
      await text(p.stdout);
      assert.deepEqual(await p.exited, { code: null, signal: "SIGTERM" });
    });

    it("kill() ends a running process with the given signal", async () => {
      const p = await make().spawn("sleep", ["10"], { env });
      assert.equal(p.kill("SIGKILL"), true);
      assert.deepEqual(await p.exited, { code: null, signal: "SIGKILL" });
      await text(p.stdout);
      assert.equal(p.kill("SIGKILL"), false);
    });

    it("writes stdin and then closes it", async () => {
      const p = await make().spawn("cat", [], { env, stdin: "prompt ✓\nline 2" });
      assert.equal(await text(p.stdout), "prompt ✓\nline 2");
      assert.deepEqual(await p.exited, { code: 0, signal: null });
    });

    it("keeps stdin open with openStdin: each write reaches the child at once, close() ends its input", async () => {
      const p = await make().spawn("cat", [], { env, openStdin: true });
      assert.ok(p.stdin !== undefined);
      const reader = p.stdout.getReader();
      const decoder = new TextDecoder();
      const readUntil = async (want: string): Promise<string> => {
        let out = "";
        while (!out.includes(want)) {
          const { value, done } = await reader.read();
          if (done) break;
          out += decoder.decode(value, { stream: true });
        }
        return out;
      };
      // A request and its answer, twice: the first write must not wait for the second.
      await p.stdin.write('{"id":1}\n');
      assert.equal(await readUntil("\n"), '{"id":1}\n');
      await p.stdin.write(new TextEncoder().encode("línea ✓\n"));
      assert.equal(await readUntil("\n"), "línea ✓\n");
      await p.stdin.close();
      assert.equal(p.stdin.closed, true);
      assert.equal((await reader.read()).done, true);
      assert.deepEqual(await p.exited, { code: 0, signal: null });
      await assert.rejects(p.stdin.write("late\n"), (error: { code?: string }) => error.code === "EPIPE");
    });

    it("rejects a write to the open stdin of a child that is gone, without crashing the host", async () => {
      const p = await make().spawn("sh", ["-c", "exit 0"], { env, openStdin: true });
      await p.exited;
      await text(p.stdout);
      let failures = 0;
      // The first write may still land in the pipe buffer; writing on must fail.
      for (let i = 0; i < 50 && failures === 0; i++) {
        await p.stdin!.write("x".repeat(65536)).catch(() => failures++);
      }
      assert.ok(failures > 0, "writes to a dead child kept succeeding");
      await p.stdin!.close();
    });

    it("closes stdin at once when no input is given", async () => {
      const p = await make().spawn("cat", [], { env });
      assert.equal(await text(p.stdout), "");
      assert.equal((await p.exited).code, 0);
    });

    it("keeps only a bounded tail of stderr", async () => {
      const p = await make().spawn(
        "sh",
        ["-c", "head -c 300000 /dev/zero | tr '\\000' a >&2; printf END >&2"],
        { env, stderrTailBytes: 1000 },
      );
      await text(p.stdout);
      await p.exited;
      await waitUntil(() => p.stderrTail().endsWith("END"), 2000);
      const tail = p.stderrTail();
      assert.ok(tail.length <= 1000, `tail has ${tail.length} chars`);
      assert.ok(tail.endsWith("aaaEND"));
    });

    it("observes an exit that happened before anyone awaited it", async () => {
      const p = await make().spawn("sh", ["-c", "exit 7"], { env });
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(await p.exited, { code: 7, signal: null });
      assert.equal(await text(p.stdout), "");
    });

    it("passes the environment as given, not merged with the parent's", async () => {
      const p = await make().spawn("sh", ["-c", 'printf \'%s|%s\' "$ONLY_THIS" "$HOME"'], {
        env: { ...env, ONLY_THIS: "yes" },
      });
      assert.equal(await text(p.stdout), "yes|");
      await p.exited;
    });

    it("runs in the given working directory", async () => {
      const p = await make().spawn("pwd", [], { env, cwd: "/tmp" });
      assert.equal((await text(p.stdout)).trim(), "/tmp");
      await p.exited;
    });

    it("streams several megabytes of stdout intact", async () => {
      const p = await make().spawn("sh", ["-c", "head -c 5000000 /dev/zero | tr '\\000' x"], { env });
      const bytes = await readAll(p.stdout);
      assert.equal(bytes.length, 5_000_000);
      assert.equal(bytes[4_999_999], 0x78);
      assert.equal((await p.exited).code, 0);
    });

    it("kills the whole process group when spawned with processGroup", async () => {
      const p = await make().spawn("sh", ["-c", "sleep 30 & echo $!; wait"], { env, processGroup: true });
      const reader = p.stdout.getReader();
      let out = "";
      while (!out.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const grandchild = Number(out.trim());
      assert.ok(alive(grandchild));
      p.kill("SIGTERM");
      assert.equal((await p.exited).signal, "SIGTERM");
      assert.ok(await waitUntil(() => !alive(grandchild)), "the grandchild outlived its group");
      await reader.cancel();
    });

    it("rejects with code ENOENT for a missing executable", async () => {
      await assert.rejects(
        make().spawn("/nonexistent/codex-binary", [], { env }),
        (error: { code?: string }) => error.code === "ENOENT",
      );
    });
  });
}

spawnerContract(`detected (${detectSpawner().name})`, detectSpawner);
if (detectSpawner().name !== "node") spawnerContract("node:child_process on this runtime", nodeSpawner);
