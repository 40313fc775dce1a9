import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { APP_ROOT, type StagedInputs } from "../../analyzers/inputs.ts";
import { readLock } from "../../analyzers/lock.ts";
import { buildGraph, ImportCache, moduleIndex, type ModuleFile, type ModuleGraph, type Reach } from "../../analyzers/module-graph.ts";
import { pythonParser } from "../../analyzers/parser.mjs";
import { appRequirements, parseRequirement, type Requirement } from "../../analyzers/requirements.ts";
import { resolvePackages, type ResolvedPackage } from "../../analyzers/resolve.ts";
import { applyStaticAnalysis, type StaticFindings } from "../../analyzers/static-usage.ts";
import { traceUsage, type Usage } from "../../analyzers/trace-usage.ts";
import { readAsset } from "../../runtime/host/assets.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { Host, TraceResult } from "../../runtime/host/host.ts";
import { findDist, type PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { runPythonTools } from "../../runtime/host/python-tools.ts";
import type { RunTimeInstall } from "../report/report.ts";
import { listAppFolder, readAppFolder } from "./app-folder.ts";
import type { PackOptions } from "./pack-options.ts";
import { appFailure, errorLine } from "./runs.ts";
import { onceMoreIfCrashed, settings, type Settings } from "./settings.ts";
import { stageInputs, stagePackages, writePackageArchives, writeStageArchives } from "./stage.ts";
import { writeFiles } from "../output/bundle.ts";

/** Everything known about the app before anything is written. */
export interface Analysis {
  dist: PyodideDist;
  packages: ResolvedPackage[];
  inputs: StagedInputs;
  trace: TraceResult;
  graph: ModuleGraph;
  usage: Usage;
  closure: Map<string, Reach>;
  findings: StaticFindings;
  /** The files the trace served at the page's base URL, by path under it. */
  site: Map<string, Uint8Array>;
  /** What the app installed while it ran. */
  installs: RunTimeInstall[];
}

/**
 * Resolve, stage, trace (main app, then scenarios), build the graph, apply the static
 * witness. resolved hears the runtime and the packages as soon as they are known.
 */
export async function analyzeApp(
  options: PackOptions,
  host: Host,
  s: Settings = settings(options),
  resolved?: (dist: PyodideDist, packages: readonly ResolvedPackage[]) => void,
): Promise<Analysis> {
  const dist = findDist(options.pyodide, s.cwd);
  // Chromium starts (~0.5 s) while the packages are resolved and staged.
  host.start();
  s.step("resolve");
  const sources = {
    findLinks: (options.findLinks ?? []).map((d) => resolve(s.cwd, d)),
    lock: options.lock && resolve(s.cwd, options.lock),
    indexURL: options.indexURL,
    cacheDir: s.cacheDir,
  };
  const requirements = withMicropip(appRequirements(dirname(s.app), options.requires ?? []), s.app);
  const packages = await resolvePackages(requirements, sources, dist);
  resolved?.(dist, packages);
  const { scenarios, pageScenarios } = s;
  if (pageScenarios.length > 0 && host.name !== "chromium") {
    throw new PackError("USAGE", { detail: `--scenario ${pageScenarios[0]} drives a page, which only --runner chromium has` });
  }
  if (s.html && host.name !== "chromium") throw new PackError("USAGE", { detail: "--html loads a page, which only --runner chromium has" });
  const inputs = stageInputs(dist, packages, { dir: s.appDir, main: s.app, outDir: s.out, scenarios, files: options.files });
  const site = siteFiles(inputs, options.assets && resolve(s.cwd, options.assets), s.out);
  const work = mkdtempSync(join(tmpdir(), "pyodide-packer-"));
  const installs: RunTimeInstall[] = [];
  let installFailure: unknown;
  /** What the app installs while it runs resolves from the same sources as its requirements, and joins them. */
  const install = async (asked: string[], via: string) => {
    try {
      // loadPackagesFromImports asks by module name: those the lock knows, by its package's name.
      const wanted = via === "loadPackagesFromImports" ? packagesForImports(asked, sources.lock ?? dist.lockPath, dist) : asked;
      if (wanted.length === 0) return [];
      const found = await resolvePackages(wanted.map((r) => parseRequirement(r, via)), sources, dist);
      const fresh = found.filter((p) => !packages.some((q) => q.key === p.key));
      packages.push(...fresh);
      const staged = stagePackages(dist, fresh);
      inputs.packages.push(...staged);
      installs.push({ requested: asked, via, packages: fresh.map((p) => p.name) });
      return writePackageArchives(staged, work, (p) => `run-time-${p.pkg.key}`);
    } catch (error) {
      installFailure ??= error;
      throw error;
    }
  };
  try {
    s.step("trace");
    const siteDir = join(work, "site");
    writeFiles(siteDir, site);
    const trace = await onceMoreIfCrashed(s, "trace", () => host.trace({
      site: siteDir,
      install,
      html: s.html,
      dist,
      archives: writeStageArchives(inputs, work),
      main: inputs.main,
      scenarios: inputs.scenarios,
      pageScenarios,
      tracerSource: readAsset("trace/tracer.py"),
      monitorSource: readAsset("trace/monitor.py"),
      lazyAsyncio: !options.eagerAsyncio,
      timeoutMs: s.timeoutMs,
    }));
    // An install the app asked for that pack could not resolve: its own error, not the app's.
    if (!trace.outcome.ok && installFailure instanceof PackError) throw installFailure;
    if (!trace.outcome.ok) throw appFailure(trace.outcome, trace.stderr);
    const failed = trace.scenarios.find((run) => !run.outcome.ok);
    if (failed?.outcome.errorType === "ScenarioError") throw new PackError("SCENARIO_FAILED", { detail: errorLine(failed.outcome.error ?? "") });
    if (failed) throw appFailure(failed.outcome);
    s.step("analyze");
    const graph = await moduleGraph(inputs, dist, s.cacheDir);
    const { usage, closure, findings } = applyStaticAnalysis(graph, trace, inputs, traceUsage(trace, inputs), {
      strategy: options.strategy ?? "trace",
      include: options.include ?? [],
      exclude: options.exclude ?? [],
    });
    return { dist, packages, inputs, trace, graph, usage, closure, findings, site, installs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The import graph of every module the inputs hold (cached by content across packs). */
export async function moduleGraph(inputs: StagedInputs, dist: PyodideDist, cacheDir: string): Promise<ModuleGraph> {
  const cache = new ImportCache(cacheDir);
  const readPyc = async (files: ModuleFile[]) => {
    const results = await runPythonTools(dist, files.map((f) => ({ op: "imports" as const, path: f.path, data: f.data })), cacheDir);
    return results.map((r) => (r.ok ? new TextDecoder().decode(r.data) : undefined));
  };
  const graph = await buildGraph(moduleIndex(inputs, dist.layout.sitePackages), await pythonParser(), cache, readPyc);
  cache.save();
  return graph;
}

/**
 * The lock's packages that provide these modules, as loadPackagesFromImports finds them:
 * a module no package of the lock provides (the stdlib's, the app's own) asks for none.
 */
function packagesForImports(modules: readonly string[], lockPath: string, dist: PyodideDist): string[] {
  const lock = readLock(lockPath, dist.pythonVersion);
  const tops = new Set(modules.map((m) => m.split(".")[0]!));
  return [...lock.packages.values()].filter((p) => p.imports.some((i) => tops.has(i))).map((p) => p.name);
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
