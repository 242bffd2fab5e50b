// Run as a script (argv[2] = fake CLI path, argv[3] = "exit" | "wait" | "handle"): starts a run
// that never ends and prints the CLI's pid; then exits with process.exit ("exit", the default),
// waits for a signal ("wait"), or waits with its own SIGTERM handler that exits with code 3
// ("handle"). Used by teardown.test.ts.
import { Codex } from "../../mod.ts";

if (process.argv[3] === "handle") process.on("SIGTERM", () => process.exit(3));

const codex = new Codex({ codexPathOverride: process.argv[2] });
const { events } = await codex.startThread().runStreamed("x");
await events.next();
console.log(codex.activePids()[0]);
if (process.argv[3] === "wait" || process.argv[3] === "handle") setInterval(() => {}, 1000);
else process.exit(0);
