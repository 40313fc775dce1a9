import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Parser } from "web-tree-sitter";
import { APP_ROOT, type StagedInputs } from "./inputs.ts";
import { ContentCache } from "./content-cache.ts";
import { extractImports, type DynamicImport, type ImportEdge, type ModuleImports } from "./imports.mjs";

/** A module the bundle could hold: its file and which input ships it. */
export interface ModuleFile {
  name: string;
  /** Key of the file in its input: stdlib zip entry, or FS path. */
  key: string;
  /** FS path (what __file__ would say). */
  path: string;
  /** "stdlib", a package key, or "app". */
  input: string;
  isPackage: boolean;
  data: Uint8Array;
}

export interface ResolvedEdge extends Omit<ImportEdge, "module" | "level" | "names"> {
  /** Modules the import loads (parents included), all present in the index. */
  targets: string[];
  /** What it names that no input has (optional dependencies, builtins). */
  unresolved?: string;
}

export interface GraphNode {
  file: ModuleFile;
  edges: ResolvedEdge[];
  dynamic: DynamicImport[];
  syntaxError: boolean;
}

export interface ModuleGraph {
  nodes: Map<string, GraphNode>;
}

const MODULE_SUFFIX = /^(.*?)(?:\.[\w-]+)?\.(py|pyc|so)$/;

/**
 * "json/decoder.py" → json.decoder; "pkg/__init__.pyc" → pkg; extensions lose their ABI
 * tag. A module's own name may hold a "-": no import statement names it, but __import__
 * does (sysconfig imports "_sysconfigdata__emscripten_wasm32-emscripten").
 */
export function moduleNameOf(relative: string): { name: string; isPackage: boolean } | undefined {
  const m = MODULE_SUFFIX.exec(relative);
  if (!m) return undefined;
  const parts = m[1]!.split("/");
  const isPackage = parts[parts.length - 1] === "__init__";
  if (isPackage) parts.pop();
  const identifier = (p: string, last: boolean) => (last ? /^[A-Za-z_][A-Za-z0-9_-]*$/ : /^[A-Za-z_][A-Za-z0-9_]*$/).test(p);
  if (parts.length === 0 || !parts.every((p, i) => identifier(p, !isPackage && i === parts.length - 1))) return undefined;
  return { name: parts.join("."), isPackage };
}

/** Every importable module of the inputs by name; a source beats bytecode, bytecode an extension. */
export function moduleIndex(inputs: StagedInputs, sitePackages: string): Map<string, ModuleFile> {
  const index = new Map<string, ModuleFile>();
  const rank = (key: string) => (key.endsWith(".py") ? 0 : key.endsWith(".pyc") ? 1 : 2);
  const add = (relative: string, file: Omit<ModuleFile, "name" | "isPackage">) => {
    const parsed = moduleNameOf(relative);
    if (!parsed) return;
    const known = index.get(parsed.name);
    if (known && rank(known.key) <= rank(file.key)) return;
    index.set(parsed.name, { ...file, ...parsed });
  };
  for (const [entry, data] of inputs.stdlib) add(entry, { key: entry, path: `${inputs.stdlibMount}/${entry}`, input: "stdlib", data });
  for (const { pkg, files } of inputs.packages) {
    for (const [path, data] of files) {
      if (path.startsWith(sitePackages + "/")) add(path.slice(sitePackages.length + 1), { key: path, path, input: pkg.key, data });
    }
  }
  for (const [path, data] of inputs.app) {
    if (path !== inputs.main) add(path.slice(APP_ROOT.length + 1), { key: path, path, input: "app", data });
  }
  // The main file runs as __main__; its untraced branches are what the static witness is for.
  const main = inputs.app.get(inputs.main);
  if (main) index.set("__main__", { name: "__main__", key: inputs.main, path: inputs.main, input: "app", isPackage: false, data: main });
  return index;
}

/** Imports per file content, kept on disk: the stdlib parses once per machine. */
export class ImportCache extends ContentCache<ModuleImports> {
  static readonly VERSION = "imports-2";

  constructor(cacheDir?: string) {
    super(cacheDir, ImportCache.VERSION);
  }
}

/** Imports read from .pyc inside the runtime: "name|level|a,b|line|lazy" rows. */
export type PycImportReader = (files: ModuleFile[]) => Promise<(string | undefined)[]>;

function parsePycRows(rows: string): ImportEdge[] {
  return rows
    .split("\n")
    .filter(Boolean)
    .map((row) => {
      const [module, level, names, line, lazy] = row.split("|");
      return {
        module: module!,
        level: Number(level),
        names: names ? names.split(",") : [],
        line: Number(line),
        lazy: lazy === "1",
        optional: false,
        typeOnly: false,
      };
    });
}

