// A minimal OTLP/HTTP sink for the load benchmark, run as its own process so that it does not
// share the event loop with the exporter being measured. Counts spans by their "traceId" keys
// (the workload has no links) and answers {} at once. Prints its port, then counts on SIGTERM.
import { createServer } from "node:http";

let spans = 0;
let requests = 0;
let bytes = 0;
const NEEDLE = Buffer.from('"traceId"');
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    bytes += body.length;
    requests++;
    for (let i = body.indexOf(NEEDLE); i !== -1; i = body.indexOf(NEEDLE, i + 9)) spans++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.on("data", () => console.log(JSON.stringify({ spans, requests, bytes })));
process.stdin.on("end", () => process.exit(0));
