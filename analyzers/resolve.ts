import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PyodideDist } from "../runtime/host/pyodide-dist.ts";
import { PackError } from "../runtime/host/errors.ts";
import { fetchToCache, verifySha256 } from "./fetch-cache.ts";
import { localLockFile, readLock, type Lock, type LockPackage } from "./lock.ts";
import { evaluateMarker, pyodideMarkerEnv } from "./markers.ts";
import { normalizeName, parseRequirement, type Requirement } from "./requirements.ts";
import { compareVersionStrings, satisfies } from "./versions.ts";
import { isCompatibleWheel, parseWheelName, wheelRequiresDist, type WheelName } from "./wheels.ts";

/** A package to install, with its archive on local disk. */
export interface ResolvedPackage {
  name: string;
  key: string;
  version: string;
  fileName: string;
  path: string;
  /** "site" → site-packages, "dynlib" → /usr/lib (Pyodide's shared_library packages). */
  installDir: "site" | "dynlib";
  /** Where it was found: a lock's path or a wheel folder. */
  origin: string;
  /** Normalized names of the packages it depends on. */
  depends: string[];
}

export interface PackageSources {
  /** Folders of wheels; one holding pyodide-lock.json also acts as a lock. */
  findLinks: string[];
  /** A lock to use instead of the runtime's own. */
  lock?: string;
  /** Base URL of the lock's files when they are not beside it (default: Pyodide's CDN). */
  indexURL?: string;
  cacheDir: string;
}

interface LooseWheel extends WheelName {
  path: string;
  dir: string;
}

type Candidate =
  | { kind: "lock"; lock: Lock; pkg: LockPackage }
  | { kind: "wheel"; wheel: LooseWheel };

export function defaultIndexURL(version: string): string {
  return `https://cdn.jsdelivr.net/pyodide/v${version}/full/`;
}

/**
 * Resolves requirements to packages in dependency order (dependencies first). Looks in
 * --find-links locks, then their loose wheels, then the runtime's (or --lock's) lock,
 * whose files come from the index URL through the cache when they are not local.
 */
export async function resolvePackages(
  requirements: readonly Requirement[],
  sources: PackageSources,
  dist: PyodideDist,
): Promise<ResolvedPackage[]> {
  const env = pyodideMarkerEnv(dist.pythonVersion);
  const linkLocks: Lock[] = [];
  const wheels: LooseWheel[] = [];
  for (const dir of sources.findLinks) {
    if (!existsSync(dir)) throw new PackError("USAGE", { detail: `--find-links folder not found: ${dir}` });
    const lockPath = join(dir, "pyodide-lock.json");
    if (existsSync(lockPath)) linkLocks.push(readLock(lockPath, dist.pythonVersion));
    for (const file of readdirSync(dir).sort()) {
      const parsed = parseWheelName(file);
      if (parsed && isCompatibleWheel(parsed, dist.lockInfo)) wheels.push({ ...parsed, path: join(dir, file), dir });
    }
  }
  const mainLock = readLock(resolve(sources.lock ?? dist.lockPath), dist.pythonVersion);
  const looked = [...sources.findLinks, mainLock.source].join(", ");

  /** Every source's offer for a name, in lookup order; the first that satisfies the specifier wins. */
  const find = (req: Requirement): Candidate => {
    const offers: { version: string; candidate: Candidate }[] = [];
    for (const lock of linkLocks) {
      const pkg = lock.packages.get(req.key);
      if (pkg) offers.push({ version: pkg.version, candidate: { kind: "lock", lock, pkg } });
    }
    wheels
      .filter((w) => w.key === req.key)
      .sort((a, b) => compareVersionStrings(b.version, a.version))
      .forEach((wheel) => offers.push({ version: wheel.version, candidate: { kind: "wheel", wheel } }));
    const pkg = mainLock.packages.get(req.key);
    if (pkg) offers.push({ version: pkg.version, candidate: { kind: "lock", lock: mainLock, pkg } });
    const match = offers.find((o) => satisfies(o.version, req.specifier));
    if (match) return match.candidate;
    if (offers.length > 0) {
      throw new PackError("NO_MATCHING_VERSION", { requirement: req.text, found: offers.map((o) => o.version).join(", ") });
    }
    throw new PackError("UNKNOWN_PACKAGE", { name: req.name, looked });
  };

  const resolved = new Map<string, ResolvedPackage>();
  const visiting = new Set<string>();
  const order: ResolvedPackage[] = [];

  const visit = async (req: Requirement): Promise<void> => {
    if (resolved.has(req.key) || visiting.has(req.key)) return;
    visiting.add(req.key);
    const candidate = find(req);
    const pkg = await materialize(candidate, req, env, sources, dist);
    for (const dep of pkg.depends) await visit(parseRequirement(dep, pkg.origin));
    pkg.depends = pkg.depends.map((d) => parseRequirement(d, pkg.origin).key);
    resolved.set(req.key, pkg);
    order.push(pkg);
  };
  for (const req of requirements) {
    if (req.marker && !evaluateMarker(req.marker, env)) continue;
    await visit(req);
  }
  return order;
}

async function materialize(
  candidate: Candidate,
  req: Requirement,
  env: Record<string, string>,
  sources: PackageSources,
  dist: PyodideDist,
): Promise<ResolvedPackage> {
  if (candidate.kind === "wheel") {
    const { wheel } = candidate;
    const depends = wheelRequiresDist(wheel.path)
      .map((line) => parseRequirement(line, wheel.path))
      .filter((dep) => {
        if (!dep.marker) return true;
        if (!/\bextra\b/.test(dep.marker)) return evaluateMarker(dep.marker, env);
        return req.extras.some((extra) => evaluateMarker(dep.marker!, { ...env, extra }));
      })
      .map((dep) => dep.text.split(";")[0]!.trim());
    return {
      name: wheel.name,
      key: wheel.key,
      version: wheel.version,
      fileName: wheel.path.slice(wheel.dir.length + 1),
      path: wheel.path,
      installDir: "site",
      origin: wheel.dir,
      depends,
    };
  }
  const { lock, pkg } = candidate;
  let path = localLockFile(lock, pkg);
  if (path) verifySha256(path, pkg.sha256);
  else path = await fetchToCache(sources.indexURL ?? defaultIndexURL(dist.version), pkg.file_name, pkg.sha256, sources.cacheDir);
  return {
    name: pkg.name,
    key: normalizeName(pkg.name),
    version: pkg.version,
    fileName: pkg.file_name,
    path,
    installDir: pkg.install_dir === "dynlib" ? "dynlib" : "site",
    origin: lock.source,
    depends: [...pkg.depends],
  };
}
