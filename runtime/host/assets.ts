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

/**
 * runtime/: its rooms page/ (what ships to the page), trace/ (what runs in the trace
 * page), worker/ (what runs in pack's Node workers) and shared/ (what they all import)
 * hold files that run as they are: read, served or started from here.
 */
export const RUNTIME_DIR = join(PACKAGE.root, "runtime");

/** The rooms of runtime/ whose files run as they are, and ship in the package. */
export const AS_IS_ROOMS = ["page", "trace", "worker", "shared"] as const;

/** The report's page (report.html), filled in by packer/report/report-html.ts. */
export const REPORT_PAGE = join(PACKAGE.root, "packer", "report", "report.html");

/**
 * The loader a bundle ships: runtime/page/loader.mjs and its modules as one minified
 * file, built by runtime/host/build-loader.mjs (the package build, the test setup).
 */
export function loaderBundle(): Uint8Array {
  const path = join(PACKAGE.root, "dist", "assets", "loader.mjs");
  if (!existsSync(path)) throw new Error(`pyodide-packer: ${path} is missing; build the package (npm run build)`);
  return readFileSync(path);
}

/** A file of runtime/ by its path there ("trace/tracer.py"). */
export function assetPath(name: string): string {
  return join(RUNTIME_DIR, name);
}

export function readAsset(name: string): string {
  return readFileSync(assetPath(name), "utf8");
}
