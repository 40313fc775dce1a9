import { unzipSync, zipSync, type Unzipped } from "fflate";
import { crc32 } from "node:zlib";
import { PackError } from "./errors.ts";
import { zipDirectory, type ZipEntry } from "../shared/zip.mjs";

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

/** Limits on what one archive may unpack to: a wheel past them is refused as a zip bomb. */
export const ZIP_LIMITS = {
  /** Sum of the entries' uncompressed sizes. */
  totalBytes: 1024 * 1024 * 1024,
  /** Uncompressed/compressed ratio of one entry, checked on entries over ratioFloor bytes. */
  ratio: 200,
  ratioFloor: 1024 * 1024,
};

/**
 * Every file of a zip (directories left out); path names the archive in errors. Refuses
 * entries that would land outside their folder, symlinks, duplicate names and archives
 * over ZIP_LIMITS before inflating anything, and checks each entry's size and CRC-32.
 */
export function readZip(bytes: Uint8Array, path: string, filter?: (name: string) => boolean): Map<string, Uint8Array> {
  let entries: ZipEntry[];
  try {
    entries = zipDirectory(bytes);
  } catch (error) {
    throw new PackError("CORRUPT_ARCHIVE", { path, detail: (error as Error).message });
  }
  const seen = new Set<string>();
  let total = 0;
  for (const entry of entries) {
    const { name } = entry;
    if (!isSafeEntryName(name.endsWith("/") ? name.slice(0, -1) : name)) throw new PackError("UNSAFE_ARCHIVE_PATH", { path, entry: name });
    if (entry.symlink) throw new PackError("UNSAFE_ARCHIVE_ENTRY", { path, entry: name, what: "a symlink" });
    if (seen.has(name)) throw new PackError("UNSAFE_ARCHIVE_ENTRY", { path, entry: name, what: "a second entry named" });
    seen.add(name);
    total += entry.size;
    const ratio = entry.size / Math.max(entry.compressed, 1);
    if (total > ZIP_LIMITS.totalBytes || (entry.size > ZIP_LIMITS.ratioFloor && ratio > ZIP_LIMITS.ratio)) {
      throw new PackError("ARCHIVE_TOO_LARGE", { path, entry: name, size: entry.size, ratio: Math.round(ratio) });
    }
  }
  let files: Unzipped;
  try {
    files = unzipSync(bytes, filter ? { filter: (f) => filter(f.name) } : undefined);
  } catch (error) {
    throw new PackError("CORRUPT_ARCHIVE", { path, detail: (error as Error).message });
  }
  const declared = new Map(entries.map((e) => [e.name, e]));
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith("/")) continue;
    const entry = declared.get(name)!;
    if (data.length !== entry.size || crc32(data) !== entry.crc) {
      throw new PackError("CORRUPT_ARCHIVE", { path, detail: `entry ${name} fails its size or CRC-32 check` });
    }
    out.set(name, data);
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
