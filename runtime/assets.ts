import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root, found from this file in the source tree and in dist/ alike. */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "pyodide-packer") {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error("pyodide-packer: cannot find the package root");
  }
}

/** Folder of the files that run inside Pyodide's host (browser page, worker) as they are. */
export const ASSETS_DIR = join(packageRoot(), "runtime", "assets");

export function assetPath(name: string): string {
  return join(ASSETS_DIR, name);
}

export function readAsset(name: string): string {
  return readFileSync(assetPath(name), "utf8");
}
