// Run as a script (argv[2] = fake CLI path): starts a run that never ends, prints the CLI's pid,
// and exits the host with process.exit while the run is in flight. Used by teardown.test.ts.
import { Codex } from "../../mod.ts";

const codex = new Codex({ codexPathOverride: process.argv[2] });
const { events } = await codex.startThread().runStreamed("x");
await events.next();
console.log(codex.activePids()[0]);
process.exit(0);
