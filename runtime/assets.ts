import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root and version, found from this file in the source tree and in dist/ alike. */
function findPackage(): { root: string; version: string } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    const pkg = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { name?: string; version: string }) : undefined;
    if (pkg?.name === "pyodide-packer") return { root: dir, version: pkg.version };
    if (dirname(dir) === dir) throw new Error("pyodide-packer: cannot find the package root");
  }
}

const PACKAGE = findPackage();

/** This package's version, as its package.json gives it. */
export const PACKAGE_VERSION = PACKAGE.version;

/** Folder of the files that run inside Pyodide's host (browser page, worker) as they are. */
export const ASSETS_DIR = join(PACKAGE.root, "runtime", "assets");

export function assetPath(name: string): string {
  return join(ASSETS_DIR, name);
}

export function readAsset(name: string): string {
  return readFileSync(assetPath(name), "utf8");
}
