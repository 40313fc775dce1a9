import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { APP_ROOT, type StagedInputs } from "../../analyzers/inputs.ts";
import { appRequirements, parseRequirement, parseRequires, type Requirement } from "../../analyzers/requirements.ts";
import { resolvePackages, type ResolvedPackage } from "../../analyzers/resolve.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { Host } from "../../runtime/host/host.ts";
import { findDist, type PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { listAppFolder, readAppFolder } from "./app-folder.ts";
import type { PackOptions } from "./pack-options.ts";
import { PAGE_MAIN, type PyScriptPage } from "./pyscript-page.ts";
import type { Settings } from "./settings.ts";
import { stageInputs } from "./stage.ts";

/** Where packages come from: the app's requirements and what it installs while it runs. */
export interface PackageSources {
  findLinks: string[];
  lock?: string;
  indexURL?: string;
  cacheDir: string;
}

/** The runtime, the packages the app needs and every file pack works on, staged. */
export interface ResolvedApp {
  dist: PyodideDist;
  sources: PackageSources;
  /** Dependencies first; what the app installs while it runs joins them (trace-run.ts). */
  packages: ResolvedPackage[];
  inputs: StagedInputs;
  /** The files the trace serves at the page's base URL, by path under it. */
  site: Map<string, Uint8Array>;
}

/**
 * Finds the runtime, resolves the requirements (heard by resolved as soon as they are
 * known) and stages the stdlib, the packages and the app folder. Checks what only
 * Chromium can do before anything runs.
 */
export async function resolveApp(options: PackOptions, host: Host, s: Settings, resolved?: (dist: PyodideDist, packages: readonly ResolvedPackage[]) => void): Promise<ResolvedApp> {
  // A PyScript page runs the Pyodide its PyScript boots (314), or the one its config names.
  const dist = findDist(options.pyodide ?? s.pyscript?.pyodide, s.cwd);
  // Chromium starts (~0.5 s) while the packages are resolved and staged.
  host.start();
  s.step("resolve");
  const sources: PackageSources = {
    findLinks: (options.findLinks ?? []).map((d) => resolve(s.cwd, d)),
    lock: options.lock && resolve(s.cwd, options.lock),
    indexURL: options.indexURL,
    cacheDir: s.cacheDir,
  };
  // A PyScript page's config lists its packages; the bundle holds them, installed as the trace starts.
  const requirements = s.pyscript
    ? parseRequires([...(options.requires ?? []), ...s.pyscript.packages], s.pyscript.path)
    : withMicropip(appRequirements(dirname(s.app), options.requires ?? []), s.app);
  const packages = await resolvePackages(requirements, sources, dist);
  resolved?.(dist, packages);
  if (s.pageScenarios.length > 0 && host.name !== "chromium") {
    throw new PackError("USAGE", { detail: `--scenario ${s.pageScenarios[0]} drives a page, which only --runner chromium has` });
  }
  if (s.html && host.name !== "chromium") throw new PackError("USAGE", { detail: "--html loads a page, which only --runner chromium has" });
  // A PyScript page's Python reaches the file system only as PyScript puts it there (its
  // scripts fetched and run, its config's files fetched): the page's folder is its site,
  // and nothing of it is staged, as on a visit.
  const inputs = s.pyscript
    ? stageInputs(dist, packages, { dir: s.appDir, main: pageMain(s.pyscript), outDir: s.out, scenarios: s.scenarios, files: [] })
    : stageInputs(dist, packages, { dir: s.appDir, main: s.app, outDir: s.out, scenarios: s.scenarios, files: options.files });
  const assetsDir = options.assets ? resolve(s.cwd, options.assets) : s.pyscript ? s.appDir : undefined;
  const site = siteFiles(inputs, assetsDir, s.out);
  // PyScript from the project's @pyscript/core is served, and ships, as the page's own ./pyscript/.
  for (const [path, data] of s.pyscript?.pyscript ?? []) if (!site.has(path)) site.set(path, data);
  return { dist, sources, packages, inputs, site };
}

/**
 * A PyScript page has no main file: PyScript runs its scripts. The app's main is a file
 * pack writes beside the page, never run, holding the scripts' Python for the import graph.
 */
function pageMain(page: PyScriptPage): { path: string; data: Uint8Array } {
  const text = page.sources.map((s) => `# ${s.where}\n${s.code}`).join("\n");
  return { path: join(dirname(page.path), PAGE_MAIN), data: new TextEncoder().encode(text) };
}

/**
 * micropip is an ordinary package of the runtime's lock: an app that imports it (to
 * install others while it runs) needs it among its requirements, listed or not.
 */
function withMicropip(requirements: Requirement[], app: string): Requirement[] {
  if (requirements.some((r) => r.key === "micropip")) return requirements;
  const source = readFileSync(app, "utf8");
  return /^[ \t]*(?:import|from)[ \t]+micropip\b/m.test(source) ? [...requirements, parseRequirement("micropip", app)] : requirements;
}

/**
 * What the page's base URL serves: the --assets folder, staged within the same limits as
 * the app folder, or else the app folder itself, by path under the base ("data.csv").
 */
function siteFiles(inputs: StagedInputs, assetsDir: string | undefined, outDir: string): Map<string, Uint8Array> {
  if (assetsDir !== undefined) {
    if (!existsSync(assetsDir)) throw new PackError("ASSETS_NOT_FOUND", { path: assetsDir });
    return new Map([...readAppFolder(listAppFolder(assetsDir, outDir), "")].map(([path, data]) => [path.slice(1), data]));
  }
  const prefix = `${APP_ROOT}/`;
  return new Map([...inputs.app].map(([path, data]) => [path.slice(prefix.length), data]));
}
