// Run as a script (argv[2] = app-server executable): runs one app-server turn, prints the
// server's pid and returns without codex.close(). The host should still exit (the idle server no
// longer holds its event loop), and the exit guard should end the server. Used by lifecycle.test.ts.
import { Codex } from "../../mod.ts";

const codex = new Codex({ codexPathOverride: process.argv[2], transport: "app-server" });
const result = await codex.startThread().run(JSON.stringify({ steps: ["message"] }));
console.log(result.pid);
