// Types of scripts/app-server-types.mjs, for the test that imports it.

/** The repository root. */
export declare const ROOT: string;
/** Where the vendored types live. */
export declare const PROTOCOL_DIR: string;
/** The generated types the SDK names. */
export declare const ROOTS: readonly string[];
/** A generate run in a temp directory. */
export interface Generated {
  /** The directory (`ts/`, `schema/`). */
  dir: string;
  /** `codex --version` of the binary. */
  version: string;
  /** Removes the directory. */
  dispose(): void;
}
/** The pinned CLI binary. */
export declare function codexBinary(): string;
/** Generates the whole protocol into a temp directory. */
export declare function generate(bin?: string): Generated;
/** The vendored files: path → content. */
export declare function vendorFiles(generated: Generated): Map<string, string>;
/** Differences between vendored files and a directory. */
export declare function diffVendored(files: Map<string, string>, dir?: string): string[];
/** Writes the vendored files. */
export declare function writeVendored(files: Map<string, string>, dir?: string): void;
