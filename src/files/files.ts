/**
 * Attachment staging (SPEC §8): copies files into `<stagingDir>/<sha256>/<name>`, de-duplicated
 * by checksum, with a TTL unless persistent, and telemetry for what was staged and cleaned.
 * Staged images go to the CLI as `--image` (pass `{ type: "local_image", path: staged.path }`).
 * @module
 */
import { fsSeam } from "../runtime/fs.ts";
import { emit } from "../telemetry/bus.ts";
import { Events } from "../telemetry/events.ts";

/** Options of {@link Files}. */
export interface FilesOptions {
  /** Where attachments are staged. @default `<os temp dir>/codex-sdk-attachments` */
  stagingDir?: string;
  /** Default time to live of non-persistent attachments. @default 86400000 (24 h) */
  ttlMs?: number;
  /** Wall clock in epoch ms (tests inject one). @default Date.now */
  now?: () => number;
}

/** Options of {@link Files.stage}. */
export interface StageOptions {
  /** File name in the staging directory (sanitized). @default the source's base name, or `attachment.bin` */
  name?: string;
  /** Keep it through {@link Files.forceCleanup}. @default false */
  persist?: boolean;
  /** Time to live. @default the Files' `ttlMs` */
  ttlMs?: number;
}

/** A staged attachment. */
export interface StagedFile {
  /** Absolute path of the staged copy. */
  path: string;
  /** Sanitized name. */
  name: string;
  /** SHA-256 of the content, hex. */
  checksum: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Whether it survives cleanup. */
  persist: boolean;
  /** Epoch ms after which cleanup removes it (`null` when persistent). */
  expiresAt: number | null;
  /** Whether the content is an image (PNG, JPEG, GIF, WebP, BMP): pass it as `local_image`. */
  isImage: boolean;
  /** Whether the same content was already staged under that name. */
  deduplicated: boolean;
}

/** Counts and bytes of one class of entries. */
export interface FilesBucket {
  /** Entries (checksum directories). */
  count: number;
  /** Bytes of their files. */
  bytes: number;
}

/** What {@link Files.metrics} returns. */
export interface FilesMetrics {
  /** Every entry. */
  total: FilesBucket;
  /** Persistent entries. */
  persistent: FilesBucket;
  /** Entries with a TTL. */
  expirable: FilesBucket;
  /** Entries whose TTL has passed (cleaned by the next {@link Files.forceCleanup}). */
  expired: FilesBucket;
}

interface EntryMeta {
  persist: boolean;
  expiresAt: number | null;
  names: string[];
  size: number;
}

const META = ".entry.json";
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Makes a file name safe: no directories, no `..`, no control or reserved characters, no
 * leading dot, at most 200 characters.
 *
 * @param name Any name.
 * @returns A safe base name (`attachment` when nothing is left).
 * @example
 * ```ts
 * import { sanitizeFileName } from "./files.ts";
 * sanitizeFileName("../../etc/passwd"); // "passwd"
 * ```
 */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[\\/]/).filter((p) => p !== "" && p !== "." && p !== "..").at(-1) ?? "";
  let safe = "";
  // Control characters and characters reserved on Windows become "_" (no control-char regex).
  for (const ch of base) {
    safe += ch.charCodeAt(0) < 32 || ch === "\u007f" || '<>:"|?*'.includes(ch) ? "_" : ch;
  }
  safe = safe.replace(/^[.\s]+/, "").trim();
  if (safe.length > 200) {
    const dot = safe.lastIndexOf(".");
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : "";
    safe = safe.slice(0, 200 - ext.length) + ext;
  }
  return safe === "" ? "attachment" : safe;
}

