import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLock } from "../../analyzers/lock.ts";
import { parseRequirement } from "../../analyzers/requirements.ts";
import { resolvePackages } from "../../analyzers/resolve.ts";
import { readAsset } from "../../runtime/host/assets.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { Host, TraceResult } from "../../runtime/host/host.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { writeFiles } from "../output/bundle.ts";
import type { RunTimeInstall } from "../report/report.ts";
import type { PackOptions } from "./pack-options.ts";
import type { ResolvedApp } from "./resolve-app.ts";
import { appFailure, errorLine } from "./runs.ts";
import { profiledRuntime } from "./runtime-split.ts";
import { crashWarning, pageOf, type Settings } from "./settings.ts";
import { stagePackages, writePackageArchives, writeStageArchives } from "./stage.ts";

/** One traced run of the app and its scenarios, and what it installed as it ran. */
export interface TracedRun {
  trace: TraceResult;
  /** What the app installed while it ran: those packages joined the app's packages and inputs. */
  installs: RunTimeInstall[];
}

/**
 * Runs the app (then its scenarios) in the host, traced. What the app installs while it
 * runs resolves from the app's own sources and joins app.packages and app.inputs. An app
 * or scenario that fails stops the pack with its one line.
 */
export async function traceRun(app: ResolvedApp, options: PackOptions, host: Host, s: Settings): Promise<TracedRun> {
  const { dist, sources, packages, inputs, site } = app;
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
    const trace = await host.trace({
      site: siteDir,
      install,
      html: pagePath(s, work),
      dist,
      archives: writeStageArchives(inputs, work),
      main: inputs.main,
      scenarios: inputs.scenarios,
      pageScenarios: s.pageScenarios,
      tracerSource: readAsset("trace/tracer.py"),
      monitorSource: readAsset("trace/monitor.py"),
      lazyAsyncio: !options.eagerAsyncio,
      timeoutMs: s.timeoutMs,
      // What of the runtime's wasm ran, for its split.
      profile: options.splitRuntime !== false ? profiledRuntime(dist, s.cacheDir) : undefined,
      onCrash: crashWarning(s, "trace"),
    });
    // An install the app asked for that pack could not resolve: its own error, not the app's.
    if (!trace.outcome.ok && installFailure instanceof PackError) throw installFailure;
    if (!trace.outcome.ok) throw appFailure(trace.outcome, trace.stderr);
    const failed = trace.scenarios.find((run) => !run.outcome.ok);
    if (failed?.outcome.errorType === "ScenarioError") throw new PackError("SCENARIO_FAILED", { detail: errorLine(failed.outcome.error ?? "") });
    if (failed) throw appFailure(failed.outcome);
    return { trace, installs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The lock's packages that provide these modules, as loadPackagesFromImports finds them:
 * a module no package of the lock provides (the stdlib's, the app's own) asks for none.
 */
/** The page the trace loads, as a file: --html's, or a PyScript page as pack rewrote it, written into work. */
function pagePath(s: Settings, work: string): string | undefined {
  const page = pageOf(s);
  if (!page || "file" in page) return page?.file;
  const path = join(work, "page.html");
  writeFileSync(path, page.text);
  return path;
}

function packagesForImports(modules: readonly string[], lockPath: string, dist: PyodideDist): string[] {
  const lock = readLock(lockPath, dist.pythonVersion);
  const tops = new Set(modules.map((m) => m.split(".")[0]!));
  return [...lock.packages.values()].filter((p) => p.imports.some((i) => tops.has(i))).map((p) => p.name);
}
