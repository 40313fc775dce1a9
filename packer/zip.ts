import { unzipSync, zipSync, type Unzipped } from "fflate";
import { PackError } from "./errors.ts";

/** Fixed modification time for every entry we write: same inputs, same bytes. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * True when an archive entry name stays inside the folder it is unpacked into: no
 * absolute paths, drive letters, backslashes or ".." segments.
 */
export function isSafeEntryName(name: string): boolean {
  if (name === "" || name.startsWith("/") || name.includes("\\") || /^[a-zA-Z]:/.test(name)) return false;
  return name.split("/").every((part) => part !== ".." && part !== "." && !part.includes("\0"));
}

/** Every file of a zip (directories left out); path names the archive in errors. */
export function readZip(bytes: Uint8Array, path: string, filter?: (name: string) => boolean): Map<string, Uint8Array> {
  let files: Unzipped;
  try {
    files = unzipSync(bytes, filter ? { filter: (f) => filter(f.name) } : undefined);
  } catch (error) {
    throw new PackError("CORRUPT_ARCHIVE", { path, detail: (error as Error).message });
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    if (!isSafeEntryName(name.endsWith("/") ? name.slice(0, -1) : name)) {
      throw new PackError("UNSAFE_ARCHIVE_PATH", { path, entry: name });
    }
    if (!name.endsWith("/")) out.set(name, data);
  }
  return out;
}

/**
 * A zip of stored (uncompressed) entries in sorted order with fixed timestamps: the
 * transport's brotli then sees across files, and equal inputs give equal bytes.
 */
export function writeStoredZip(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const names = [...files.keys()].sort();
  const tree: Record<string, [Uint8Array, { level: 0; mtime: Date }]> = {};
  for (const name of names) tree[name] = [files.get(name)!, { level: 0, mtime: FIXED_MTIME }];
  return zipSync(tree, { level: 0, mtime: FIXED_MTIME });
}
