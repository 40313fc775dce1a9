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

/**
 * The loader a bundle ships: runtime/assets/loader.mjs and its modules as one minified
 * file, built by runtime/build-loader.mjs (the package build, the test setup).
 */
export function loaderBundle(): Uint8Array {
  const path = join(PACKAGE.root, "dist", "assets", "loader.mjs");
  if (!existsSync(path)) throw new Error(`pyodide-packer: ${path} is missing; build the package (npm run build)`);
  return readFileSync(path);
}

export function assetPath(name: string): string {
  return join(ASSETS_DIR, name);
}

export function readAsset(name: string): string {
  return readFileSync(assetPath(name), "utf8");
}
