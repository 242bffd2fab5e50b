#!/usr/bin/env node
// The registry this project is built against serves only the linux-x64 builds of some platform
// packages (@deno/*, @cloudflare/workerd-*), so `npm install` leaves the other platforms'
// optional dependencies out of package-lock.json and `npm ci` then refuses the lock file
// ("Missing: @deno/darwin-arm64@ from lock file"). This adds those entries back as optional,
// platform-restricted packages: npm skips them on other platforms without fetching them, and a
// machine of that platform resolves them from its registry. Run after changing dependencies.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const added = [];
for (const info of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(info.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const os = /darwin/.test(name) ? "darwin" : /win/.test(name) ? "win32" : "linux";
    const cpu = /arm64|aarch64/.test(name) ? "arm64" : "x64";
    lock.packages[key] = { version, dev: info.dev, optional: true, os: [os], cpu: [cpu] };
    added.push(`${name}@${version}`);
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(added.length ? `added ${added.join(", ")}` : "lock file complete");
