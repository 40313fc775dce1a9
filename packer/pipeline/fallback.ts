import { readFileSync } from "node:fs";
import type { ModuleGraph } from "../../analyzers/module-graph.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import type { BundlePlan } from "../../transforms/select.ts";
import { basename } from "node:path";
import { stripSlash } from "./stage.ts";
import { writeStoredZip } from "../../runtime/host/zip.ts";
import { makeBloom } from "../../runtime/shared/bloom.mjs";
import type { FallbackIndex, FallbackManifest, FallbackMode } from "../../runtime/page/loader/fallback.mjs";

/**
 * local: the output folder keeps what was pruned (fallback/), and the loader fetches it
 * when a pruned module or file is needed, with one warning naming it. cdn: the same, but
 * the stdlib and packages from the runtime's lock come from the index URL (Pyodide's
 * CDN) as published; the rest stays local. off: nothing is kept, and importing a pruned
 * module fails with an error that names the fix.
 */
export type { FallbackIndex, FallbackManifest, FallbackMode };
export const FALLBACK_MODES = ["local", "cdn", "off"] as const satisfies readonly FallbackMode[];
export const FALLBACK_DIR = "fallback/";
export const FALLBACK_INDEX = `${FALLBACK_DIR}index.json`;
/** About one false positive in a million for the pruned files' filter (29 bits a file). */
const FILES_BLOOM_HASHES = 20;

export interface FallbackPlan {
  index: FallbackIndex;
  manifest: FallbackManifest;
  /** Output-folder name → bytes: the index and, in local mode, the archives. */
  files: Map<string, Uint8Array>;
}

/**
 * What the selection left out of each input, from the plan before transforms (whose
 * keys are the inputs' own), and the archives that put it back.
 */
export function planFallback(
  selected: BundlePlan,
  graph: ModuleGraph,
  dist: PyodideDist,
  { stdlibMount, sitePackages, dsoDir }: { stdlibMount: string; sitePackages: string; dsoDir: string },
  mode: FallbackMode,
  /** Where the runtime's lock's files are published (mode cdn). */
  cdn: { indexURL: string; lock: string },
): FallbackPlan {
  const index: FallbackIndex = { mode, inputs: [], modules: {}, files: {} };
  const files = new Map<string, Uint8Array>();
  const inputOf = new Map<string, number>();
  const prunedStdlib = [...selected.stdlib.files.keys()].some((entry) => !selected.stdlib.kept.has(entry));
  if (prunedStdlib) {
    const archive = mode === "cdn" ? new URL("python_stdlib.zip", cdn.indexURL).href : mode === "local" ? `${FALLBACK_DIR}python_stdlib.zip` : null;
    if (mode === "local") files.set(archive!, new Uint8Array(readFileSync(dist.stdlibZip)));
    inputOf.set("stdlib", index.inputs.push({ name: "stdlib", kind: "stdlib", archive, mount: stdlibMount }) - 1);
  }
  for (const { pkg, files: all, kept } of selected.packages) {
    const pruned = new Map([...all].filter(([path]) => !kept.has(path)));
    if (pruned.size === 0) continue;
    const name = `${pkg.name} ${pkg.version}`;
    const extractDir = pkg.installDir === "dynlib" ? dsoDir : sitePackages;
    // Sources and bytecode come back through the module finder, from the archive as
    // published (compressed; unpacking it also rewrites kept files with their
    // originals). What an app opens itself (data, .so for ctypes, dist-info) comes back
    // from a stored zip of those files alone, which the loader unpacks without Python:
    // the open that missed is still inside a system call.
    const opened = new Map([...pruned].filter(([path]) => !/\.pyc?$/.test(path)));
    let archive: string | null = null;
    let data: string | null = null;
    if (mode === "cdn" && pkg.origin === cdn.lock) {
      archive = new URL(pkg.fileName, cdn.indexURL).href;
    } else if (mode !== "off") {
      archive = `${FALLBACK_DIR}${basename(pkg.path)}`;
      files.set(archive, new Uint8Array(readFileSync(pkg.path)));
    }
    if (mode !== "off" && opened.size > 0) {
      data = `${FALLBACK_DIR}${pkg.key}-${pkg.version}.files.zip`;
      files.set(data, writeStoredZip(stripSlash(opened)));
    }
    const i = index.inputs.push({ name, kind: "published", archive, extractDir, data }) - 1;
    inputOf.set(pkg.key, i);
    for (const path of [...opened.keys()].sort()) index.files[path] = i;
  }
  const keptBy = new Map<string, ReadonlyMap<string, Uint8Array>>([
    ["stdlib", selected.stdlib.kept],
    ...selected.packages.map((p): [string, ReadonlyMap<string, Uint8Array>] => [p.pkg.key, p.kept]),
  ]);
  const kept = (input: string, key: string) => keptBy.get(input)?.has(key);
  for (const [name, node] of [...graph.nodes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const i = inputOf.get(node.file.input);
    if (i !== undefined && !kept(node.file.input, node.file.key)) index.modules[name] = i;
  }
  files.set(FALLBACK_INDEX, new TextEncoder().encode(JSON.stringify(index) + "\n"));
  // Every open or stat that misses asks the files filter, hundreds per run (sys.path
  // searches, the loader's own bodies); at 0.1% one of them would fetch the index for
  // nothing. Imports ask the modules filter only when every finder failed, a few times.
  const manifest = {
    mode,
    index: FALLBACK_INDEX,
    modules: makeBloom(Object.keys(index.modules)),
    files: makeBloom(Object.keys(index.files), FILES_BLOOM_HASHES),
  };
  return { index, manifest, files };
}

/** What the fallback adds to the deploy folder (a page fetches none of it unless a pruned piece is needed). */
export interface FallbackCost {
  mode: FallbackMode;
  /** Archives kept for the loader, output-folder names. */
  archives: string[];
  /** Archives the loader would fetch from the index URL (mode cdn). */
  remote: string[];
  /** Raw bytes of fallback/, index included. */
  bytes: number;
}

export function fallbackCost(plan: FallbackPlan): FallbackCost {
  return {
    mode: plan.index.mode,
    archives: [...plan.files.keys()].filter((name) => name !== FALLBACK_INDEX),
    remote: plan.index.inputs.flatMap((input) => (input.archive && /^https?:/.test(input.archive) ? [input.archive] : [])),
    bytes: [...plan.files.values()].reduce((n, data) => n + data.length, 0),
  };
}
