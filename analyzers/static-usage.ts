import type { StagedInputs } from "./inputs.ts";
import type { TraceResult } from "../runtime/host/host.ts";
import { matcher } from "./globs.ts";
import type { ModuleFile, ModuleGraph, Reach } from "./module-graph.ts";
import { staticClosure } from "./module-graph.ts";
import type { Usage } from "./trace-usage.ts";

/** trace: keep what ran; safe: also what the traced modules can import. */
export type Strategy = "trace" | "safe";

export interface StaticOptions {
  strategy: Strategy;
  /** Module-name globs ("xml.dom.*") or path globs (with a "/") to add. */
  include: string[];
  /** The same, to leave out (never the app's main file). */
  exclude: string[];
}

/** A module the static graph reaches from a traced one, which the trace did not see. */
export interface UntracedModule {
  module: string;
  input: string;
  path: string;
  bytes: number;
  from: string;
  line: number;
}

export interface StaticFindings {
  strategy: Strategy;
  /** Statically reachable, untraced: kept under safe, left out under trace. */
  untraced: UntracedModule[];
  /** Dynamic imports with a non-literal name in kept modules: neither witness follows them. */
  unfollowed: { module: string; path: string; line: number; code: string }[];
  /** Kept modules tree-sitter could not parse (kept as they are). */
  syntaxErrors: string[];
  included: string[];
  excluded: string[];
}

/** The files of one input ("stdlib", "app" or a package key) a usage keeps. */
export function usedFiles(usage: Usage, input: string): Set<string> {
  if (input === "stdlib") return usage.stdlib;
  if (input === "app") return usage.app;
  let set = usage.packages.get(input);
  if (!set) usage.packages.set(input, (set = new Set()));
  return set;
}

/** Parent packages of a module ("a.b.c" → a, a.b). */
function parents(name: string): string[] {
  const parts = name.split(".");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("."));
}

/**
 * The static witness: modules reachable from the traced ones (within inputs the trace
 * already uses), include/exclude patterns, and what no witness can follow.
 */
export function applyStaticAnalysis(
  graph: ModuleGraph,
  trace: TraceResult,
  inputs: StagedInputs,
  usage: Usage,
  options: StaticOptions,
): { usage: Usage; findings: StaticFindings; closure: Map<string, Reach> } {
  const traced = new Set(trace.modules.map(([name]) => name).filter((name) => graph.nodes.has(name)));
  const used = new Set(["stdlib", "app", ...[...usage.packages].filter(([, files]) => files.size > 0).map(([key]) => key)]);
  const closure = staticClosure(graph, traced, (input) => used.has(input));
  const widened: Usage = {
    ...usage,
    stdlib: new Set(usage.stdlib),
    app: new Set(usage.app),
    packages: new Map([...usage.packages].map(([k, v]) => [k, new Set(v)])),
  };
  const untraced: UntracedModule[] = [...closure].map(([module, reach]) => {
    const file = graph.nodes.get(module)!.file;
    return { module, input: file.input, path: file.path, bytes: file.data.length, ...reach };
  });
  if (options.strategy === "safe") {
    for (const [module] of closure) {
      const file = graph.nodes.get(module)!.file;
      usedFiles(widened, file.input).add(file.key);
    }
  }
  // Patterns see every file of every input; a module brings its parent packages.
  const moduleAt = new Map([...graph.nodes].map(([name, node]) => [node.file.path, name]));
  const files = [
    ...[...inputs.stdlib.keys()].map((key) => ({ input: "stdlib", key, path: `${inputs.stdlibMount}/${key}` })),
    ...inputs.packages.flatMap(({ pkg, files }) => [...files.keys()].map((key) => ({ input: pkg.key, key, path: key }))),
    ...[...inputs.app.keys()].map((key) => ({ input: "app", key, path: key })),
  ];
  const included: string[] = [];
  const includes = options.include.map(matcher);
  const excluded: string[] = [];
  const excludes = options.exclude.map(matcher);
  for (const file of files) {
    const module = moduleAt.get(file.path) ?? "";
    if (includes.some((match) => match(module, file.path))) {
      usedFiles(widened, file.input).add(file.key);
      for (const parent of module ? parents(module) : []) {
        const p = graph.nodes.get(parent)?.file;
        if (p) usedFiles(widened, p.input).add(p.key);
      }
      included.push(module || file.path);
    }
  }
  // An included module brings what it imports, as a traced one would under safe.
  const includedModules = included.filter((name) => graph.nodes.has(name));
  const includedInputs = new Set([...used, ...includedModules.map((name) => graph.nodes.get(name)!.file.input)]);
  for (const [module] of staticClosure(graph, includedModules, (input) => includedInputs.has(input))) {
    const file = graph.nodes.get(module)!.file;
    usedFiles(widened, file.input).add(file.key);
  }
  for (const file of files) {
    if (file.path === inputs.main) continue;
    const module = moduleAt.get(file.path) ?? "";
    if (excludes.some((match) => match(module, file.path)) && usedFiles(widened, file.input).delete(file.key)) {
      excluded.push(module || file.path);
    }
  }
  const kept = (file: ModuleFile) => usedFiles(widened, file.input).has(file.key);
  const keptNodes = [...graph.nodes.values()].filter((n) => kept(n.file));
  return {
    usage: widened,
    closure,
    findings: {
      strategy: options.strategy,
      untraced: untraced.sort((a, b) => a.module.localeCompare(b.module)),
      unfollowed: keptNodes
        .flatMap((n) => n.dynamic.map((d) => ({ module: n.file.name, path: n.file.path, ...d })))
        .sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line),
      syntaxErrors: keptNodes.filter((n) => n.syntaxError).map((n) => n.file.path).sort(),
      included: included.sort(),
      excluded: excluded.sort(),
    },
  };
}
