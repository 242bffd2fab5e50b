/**
 * A small file-system seam for the runner (temp files for `--output-schema`, the staging
 * directory of attachments, finding the `codex` binary), over `node:fs/promises`, `node:os` and
 * `node:path` reached through `process.getBuiltinModule` (Node ≥ 22.3, Bun and Deno all have
 * them). On edge runtimes every call throws a clear `no_fs` error.
 * @module
 */
import { builtinModule } from "./builtin.ts";
import { CodexExecError } from "../base/errors.ts";

/** The file operations the runner needs. */
export interface FsSeam {
  /** Creates a unique temp directory under the OS temp dir; returns its path. */
  mkdtemp(prefix: string): Promise<string>;
  /** Writes a file. */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Reads a file as bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Removes a file or directory tree; missing is fine. */
  rm(path: string): Promise<void>;
  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** File info, or `undefined` when missing. */
  stat(
    path: string,
  ): Promise<{ isFile: boolean; isDirectory: boolean; size: number; mtimeMs: number } | undefined>;
  /** Directory entries' names (empty when missing). */
  readdir(path: string): Promise<string[]>;
  /** Renames (atomic within a file system). */
  rename(from: string, to: string): Promise<void>;
  /** Copies a file. */
  copyFile(from: string, to: string): Promise<void>;
  /** Joins path segments. */
  join(...parts: string[]): string;
  /** Directory part of a path. */
  dirname(path: string): string;
  /** Resolves to an absolute path. */
  resolve(...parts: string[]): string;
  /** The OS temp directory. */
  tmpdir(): string;
  /** Current working directory. */
  cwd(): string;
  /** PATH entry separator. */
  readonly delimiter: string;
  /** The platform name (`linux`, `darwin`, `win32`). */
  readonly platform: string;
  /** The CPU architecture (`x64`, `arm64`). */
  readonly arch: string;
}

interface NodeFsPromises {
  mkdtemp(prefix: string): Promise<string>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  rm(path: string, options: { recursive: boolean; force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  stat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean; size: number; mtimeMs: number }>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
}
interface NodePath {
  join(...parts: string[]): string;
  dirname(path: string): string;
  resolve(...parts: string[]): string;
  delimiter: string;
}
interface NodeOs {
  tmpdir(): string;
}
interface ProcessLike {
  cwd(): string;
  platform: string;
  arch: string;
}

let cached: FsSeam | undefined;

/**
 * The file-system seam of this runtime.
 *
 * @returns The seam.
 * @throws {CodexExecError} `no_fs` on runtimes without `node:fs` (edge).
 * @example
 * ```ts
 * import { fsSeam } from "./fs.ts";
 * const dir = await fsSeam().mkdtemp("example-");
 * await fsSeam().rm(dir);
 * ```
 */
export function fsSeam(): FsSeam {
  if (cached !== undefined) return cached;
  const proc = (globalThis as { process?: ProcessLike }).process;
  const fs = builtinModule<NodeFsPromises>("node:fs/promises");
  const path = builtinModule<NodePath>("node:path");
  const os = builtinModule<NodeOs>("node:os");
  if (proc === undefined || fs === undefined || path === undefined || os === undefined) {
    throw new CodexExecError(
      "no_fs",
      "this runtime has no file system (node:fs/promises): temp files, attachments and binary " +
        "lookup need Node, Bun or Deno",
    );
  }
  return cached = {
    mkdtemp: (prefix) => fs.mkdtemp(path.join(os.tmpdir(), prefix)),
    writeFile: (p, data) => fs.writeFile(p, data),
    readFile: async (p) => new Uint8Array(await fs.readFile(p)),
    rm: (p) => fs.rm(p, { recursive: true, force: true }),
    mkdir: async (p) => {
      await fs.mkdir(p, { recursive: true });
    },
    stat: async (p) => {
      try {
        const s = await fs.stat(p);
        return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs };
      } catch {
        return undefined;
      }
    },
    readdir: async (p) => {
      try {
        return await fs.readdir(p);
      } catch {
        return [];
      }
    },
    rename: (a, b) => fs.rename(a, b),
    copyFile: (a, b) => fs.copyFile(a, b),
    join: (...parts) => path.join(...parts),
    dirname: (p) => path.dirname(p),
    resolve: (...parts) => path.resolve(...parts),
    tmpdir: () => os.tmpdir(),
    cwd: () => proc.cwd(),
    delimiter: path.delimiter,
    platform: proc.platform,
    arch: proc.arch,
  };
}
