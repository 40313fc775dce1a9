import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PackError } from "../runtime/host/errors.ts";
import { sha256, writeFileAtomic } from "../runtime/host/files.ts";

export function defaultCacheDir(): string {
  return process.env.PYODIDE_PACKER_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pyodide-packer");
}

/** Throws CHECKSUM_MISMATCH unless the file's sha256 is the expected one. */
export function verifySha256(file: string, expected: string): void {
  const actual = sha256(readFileSync(file));
  if (actual !== expected.toLowerCase()) throw new PackError("CHECKSUM_MISMATCH", { file, expected, actual });
}

/**
 * A lock file from `baseURL`, kept in `cacheDir/sha256/fileName` once its sha256 is
 * checked; later packs read it from there without the network.
 */
export async function fetchToCache(baseURL: string, fileName: string, expectedSha: string, cacheDir: string): Promise<string> {
  const dir = join(cacheDir, "packages", expectedSha.toLowerCase());
  const file = join(dir, fileName);
  if (existsSync(file)) {
    verifySha256(file, expectedSha);
    return file;
  }
  const url = new URL(fileName, baseURL.endsWith("/") ? baseURL : baseURL + "/").href;
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new PackError("DOWNLOAD_FAILED", { url, detail: (error as Error).message });
  }
  const actual = sha256(bytes);
  if (actual !== expectedSha.toLowerCase()) {
    throw new PackError("CHECKSUM_MISMATCH", { file: url, expected: expectedSha, actual });
  }
  writeFileAtomic(file, bytes);
  return file;
}