function resolveEdge(from: ModuleFile, edge: ImportEdge, index: Map<string, ModuleFile>): ResolvedEdge {
  let base = edge.module;
  if (edge.level > 0) {
    const pkg = (from.isPackage ? from.name : from.name.split(".").slice(0, -1).join(".")).split(".").filter(Boolean);
    const anchor = pkg.slice(0, Math.max(0, pkg.length - (edge.level - 1)));
    base = [...anchor, ...(edge.module ? [edge.module] : [])].join(".");
  }
  const targets = new Set<string>();
  const parts = base.split(".");
  for (let i = 1; i <= parts.length; i++) {
    const name = parts.slice(0, i).join(".");
    if (index.has(name)) targets.add(name);
  }
  for (const name of edge.names) if (name !== "*" && index.has(`${base}.${name}`)) targets.add(`${base}.${name}`);
  const { lazy, optional, typeOnly, line } = edge;
  return { targets: [...targets], line, lazy, optional, typeOnly, ...(index.has(base) ? {} : { unresolved: base }) };
}

/** Below this many modules, starting workers costs more than it saves. */
const PARALLEL_FROM = 64;

/** Imports of each source, parsed on every core when there are many (a whole stdlib). */
async function parseAll(sources: Uint8Array[], parser: Parser): Promise<ModuleImports[]> {
  const workers = Math.min(availableParallelism(), 4);
  if (sources.length < PARALLEL_FROM || workers < 2) {
    const decoder = new TextDecoder();
    return sources.map((bytes) => extractImports(parser, decoder.decode(bytes)));
  }
  // Deal the files out by size so each worker gets about the same number of bytes.
  const order = sources.map((bytes, i) => ({ bytes, i })).sort((a, b) => b.bytes.length - a.bytes.length);
  const shares = Array.from({ length: workers }, () => ({ items: [] as { bytes: Uint8Array; i: number }[], size: 0 }));
  for (const item of order) {
    const share = shares.reduce((a, b) => (b.size < a.size ? b : a));
    share.items.push(item);
    share.size += item.bytes.length;
  }
  const results: ModuleImports[] = new Array(sources.length);
  await Promise.all(
    shares.map(async ({ items }) => {
      const worker = new Worker(new URL("./parse-worker.mjs", import.meta.url), { workerData: { sources: items.map((x) => x.bytes) } });
      try {
        const found = await new Promise<ModuleImports[]>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
        });
        items.forEach((item, k) => (results[item.i] = found[k]!));
      } finally {
        await worker.terminate();
      }
    }),
  );
  return results;
}

/**
 * One graph of every module the inputs hold: sources parsed with tree-sitter, .pyc read
 * from bytecode, each file once (and from the cache when its content was seen before).
 */
export async function buildGraph(
  index: Map<string, ModuleFile>,
  parser: Parser,
  cache: ImportCache,
  readPyc: PycImportReader,
): Promise<ModuleGraph> {
  const imports = new Map<string, ModuleImports>();
  const pending: ModuleFile[] = [];
  const sources: ModuleFile[] = [];
  for (const file of index.values()) {
    const cached = cache.get(file.data);
    if (cached) imports.set(file.name, cached);
    else if (file.key.endsWith(".py")) sources.push(file);
    else if (file.key.endsWith(".pyc")) pending.push(file);
  }
  const parsed = await parseAll(sources.map((f) => f.data), parser);
  sources.forEach((file, i) => {
    cache.set(file.data, parsed[i]!);
    imports.set(file.name, parsed[i]!);
  });
  const rows = await readPyc(pending);
  pending.forEach((file, i) => {
    const found = { edges: parsePycRows(rows[i] ?? ""), dynamic: [], syntaxError: rows[i] === undefined };
    cache.set(file.data, found);
    imports.set(file.name, found);
  });
  const nodes = new Map<string, GraphNode>();
  for (const file of index.values()) {
    const found = imports.get(file.name) ?? { edges: [], dynamic: [], syntaxError: false };
    nodes.set(file.name, {
      file,
      edges: found.edges.map((e) => resolveEdge(file, e, index)),
      dynamic: found.dynamic,
      syntaxError: found.syntaxError,
    });
  }
  return { nodes };
}

/** How a module came into the static closure: the importer and its line. */
export interface Reach {
  from: string;
  line: number;
}

/**
 * Modules reachable from the seeds by import edges that can run (type-only edges do
 * not), staying inside the inputs `allowed` accepts: the closure never adds a package.
 */
export function staticClosure(graph: ModuleGraph, seeds: Iterable<string>, allowed: (input: string) => boolean): Map<string, Reach> {
  const seen = new Set(seeds);
  const reached = new Map<string, Reach>();
  const queue = [...seen];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const node = graph.nodes.get(name);
    if (!node) continue;
    for (const edge of node.edges) {
      if (edge.typeOnly) continue;
      for (const target of edge.targets) {
        if (seen.has(target) || !allowed(graph.nodes.get(target)!.file.input)) continue;
        seen.add(target);
        reached.set(target, { from: name, line: edge.line });
        queue.push(target);
      }
    }
  }
  return reached;
}
