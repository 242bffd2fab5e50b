// Run with Node as a script: hides process.getBuiltinModule the way an edge runtime lacks it, then
// reports what the runner does. Used by tests/runner/edge.test.ts.
const proc = (globalThis as { process?: { getBuiltinModule?: unknown } }).process;
if (proc !== undefined) proc.getBuiltinModule = undefined;
const mod = await import("../../mod.ts");
const { runtimeName } = await import("../../src/runtime/detect.ts");
const out: Record<string, unknown> = { runtime: runtimeName() };
try {
  mod.detectSpawner();
} catch (e) {
  out.detect = (e as { code?: string }).code;
  out.message = (e as Error).message;
}
try {
  await new mod.Codex({ codexPathOverride: "/bin/true" }).startThread().run("x");
} catch (e) {
  out.run = (e as { code?: string }).code;
}
try {
  await new mod.Files().stage(new Uint8Array([1]));
} catch (e) {
  out.files = (e as { code?: string }).code;
}
console.log(JSON.stringify(out));
