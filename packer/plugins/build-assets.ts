import { posix } from "node:path";
import { readTree, RUNTIME_DIR, shortHash, type Manifest } from "../output/bundle.ts";
import type { PackReport } from "../report/report.ts";
import { FALLBACK_DIR } from "../pipeline/fallback.ts";

/** A file the bundler writes into its output: a path under the build's base, and its bytes. */
export interface BuildAsset {
  fileName: string;
  source: Uint8Array;
}

export interface BuildAssets {
  assets: BuildAsset[];
  /** Bundle path → path under the build's base: what the loader's files option takes. */
  moved: Record<string, string>;
}

/** The standalone page's files, and the reports: the build has its own page, and reports are not deployed. */
const LEFT_OUT = /^(index\.html|worker\.mjs|report\.json|report\.html)(\.br|\.gz)?$/;
const SIDECAR = /\.(br|gz)$/;

/**
 * A pack's output as a bundler's assets under assetsDir, named by content so that they can
 * be cached for good: "bundle.zip" → "assets/bundle.1f2e3d4c.zip", its sidecars beside it
 * ("….zip.br"). Pyodide finds its runtime files by name in one folder: those move as a
 * folder named by the hash of all they hold ("assets/pyodide-9a8b7c6d/pyodide.asm.wasm"),
 * and so do the fallback's and each input's bodies by file.
 * The loader is one module, hashed like the rest. The files the app fetched
 * (report.json assets) stay out: the app asks for them by its own URLs, from the project's
 * public files. A PyScript page (page) asks for its own (its scripts, its config's
 * files) beside itself: those stay at their names. PyScript's files, when pack serves
 * them, move as one folder named by their content ("assets/pyscript-9a8b7c6d/core.js").
 */
export function buildAssets(outDir: string, report: PackReport, assetsDir: string, page?: { pyscriptServed: boolean }): BuildAssets {
  const tree = readTree(outDir);
  const manifest = JSON.parse(tree.get("manifest.json")!.toString("utf8")) as Manifest;
  const runtimeDir = manifest.runtime ?? RUNTIME_DIR;
  const pyscriptDir = page?.pyscriptServed && report.pyscript ? `${report.pyscript.folder}/` : undefined;
  const fetched = report.assets.files.map((f) => f.name).filter((name) => pyscriptDir === undefined || !name.startsWith(pyscriptDir));
  const fetchedFiles = new Set(fetched.flatMap((name) => [name, `${name}.br`, `${name}.gz`]));
  const paths = [...tree.keys()].filter((p) => !LEFT_OUT.test(p) && !fetchedFiles.has(p)).sort();
  const assets: BuildAsset[] = [];
  const moved: Record<string, string> = {};
  // Folders whose files the loader names itself (the runtime's; the fallback's chunks and
  // each input's bodies by file, named from what a miss wants) move whole: one entry in
  // the loader's map for each, not hundreds.
  const wholeFolder = (p: string) =>
    p.startsWith(runtimeDir) ? runtimeDir : p.startsWith(FALLBACK_DIR) ? FALLBACK_DIR : pyscriptDir && p.startsWith(pyscriptDir) ? pyscriptDir : /^bodies\/[^/]+\//.exec(p)?.[0];
  const folders = new Map<string, string[]>();
  for (const p of paths) {
    const folder = wholeFolder(p);
    if (folder) folders.set(folder, [...(folders.get(folder) ?? []), p]);
  }
  for (const [dir, inside] of folders) {
    const name = dir === runtimeDir ? "pyodide" : dir.slice(0, -1).replaceAll("/", "-");
    const folder = posix.join(assetsDir, `${name}-${shortHash(...inside.flatMap((p) => [p, tree.get(p)!]))}`);
    for (const p of inside) assets.push({ fileName: posix.join(folder, p.slice(dir.length)), source: tree.get(p)! });
    moved[dir] = folder + "/";
  }
  for (const p of paths.filter((p) => !wholeFolder(p) && !SIDECAR.test(p))) {
    const ext = posix.extname(p);
    const hashed = posix.join(assetsDir, `${p.slice(0, p.length - ext.length)}.${shortHash(tree.get(p)!)}${ext}`);
    moved[p] = hashed;
    assets.push({ fileName: hashed, source: tree.get(p)! });
    for (const suffix of [".br", ".gz"]) {
      const sidecar = tree.get(p + suffix);
      if (sidecar) assets.push({ fileName: hashed + suffix, source: sidecar });
    }
  }
  if (page) for (const p of [...fetchedFiles].filter((p) => tree.has(p))) assets.push({ fileName: p, source: tree.get(p)! });
  return { assets: assets.sort((a, b) => (a.fileName < b.fileName ? -1 : 1)), moved };
}
