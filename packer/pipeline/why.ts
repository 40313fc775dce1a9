import type { GraphNode } from "../../analyzers/module-graph.ts";
import { usedFiles } from "../../analyzers/static-usage.ts";
import { analyzeApp, type Analysis } from "./analyze.ts";
import type { PackOptions } from "./pack-options.ts";
import { createHost } from "./settings.ts";

function inBundle(analysis: Analysis, node: GraphNode): boolean {
  return usedFiles(analysis.usage, node.file.input).has(node.file.key);
}

/** The import chain that brought a module into the static closure, from a traced module. */
function chain(analysis: Analysis, module: string): string[] {
  const hops: string[] = [];
  for (let current = module, reach = analysis.closure.get(current); reach; current = reach.from, reach = analysis.closure.get(current)) {
    const from = analysis.graph.nodes.get(reach.from)!.file.path;
    hops.unshift(`  ${reach.from} (${from}:${reach.line}) imports ${current}`);
  }
  return hops;
}

/**
 * Why a module is in the bundle (traced, which scenario, static chain, --include) or why
 * not; and, when the traced run read its docstrings, that it keeps them.
 */
export function explainModule(analysis: Analysis, module: string, options: Pick<PackOptions, "strategy">): string {
  const why = whyInBundle(analysis, module, options);
  const file = analysis.graph.nodes.get(module)?.file.path;
  const reader = file === undefined ? undefined : analysis.usage.docsRead.get(file);
  return reader === undefined ? why : `${why}\nIts docstrings stay: the traced run read them (${reader}).`;
}

function whyInBundle(analysis: Analysis, module: string, options: Pick<PackOptions, "strategy">): string {
  const node = analysis.graph.nodes.get(module);
  const traced = analysis.trace.modules.find(([name]) => name === module);
  if (!node) {
    if (traced) return `${module} is built into the runtime (imported when the app ran, no file to ship).`;
    const inputs = ["stdlib", ...analysis.packages.map((p) => p.name), "the app"].join(", ");
    return `${module} is in no input (${inputs}); nothing could bundle it.`;
  }
  const strategy = options.strategy ?? "trace";
  const where = `${node.file.path}`;
  if (analysis.findings.excluded.includes(module)) return `${module} is not in the bundle: --exclude matched it (${where}).`;
  if (inBundle(analysis, node)) {
    if (traced) {
      const scenario = analysis.trace.scenarios.find((run) => run.modules.includes(module));
      return scenario
        ? `${module} is in the bundle: traced in scenario ${scenario.path} (${where}).`
        : `${module} is in the bundle: traced, the app imported it when it ran (${where}).`;
    }
    if (analysis.closure.has(module) && strategy === "safe") {
      return [`${module} is in the bundle: a traced module imports it (strategy safe):`, ...chain(analysis, module)].join("\n");
    }
    if (analysis.findings.included.includes(module)) return `${module} is in the bundle: --include matched it (${where}).`;
    return `${module} is in the bundle: a file the app opened, or what an --include brought (${where}).`;
  }
  if (analysis.closure.has(module)) {
    return [
      `${module} is not in the bundle: strategy trace keeps only what ran, though a traced module imports it:`,
      ...chain(analysis, module),
      `Use --strategy safe or --include ${module} to keep it.`,
    ].join("\n");
  }
  return `${module} is not in the bundle: the app did not import it and no traced module imports it (${where}); add it with --include ${module} or a --scenario that uses it.`;
}

/** `pack --why MODULE`: why a module is in the bundle, or why not. Writes nothing. */
export async function explain(options: PackOptions, module: string): Promise<string> {
  const host = createHost(options);
  try {
    return explainModule(await analyzeApp(options, host), module, options);
  } finally {
    await host.close();
  }
}
