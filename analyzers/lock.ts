import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LockInfo } from "../runtime/host/pyodide-dist.ts";
import { PackError } from "../runtime/host/errors.ts";
import { normalizeName } from "./requirements.ts";

export interface LockPackage {
  name: string;
  version: string;
  file_name: string;
  install_dir: "site" | "dynlib" | string;
  package_type: "package" | "shared_library" | "cpython_module" | string;
  sha256: string;
  depends: string[];
  imports: string[];
}

export interface Lock {
  /** Where the lock was read from, for messages. */
  source: string;
  info: LockInfo;
  /** Keyed by normalized name. */
  packages: Map<string, LockPackage>;
  /** Folder whose files the lock names, when they are local. */
  localDir?: string;
}

export function readLock(path: string, runtimePython: string): Lock {
  const raw = JSON.parse(readFileSync(path, "utf8")) as { info: LockInfo; packages: Record<string, LockPackage> };
  const minor = (v: string) => v.split(".").slice(0, 2).join(".");
  if (minor(raw.info.python) !== minor(runtimePython)) {
    throw new PackError("PYTHON_MISMATCH", { lock: path, lockPython: raw.info.python, runtimePython });
  }
  const packages = new Map<string, LockPackage>();
  for (const [key, pkg] of Object.entries(raw.packages)) packages.set(normalizeName(key), pkg);
  return { source: path, info: raw.info, packages, localDir: dirname(path) };
}

/** The local file of a lock entry, when it is there. */
export function localLockFile(lock: Lock, pkg: LockPackage): string | undefined {
  if (!lock.localDir) return undefined;
  const file = join(lock.localDir, pkg.file_name);
  return existsSync(file) ? file : undefined;
}
