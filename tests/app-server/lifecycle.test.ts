// The app-server process's lifecycle on the host: started lazily, one per Codex instance, and an
// idle server does not keep the host alive (Node, Deno), so a script that forgets close() exits
// and takes the server with it. Bun cannot let go of a child whose pipe is being read, so there
// close() (or `await using`) is required: that is documented, and checked here as a fact.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Codex, detectSpawner } from "../../mod.ts";
import { alive, waitUntil } from "../support/fake-cli.ts";
import { disposeFakeAppServers, fakeAppServer, fakeTurn } from "../support/app-server.ts";

after(() => disposeFakeAppServers());
const g = globalThis as { Deno?: { execPath(): string }; Bun?: unknown };
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

describe(`app-server lifecycle (${runtime})`, () => {
  it("nothing starts before the first run; one server serves the instance; close() ends it", async () => {
    const codex = new Codex({ codexPathOverride: fakeAppServer(), transport: "app-server" });
    const thread = codex.startThread();
    assert.deepEqual(codex.activePids(), []);
    const a = await thread.run(fakeTurn("message"));
    const b = await codex.startThread().run(fakeTurn("message"));
    assert.equal(a.pid, b.pid);
    await codex.close();
    assert.equal(alive(a.pid!), false);
    await codex.close(); // idempotent
    const c = await thread.run(fakeTurn("message"));
    assert.notEqual(c.pid, a.pid, "a run after close() starts a new server");
    await codex[Symbol.asyncDispose]();
    assert.equal(alive(c.pid!), false);
  });

  it("a host that never calls close() still exits after its turn, and the server goes with it", async () => {
    const host = g.Deno ? [g.Deno.execPath(), "run", "-A", "--quiet"] : [process.execPath];
    const probe = join(import.meta.dirname ?? ".", "../support/app-server-exit-probe.ts");
    const child = await detectSpawner().spawn(host[0], [...host.slice(1), probe, fakeAppServer()], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
    });
    const reader = child.stdout.getReader();
    const first = await reader.read();
    reader.releaseLock();
    const pid = Number(new TextDecoder().decode(first.value).trim());
    assert.ok(pid > 0, child.stderrTail());
    const exited = await waitUntil(() => child.hasExited, runtime === "bun" ? 1000 : 5000);
    if (runtime === "bun") {
      // Bun: a pending pipe read holds the loop whatever unref() says (measured), so the host
      // waits for close(). Ending it here must still take the server with it.
      assert.equal(exited, false, "Bun let go of the idle server: drop this branch");
      child.kill("SIGTERM");
      await child.exited;
    } else {
      assert.ok(exited, "the host did not exit with an idle app-server");
      assert.equal((await child.exited).code, 0, child.stderrTail());
    }
    assert.ok(await waitUntil(() => !alive(pid), 3000), "the app-server outlived its host");
  });
});
