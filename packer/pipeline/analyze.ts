import type { StagedInputs } from "../../analyzers/inputs.ts";
import { buildGraph, ImportCache, moduleIndex, type ModuleFile, type ModuleGraph, type Reach } from "../../analyzers/module-graph.ts";
import { pythonParser } from "../../analyzers/parser.mjs";
import type { ResolvedPackage } from "../../analyzers/resolve.ts";
import { applyStaticAnalysis, type StaticFindings } from "../../analyzers/static-usage.ts";
import { traceUsage, type Usage } from "../../analyzers/trace-usage.ts";
import type { Host, TraceResult } from "../../runtime/host/host.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { runPythonTools } from "../../runtime/host/python-tools.ts";
import type { RunTimeInstall } from "../report/report.ts";
import type { PackOptions } from "./pack-options.ts";
import { resolveApp } from "./resolve-app.ts";
import { settings, type Settings } from "./settings.ts";
import { traceRun } from "./trace-run.ts";

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
 * Resolve and stage (resolve-app.ts), trace the main app, then the scenarios
 * (trace-run.ts), build the graph and apply the static witness. resolved hears the
 * runtime and the packages as soon as they are known.
 */
export async function analyzeApp(
  options: PackOptions,
  host: Host,
  s: Settings = settings(options),
  resolved?: (dist: PyodideDist, packages: readonly ResolvedPackage[]) => void,
): Promise<Analysis> {
  const app = await resolveApp(options, host, s, resolved);
  const { trace, installs } = await traceRun(app, options, host, s);
  s.step("analyze");
  const { dist, packages, inputs, site } = app;
  const graph = await moduleGraph(inputs, dist, s.cacheDir);
  const { usage, closure, findings } = applyStaticAnalysis(graph, trace, inputs, traceUsage(trace, inputs), {
    strategy: options.strategy ?? "trace",
    include: options.include ?? [],
    exclude: options.exclude ?? [],
  });
  return { dist, packages, inputs, trace, graph, usage, closure, findings, site, installs };
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

