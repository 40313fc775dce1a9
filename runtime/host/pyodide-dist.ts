import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isSupportedVersion, unsupportedVersionMessage } from "../shared/pyodide-adapter.mjs";
import { PackError } from "./errors.ts";

/** An installed Pyodide runtime: the npm package's folder and what it says of itself. */
export interface PyodideDist {
  dir: string;
  version: string;
  /** "3.13.2" */
  pythonVersion: string;
  /** The lock's `info` block: loadPyodide checks its ABI against the runtime's. */
  lockInfo: LockInfo;
  lockPath: string;
  stdlibZip: string;
  /** Files a page downloads to start the runtime, relative to dir. */
  runtimeFiles: string[];
  /** Where its Python keeps things in the file system (site-packages, the stdlib zip). */
  layout: PythonLayout;
}

export interface PythonLayout {
  /** "/lib/python3.13/site-packages" */
  sitePackages: string;
  /** Where the stdlib zip is mounted: "/lib/python313.zip". */
  stdlibZip: string;
  /** Where the lock's shared libraries go: "/usr/lib". */
  dsoDir: string;
}

export interface LockInfo {
  abi_version?: string;
  arch?: string;
  platform?: string;
  python: string;
  version?: string;
}

/** Site-packages and the stdlib zip's mount point for a Python version ("3.13.2"). */
export function pythonLayout(pythonVersion: string): PythonLayout {
  const [major, minor] = pythonVersion.split(".");
  return {
    sitePackages: `/lib/python${major}.${minor}/site-packages`,
    stdlibZip: `/lib/python${major}${minor}.zip`,
    dsoDir: "/usr/lib",
  };
}

export function readDist(dir: string): PyodideDist {
  const pkgPath = join(dir, "package.json");
  const mjs = join(dir, "pyodide.mjs");
  if (!existsSync(mjs)) throw new PackError("PYODIDE_NOT_FOUND", { spec: dir, looked: dir });
  const version = existsSync(pkgPath)
    ? (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version
    : versionFromScript(mjs);
  if (!isSupportedVersion(version)) {
    throw new PackError("UNSUPPORTED_PYODIDE", { detail: unsupportedVersionMessage(version) });
  }
  const lockPath = join(dir, "pyodide-lock.json");
  const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { info: LockInfo };
  const runtimeFiles = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.mjs", "pyodide.asm.wasm"].filter((f) =>
    existsSync(join(dir, f)),
  );
  return {
    dir,
    version,
    pythonVersion: lock.info.python,
    lockInfo: lock.info,
    lockPath,
    stdlibZip: join(dir, "python_stdlib.zip"),
    runtimeFiles,
    layout: pythonLayout(lock.info.python),
  };
}

function versionFromScript(mjs: string): string {
  const match = /version\s*[:=]\s*"(\d+\.\d+\.\d+[^"]*)"/.exec(readFileSync(mjs, "utf8"));
  return match?.[1] ?? "unknown";
}

/** Folders to search for installed `pyodide` packages (and npm aliases of it). */
function nodeModulesDirs(cwd: string): string[] {
  const dirs: string[] = [];
  const add = (start: string) => {
    for (let d = resolve(start); ; d = dirname(d)) {
      const nm = join(d, "node_modules");
      if (existsSync(nm) && !dirs.includes(nm)) dirs.push(nm);
      if (dirname(d) === d) break;
    }
  };
  add(cwd);
  add(dirname(fileURLToPath(import.meta.url)));
  return dirs;
}

function installedPyodides(nodeModules: string): { dir: string; version: string; alias: string }[] {
  const found: { dir: string; version: string; alias: string }[] = [];
  for (const name of readdirSync(nodeModules)) {
    const dir = join(nodeModules, name);
    const pkg = join(dir, "package.json");
    if (!name.startsWith("pyodide") || !existsSync(pkg)) continue;
    const meta = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
    if (meta.name === "pyodide" && meta.version) found.push({ dir, version: meta.version, alias: name });
  }
  return found;
}

/**
 * `--pyodide` takes a folder holding pyodide.mjs, or a version ("0.29.3", "314") of an
 * installed `pyodide` npm package or alias; without it, the `pyodide` package the app's
 * project (else this tool) resolves.
 */
export function findDist(spec: string | undefined, cwd: string): PyodideDist {
  if (spec && (spec.includes("/") || spec.startsWith("."))) return readDist(resolve(cwd, spec));
  const searched = nodeModulesDirs(cwd);
  for (const nm of searched) {
    const candidates = installedPyodides(nm);
    const pick = spec
      ? candidates.find((c) => c.version === spec) ?? candidates.find((c) => c.version.startsWith(spec + "."))
      : candidates.find((c) => c.alias === "pyodide");
    if (pick) return readDist(pick.dir);
  }
  throw new PackError("PYODIDE_NOT_FOUND", { spec: spec ?? "pyodide", looked: searched.join(", ") });
}
