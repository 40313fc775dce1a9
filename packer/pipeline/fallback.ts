import { dirname } from "node:path";
import type { GraphNode, ModuleGraph } from "../../analyzers/module-graph.ts";
import type { BundlePlan, PrunedModules } from "../../transforms/select.ts";
import { stripSlash } from "./stage.ts";
import { writeStoredZip } from "../../runtime/host/zip.ts";
import { makeBloom } from "../../runtime/shared/bloom.mjs";
import { FALLBACK_INDEX, fallbackFileChunk, fallbackShard } from "../../runtime/shared/name-key.mjs";
import type { FallbackIndex, FallbackManifest, FallbackMode, FallbackSource } from "../../runtime/page/loader/fallback.mjs";

/**
 * local: the output folder keeps what was pruned in chunks (fallback/), and the loader
 * fetches the chunks a pruned module or file needs when it is needed, with one warning
 * naming it. cdn: the same, but the stdlib and packages from the runtime's lock come from
 * the index URL (Pyodide's CDN) as published; the rest stays local. off: nothing is kept,
 * and importing a pruned module fails with an error that names the fix.
 */
export type { FallbackIndex, FallbackManifest, FallbackMode, FallbackSource };
export const FALLBACK_MODES = ["local", "cdn", "off"] as const satisfies readonly FallbackMode[];
export const FALLBACK_DIR = "fallback/";
export { FALLBACK_INDEX };

/** What pack knows of the fallback: every source, and what each pruned module and file needs (the shards and chunk names are cut from it). */
interface FallbackTable {
  sources: FallbackSource[];
  modules: Record<string, number[]>;
  files: Record<string, number>;
}
/** About one false positive in a million for the pruned files' filter (29 bits a file). */
const FILES_BLOOM_HASHES = 20;
/**
 * What a page prefetches of the fallback after its first result by default: the chunks
 * of the modules the kept code can import (static.untraced), most likely first, up to
 * this many raw bytes (about a third of it brotli).
 */
export const DEFAULT_PREFETCH_FALLBACK = 256 * 1024;

/** One file a chunk puts back: its input, its key there before transforms, and whether it is a module (transformed) or a file (as it is). */
interface Member {
  input: string;
  key: string;
  module: boolean;
}

export interface FallbackPlan {
  mode: FallbackMode;
  /** The pruned modules the chunks hold, for the build to transform like the bundle's own (bodies whole). */
  pruned: PrunedModules;
  /** Local chunks: output-folder name → what it holds. */
  chunks: Map<string, Member[]>;
  /** What each pruned module and file needs. */
  index: FallbackTable;
  /** Modules the kept code can import, most likely first (what the page prefetches). */
  likely: string[];
  /** The prefetch's cap, raw bytes. */
  prefetchCap: number;
  /** Where each input's pruned files are, in the plan before transforms. */
  raw: Map<string, ReadonlyMap<string, Uint8Array>>;
  /** The stdlib zip's mount, and the folder beside it where its chunks put its modules (FallbackManifest.mirror). */
  mirror: [string, string];
  /** Stdlib zip entries the bundle must keep for the fallback to work (the cp437 codec, for wheels unpacked as published). */
  stdlibKeep: string[];
}

/** zipfile decodes names without the UTF-8 flag as cp437 (PYODIDE-NOTES): unpacking a published wheel needs it. */
const CP437 = "encodings/cp437.py";

/** What the build writes for the fallback, once the chunks' modules are transformed. */
export interface FallbackOutput {
  manifest: FallbackManifest;
  /** Output-folder name → bytes: the index and, where kept, the chunks. */
  files: Map<string, Uint8Array>;
  cost: FallbackCost;
}

/** What the fallback adds to the deploy folder (a page fetches none of it unless a pruned piece is needed or likely). */
export interface FallbackCost {
  mode: FallbackMode;
  /** Chunks kept for the loader, output-folder names. */
  archives: string[];
  /** Archives the loader would fetch from the index URL (mode cdn). */
  remote: string[];
  /** Raw bytes of fallback/, index included. */
  bytes: number;
  /** The chunks: how many, and raw bytes of the largest and the median one. */
  chunks: { count: number; largest: number; median: number };
  /** What the page prefetches after its first result: chunks and their raw bytes. */
  prefetch: { chunks: number; bytes: number };
}

