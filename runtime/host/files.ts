import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const fingerprints = new Map<string, string>();

/** sha256 of a file's bytes, hashed once per path, size and mtime. */
export function fingerprint(file: string): string {
  const { size, mtimeMs } = statSync(file);
  const key = `${file}\0${size}\0${mtimeMs}`;
  let hash = fingerprints.get(key);
  if (hash === undefined) {
    hash = sha256(readFileSync(file));
    fingerprints.set(key, hash);
  }
  return hash;
}

/**
 * Writes a cache file whole or not at all: other packs (parallel test files, CI jobs)
 * read the same cache and must never see half a file.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}