function isImageBytes(b: Uint8Array): boolean {
  const at = (i: number, ...v: number[]): boolean => v.every((x, j) => b[i + j] === x);
  return at(0, 0x89, 0x50, 0x4e, 0x47) || at(0, 0xff, 0xd8, 0xff) || at(0, 0x47, 0x49, 0x46, 0x38) ||
    (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) || at(0, 0x42, 0x4d);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Stages attachments for Codex runs.
 *
 * @example Stage an image and pass it to a run
 * ```ts
 * import { Codex, Files } from "../../mod.ts";
 * const files = new Files();
 * const staged = await files.stage("./screenshot.png", { ttlMs: 60_000 });
 * const thread = new Codex().startThread();
 * await thread.run([{ type: "text", text: "What is on it?" }, { type: "local_image", path: staged.path }]);
 * await files.forceCleanup();
 * ```
 */
export class Files {
  readonly #dir: string | undefined;
  readonly #ttlMs: number;
  readonly #now: () => number;

  /**
   * Creates a staging area (the directory is made on first use).
   *
   * @param options Staging directory, default TTL, clock.
   */
  constructor(options: FilesOptions = {}) {
    this.#dir = options.stagingDir;
    this.#ttlMs = options.ttlMs ?? 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The staging directory.
   *
   * @returns Its absolute path.
   * @throws {CodexExecError} `no_fs` on runtimes without a file system.
   */
  stagingDir(): string {
    const fs = fsSeam();
    return fs.resolve(this.#dir ?? fs.join(fs.tmpdir(), "codex-sdk-attachments"));
  }

  /**
   * Copies a file (or bytes) into `<stagingDir>/<sha256>/<name>`; the same content under the same
   * name is stored once (its TTL is extended, `persist` is kept if either asked for it).
   *
   * @param source A file path or the bytes.
   * @param options Name, persist, TTL.
   * @returns The staged file.
   * @throws {Error} When the source cannot be read.
   */
  async stage(source: string | Uint8Array, options: StageOptions = {}): Promise<StagedFile> {
    const fs = fsSeam();
    const bytes = typeof source === "string" ? await fs.readFile(source) : source;
    const name = sanitizeFileName(options.name ?? (typeof source === "string" ? source : "attachment.bin"));
    const checksum = await sha256Hex(bytes);
    const entryDir = fs.join(this.stagingDir(), checksum);
    const path = fs.join(entryDir, name);
    await fs.mkdir(entryDir);
    const meta = await this.#readMeta(entryDir);
    const persist = options.persist === true || meta?.persist === true;
    const ttl = options.ttlMs ?? this.#ttlMs;
    const expiresAt = persist ? null : Math.max(this.#now() + ttl, meta?.expiresAt ?? 0);
    const existing = await fs.stat(path);
    const deduplicated = existing?.isFile === true && existing.size === bytes.length;
    if (!deduplicated) {
      const tmp = fs.join(entryDir, `.${name}.${crypto.randomUUID()}.tmp`);
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, path);
    }
    const names = [...new Set([...(meta?.names ?? []), name])];
    await this.#writeMeta(entryDir, { persist, expiresAt, names, size: bytes.length });
    const staged: StagedFile = {
      path,
      name,
      checksum,
      sizeBytes: bytes.length,
      persist,
      expiresAt,
      isImage: isImageBytes(bytes),
      deduplicated,
    };
    emit(Events.attachmentStaged, { size_bytes: bytes.length }, {
      name,
      checksum,
      path,
      persist,
      deduplicated,
      is_image: staged.isImage,
    });
    return staged;
  }

  /**
   * Removes expired, non-persistent entries (and entries with no readable metadata that are
   * older than the default TTL).
   *
   * @returns How many entries and bytes were removed.
   */
  async forceCleanup(): Promise<FilesBucket> {
    const fs = fsSeam();
    const removed: FilesBucket = { count: 0, bytes: 0 };
    const now = this.#now();
    for (const entry of await this.#entries()) {
      if (entry.meta.persist || entry.meta.expiresAt === null || entry.meta.expiresAt > now) continue;
      await fs.rm(entry.dir);
      removed.count++;
      removed.bytes += entry.meta.size;
      emit(Events.attachmentCleaned, { size_bytes: entry.meta.size }, {
        name: entry.meta.names.join(","),
        checksum: entry.checksum,
        reason: "expired",
      });
    }
    return removed;
  }

  /**
   * Counts and bytes of staged entries: total, persistent, expirable and expired.
   *
   * @returns The metrics.
   */
  async metrics(): Promise<FilesMetrics> {
    const m: FilesMetrics = {
      total: { count: 0, bytes: 0 },
      persistent: { count: 0, bytes: 0 },
      expirable: { count: 0, bytes: 0 },
      expired: { count: 0, bytes: 0 },
    };
    const now = this.#now();
    const add = (b: FilesBucket, size: number): void => {
      b.count++;
      b.bytes += size;
    };
    for (const { meta } of await this.#entries()) {
      add(m.total, meta.size);
      if (meta.persist || meta.expiresAt === null) add(m.persistent, meta.size);
      else {
        add(m.expirable, meta.size);
        if (meta.expiresAt <= now) add(m.expired, meta.size);
      }
    }
    return m;
  }

  async #entries(): Promise<{ dir: string; checksum: string; meta: EntryMeta }[]> {
    const fs = fsSeam();
    const root = this.stagingDir();
    const out: { dir: string; checksum: string; meta: EntryMeta }[] = [];
    for (const checksum of await fs.readdir(root)) {
      if (!HEX64.test(checksum)) continue;
      const dir = fs.join(root, checksum);
      const meta = await this.#readMeta(dir) ??
        { persist: false, expiresAt: ((await fs.stat(dir))?.mtimeMs ?? 0) + this.#ttlMs, names: [], size: 0 };
      out.push({ dir, checksum, meta });
    }
    return out;
  }

  async #readMeta(dir: string): Promise<EntryMeta | undefined> {
    const fs = fsSeam();
    try {
      const text = new TextDecoder().decode(await fs.readFile(fs.join(dir, META)));
      const meta = JSON.parse(text) as EntryMeta;
      return typeof meta === "object" && meta !== null ? meta : undefined;
    } catch {
      return undefined;
    }
  }

  async #writeMeta(dir: string, meta: EntryMeta): Promise<void> {
    const fs = fsSeam();
    const tmp = fs.join(dir, `${META}.${crypto.randomUUID()}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(meta));
    await fs.rename(tmp, fs.join(dir, META));
  }
}