/**
 * The chunk a pruned module goes in: a package's with its pruned modules beside it
 * (email.utils in email's, email.mime.text in email.mime's), a top-level module its own.
 * Against a chunk per module, on fixtures/apps/missed-branches at 20 Mbit/s: the email
 * branch 2,208 → 1,533 ms and minidom 1,090 → 739 ms (fewer synchronous requests in
 * turn), for 150 → 174 kB fetched by email (benchmarks/RESULTS.md).
 */
function group(name: string, isPackage: boolean): string {
  return isPackage || !name.includes(".") ? name : name.slice(0, name.lastIndexOf("."));
}

/** An edge that runs when its module is imported: not in a function, not optional, not for type checkers only. */
const eager = (edge: { lazy: boolean; optional: boolean; typeOnly: boolean }) => !edge.lazy && !edge.optional && !edge.typeOnly;

/**
 * What the selection left out of each input, from the plan before transforms (whose
 * keys are the inputs' own), and the chunks that put it back: pruned modules (their .pyc,
 * transformed like the bundle's own) by package (group), and other pruned package files
 * (data, .so, dist-info) by folder. A miss fetches the chunk of its module and those of
 * the pruned modules it imports at once (its eager static closure), so one miss brings
 * what the import will ask for next.
 */
export function planFallback(
  selected: BundlePlan,
  graph: ModuleGraph,
  { stdlibMount, sitePackages, dsoDir }: { stdlibMount: string; sitePackages: string; dsoDir: string },
  mode: FallbackMode,
  /** Where the runtime's lock's files are published (mode cdn). */
  cdn: { indexURL: string; lock: string },
  {
    likely = [],
    prefetchCap = DEFAULT_PREFETCH_FALLBACK,
    present = new Set(),
  }: {
    likely?: string[];
    prefetchCap?: number;
    /** Modules every run has without the bundle's files (frozen ones: os, stat, abc): never a chunk. */
    present?: ReadonlySet<string>;
  } = {},
): FallbackPlan {
  const stdlibDir = dirname(sitePackages);
  const index: FallbackTable = { sources: [], modules: {}, files: {} };
  const pruned: PrunedModules = { stdlib: new Map(), packages: new Map() };
  const chunks = new Map<string, Member[]>();
  const raw = new Map<string, ReadonlyMap<string, Uint8Array>>([["stdlib", selected.stdlib.files]]);
  const sourceIds = new Map<string, number>();
  const source = (archive: string, fields: Omit<FallbackSource, "archive">): number => {
    let id = sourceIds.get(archive);
    if (id === undefined) sourceIds.set(archive, (id = index.sources.push({ archive, ...fields }) - 1));
    return id;
  };
  const chunk = (archive: string, member: Member): number => {
    const members = chunks.get(archive) ?? [];
    members.push(member);
    chunks.set(archive, members);
    return source(archive, { kind: "files" });
  };
  /** Module name → the source that holds it (before closures). */
  const own = new Map<string, number>();
  const keptBy = new Map<string, ReadonlyMap<string, Uint8Array>>([
    ["stdlib", selected.stdlib.kept],
    ...selected.packages.map((p): [string, ReadonlyMap<string, Uint8Array>] => [p.pkg.key, p.kept]),
  ]);
  // What starting asyncio imports ships apart (Manifest.lazyAsyncio) and comes back when
  // asyncio starts; a branch that imports one of them (heapq) before then finds it here.
  const asyncioStart = selected.stdlib.asyncioStart ?? new Map();
  // The pruned modules of each input, in name order, grouped once.
  const prunedByInput = new Map<string, [string, GraphNode][]>();
  for (const [name, node] of [...graph.nodes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { input, key } = node.file;
    if (name === "__main__" || keptBy.get(input)?.has(key)) continue;
    if (present.has(name) && !(input === "stdlib" && asyncioStart.has(key))) continue;
    const list = prunedByInput.get(input) ?? [];
    list.push([name, node]);
    prunedByInput.set(input, list);
  }
  const modulesOf = (input: string) => prunedByInput.get(input) ?? [];

  const stdlibModules = modulesOf("stdlib");
  if (stdlibModules.length > 0) {
    if (mode === "cdn") {
      const id = source(new URL("python_stdlib.zip", cdn.indexURL).href, { kind: "stdlib", mount: stdlibMount });
      for (const [name] of stdlibModules) own.set(name, id);
    } else if (mode === "local") {
      for (const [name, node] of stdlibModules) {
        own.set(name, chunk(`${FALLBACK_DIR}stdlib/${group(name, node.file.isPackage)}.zip`, { input: "stdlib", key: node.file.key, module: true }));
        pruned.stdlib.set(node.file.key, node.file.data);
      }
    } else {
      for (const [name] of stdlibModules) index.modules[name] = [];
    }
  }
  for (const { pkg, files: all, kept } of selected.packages) {
    const prunedFiles = [...all].filter(([path]) => !kept.has(path));
    if (prunedFiles.length === 0) continue;
    raw.set(pkg.key, all);
    const tag = `${FALLBACK_DIR}${pkg.key}-${pkg.version}/`;
    const modules = modulesOf(pkg.key);
    const published = mode === "cdn" && pkg.origin === cdn.lock;
    if (mode === "off") {
      for (const [name] of modules) index.modules[name] = [];
      continue;
    }
    if (published) {
      const id = source(new URL(pkg.fileName, cdn.indexURL).href, { kind: "wheel", extractDir: pkg.installDir === "dynlib" ? dsoDir : sitePackages });
      for (const [name] of modules) own.set(name, id);
    } else {
      const packageData = pruned.packages.get(pkg.key) ?? new Map<string, Uint8Array>();
      for (const [name, node] of modules.filter(([, node]) => /\.pyc?$/.test(node.file.key))) {
        own.set(name, chunk(`${tag}${group(name, node.file.isPackage)}.zip`, { input: pkg.key, key: node.file.key, module: true }));
        packageData.set(node.file.key, node.file.data);
      }
      if (packageData.size > 0) pruned.packages.set(pkg.key, packageData);
    }
    // What an app opens itself (data, .so for ctypes or a dlopen, dist-info) comes back
    // by folder, through the open/stat hook, which unpacks without calling Python: the
    // open that missed is still inside a system call. The loader names the chunk from
    // the path alone (fallbackFileChunk): no index read.
    for (const [path] of prunedFiles.filter(([path]) => !/\.pyc?$/.test(path)).sort(([a], [b]) => (a < b ? -1 : 1))) {
      index.files[path] = chunk(fallbackFileChunk(path), { input: pkg.key, key: path, module: false });
    }
    // An extension module's .so comes with its folder's chunk.
    for (const [name, node] of modules) if (!published && index.files[node.file.key] !== undefined) own.set(name, index.files[node.file.key]!);
  }

  // A module's sources: its own, then those of the pruned modules its import brings.
  const closureOf = (name: string): number[] => {
    const seen = new Set([name]);
    const queue = [name];
    while (queue.length > 0) {
      const node = graph.nodes.get(queue.shift()!);
      for (const edge of node?.edges.filter(eager) ?? []) {
        for (const target of edge.targets) {
          if (seen.has(target) || !own.has(target)) continue;
          seen.add(target);
          queue.push(target);
        }
      }
    }
    const first = own.get(name)!;
    const rest = [...new Set([...seen].map((m) => own.get(m)!))].filter((id) => id !== first).sort((a, b) => (index.sources[a]!.archive < index.sources[b]!.archive ? -1 : 1));
    return [first, ...rest];
  };
  for (const name of [...own.keys()].sort()) index.modules[name] = closureOf(name);
  const unpacksWheels = index.sources.some((s) => s.kind === "wheel");
  const stdlibKeep = unpacksWheels && selected.stdlib.files.has(CP437) && !selected.stdlib.kept.has(CP437) ? [CP437] : [];
  return { mode, pruned, chunks, index, likely, prefetchCap, raw, mirror: [stdlibMount, stdlibDir], stdlibKeep };
}

/**
 * The fallback's files, with the chunks' modules as the build transformed them (the
 * plan's pruned maps after transforms/apply.ts: a compiled source's key gains a "c").
 */
export function fallbackOutput(plan: FallbackPlan, transformed: PrunedModules): FallbackOutput {
  const { index } = plan;
  const files = new Map<string, Uint8Array>();
  const pick = (map: ReadonlyMap<string, Uint8Array> | undefined, key: string): [string, Uint8Array] | undefined => {
    const data = map?.get(key);
    if (data) return [key, data];
    const compiled = map?.get(`${key}c`);
    return compiled ? [`${key}c`, compiled] : undefined;
  };
  const sizes = new Map<string, number>();
  for (const [archive, members] of [...plan.chunks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entries = new Map<string, Uint8Array>();
    for (const { input, key, module } of members) {
      const found = module ? pick(input === "stdlib" ? transformed.stdlib : transformed.packages.get(input), key) : undefined;
      const [finalKey, data] = found ?? [key, plan.raw.get(input)!.get(key)!];
      entries.set(input === "stdlib" ? `${plan.mirror[1]}/${finalKey}` : finalKey, data);
    }
    const zip = writeStoredZip(stripSlash(entries));
    files.set(archive, zip);
    sizes.set(archive, zip.length);
  }
  const sources = index.sources.map((s) => (sizes.has(s.archive) ? { ...s, bytes: sizes.get(s.archive)! } : s));
  // The index in shards, one per top-level name, each with the sources its modules need:
  // a miss reads the few kB of its own.
  const shards = new Map<string, FallbackIndex>();
  for (const [name, ids] of Object.entries(index.modules).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const shardName = fallbackShard(name);
    const shard = shards.get(shardName) ?? { sources: [], modules: {} };
    shards.set(shardName, shard);
    shard.modules[name] = ids.map((id) => {
      const at = shard.sources.findIndex((s) => s.archive === sources[id]!.archive);
      return at >= 0 ? at : shard.sources.push(sources[id]!) - 1;
    });
  }
  for (const [name, shard] of shards) files.set(name, new TextEncoder().encode(JSON.stringify(shard) + "\n"));
  // The chunks the likely misses need, most likely first, within the cap, with their shards.
  const prefetch: string[] = [];
  let prefetched = 0;
  for (const name of plan.likely) {
    const wanted = (index.modules[name] ?? []).map((id) => sources[id]!).filter((s) => s.bytes !== undefined && !prefetch.includes(s.archive));
    const bytes = wanted.reduce((n, s) => n + s.bytes!, 0);
    if (wanted.length === 0 || prefetched + bytes > plan.prefetchCap) continue;
    if (!prefetch.includes(fallbackShard(name))) prefetch.push(fallbackShard(name));
    prefetch.push(...wanted.map((s) => s.archive));
    prefetched += bytes;
  }
  // Every open or stat that misses asks the files filter, hundreds per run (sys.path
  // searches, the loader's own bodies); at 0.1% one of them would fetch a chunk for
  // nothing. Imports ask the modules filter only when every finder failed, a few times.
  const manifest: FallbackManifest = {
    mode: plan.mode,
    modules: makeBloom(Object.keys(index.modules)),
    files: makeBloom(Object.keys(index.files), FILES_BLOOM_HASHES),
    mirror: plan.mirror,
    ...(prefetch.length > 0 ? { prefetch } : {}),
  };
  const chunkSizes = [...sizes.values()].sort((a, b) => a - b);
  const cost: FallbackCost = {
    mode: plan.mode,
    archives: [...sizes.keys()],
    remote: index.sources.flatMap((s) => (/^https?:/.test(s.archive) ? [s.archive] : [])),
    bytes: [...files.values()].reduce((n, data) => n + data.length, 0),
    chunks: { count: chunkSizes.length, largest: chunkSizes.at(-1) ?? 0, median: chunkSizes[Math.floor(chunkSizes.length / 2)] ?? 0 },
    prefetch: { chunks: prefetch.length, bytes: prefetched },
  };
  return { manifest, files, cost };
}
