import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { assetPath, loaderBundle } from "../../runtime/host/assets.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import type { BundlePlan } from "../../transforms/select.ts";
import { zeroRegions, type DataRegion } from "../../transforms/wasm-data.ts";
import type { FallbackManifest } from "../pipeline/fallback.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { SizeMeter } from "./sizes.ts";
import { stripSlash } from "../pipeline/stage.ts";
import { writeStoredZip } from "../../runtime/host/zip.ts";
import type { Manifest } from "../../runtime/page/loader.mjs";
import { bodyRoot } from "../../runtime/shared/body-root.mjs";
import { nameKey } from "../../runtime/shared/name-key.mjs";

export const MANIFEST_FORMAT = 1;
export const RUNTIME_DIR = "pyodide/";
/** The runtime's wasm, which a split replaces, and the deferred module it adds beside it. */
export const RUNTIME_WASM = "pyodide.asm.wasm";
export const DEFERRED_WASM = "pyodide.asm.deferred.wasm";

/** The runtime's wasm split by what ran (packer/pipeline/runtime-split.ts): the primary ships as pyodide.asm.wasm, the deferred module beside it. */
export interface RuntimeSplit {
  primary: Uint8Array;
  deferred: Uint8Array;
  /** Defined functions moved to the deferred module, and those the primary keeps whole. */
  moved: number;
  kept: number;
}

/** manifest.json: what loader.mjs needs to boot the bundle (runtime/page/loader.mjs declares it). */
export type { Manifest };

/** The files a page downloads besides the runtime, by name in the output folder. */
export interface WrittenBundle {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
  /** The runtime's files as written, by name in the output folder ("pyodide/pyodide.asm.wasm"). */
  runtime: Map<string, Uint8Array>;
  /** The runtime's data it defers: a later split's module gets the same bytes zeroed. */
  runtimeData?: RuntimeDataPlan;
}

/**
 * The runtime's data a bundle defers (packer/pipeline/runtime-data.ts): the regions zeroed
 * in its wasm, their bytes by output name, and what the manifest says of them.
 */
export interface RuntimeDataPlan {
  regions: DataRegion[];
  files: Map<string, Uint8Array>;
  manifest: NonNullable<Manifest["runtimeData"]>;
}

/** Where the runtime's deferred data ships, a file per built-in module: "pyodide/data/_codecs_jp.bin". */
export const RUNTIME_DATA_DIR = `${RUNTIME_DIR}data/`;

/** The runtime's wasm as a bundle ships it: with its deferred data zeroed. */
export function runtimeWasm(bytes: Uint8Array, runtimeData: RuntimeDataPlan | undefined): Uint8Array {
  return runtimeData ? zeroRegions(bytes, runtimeData.regions) : bytes;
}

/** Beside the loader (one file, loaderBundle), what every bundle serves as it is. */
const SHIPPED_ASSETS = ["worker.mjs"];
/** Where SHIPPED_ASSETS and index.html are in runtime/. */
const PAGE_ROOM = "page";

/** The roots (loader/body-root.mjs) of an input's bodies entries, sorted. */
function bodyRoots(filenames: Iterable<string>): string[] {
  return [...new Set([...filenames].map(bodyRoot))].sort();
}

/** Where the modules that starting asyncio imports go (Manifest.lazyAsyncio). */
export const ASYNCIO_START = "startup/asyncio.zip";

/** Where an input's deferred function bodies go in the output folder, all in one (what the prefetch reads). */
export function bodiesFile(input: string): string {
  return `bodies/${input}.zip`;
}

/** The folder of an input's bodies by file (what a stub's first call reads: its file's, nameKey). */
export function bodiesFolder(input: string): string {
  return `bodies/${input}/`;
}

/** Whether an output file is one file's bodies (bodiesFolder): read only by a stub's first call, never up front nor by the prefetch. */
export function isBodiesByFile(name: string): boolean {
  return /^bodies\/[^/]+\//.test(name);
}

/** An input's bodies by file: one stored zip per nameKey of the files' names. */
function bodiesByFile(input: string, entries: ReadonlyMap<string, Uint8Array>): [string, Uint8Array][] {
  const byKey = new Map<string, Map<string, Uint8Array>>();
  for (const [filename, data] of entries) {
    const key = nameKey(filename);
    byKey.set(key, (byKey.get(key) ?? new Map()).set(filename, data));
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, files]) => [`${bodiesFolder(input)}${key}.zip`, writeStoredZip(stripSlash(files))]);
}

/**
 * page: the user's own page (--html's file, or a PyScript page as pack rewrote it),
 * written as index.html in place of pack's;
 * lazyAsyncio: the bundle boots with asyncio waiting, as it was traced; runtimeSplit:
 * the runtime's wasm split, or "later" for a manifest that says so over the whole
 * runtime, which validation profiles before it writes the split (packer/pipeline/build.ts).
 */
export function writeBundle(
  plan: BundlePlan,
  dist: PyodideDist,
  dir: string,
  { fallback, page, lazyAsyncio, runtimeSplit, runtimeData }: { fallback?: FallbackManifest; page?: { file: string } | { text: string }; lazyAsyncio: boolean; runtimeSplit?: RuntimeSplit | "later"; runtimeData?: RuntimeDataPlan },
): WrittenBundle {
  const kept = new Map<string, Uint8Array>(plan.app);
  for (const p of plan.packages) for (const [path, data] of p.kept) kept.set(path, data);
  // A folder entry ("…/name/") makes the folder, files or not.
  for (const dir of plan.dirs ?? []) kept.set(`${dir}/`, new Uint8Array());
  const asyncioStart = plan.stdlib.asyncioStart ?? new Map<string, Uint8Array>();
  const bodies = [...plan.bodies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    pyodideVersion: dist.version,
    lockInfo: dist.lockInfo,
    stdlib: "python_stdlib.zip",
    bundle: "bundle.zip",
    main: plan.main,
    runtime: RUNTIME_DIR,
    packages: plan.packages.filter((p) => p.kept.size > 0).map((p) => ({ name: p.pkg.name, version: p.pkg.version })),
    dynlibs: plan.dynlibs,
    ...(fallback ? { fallback } : {}),
    ...(lazyAsyncio ? { lazyAsyncio: asyncioStart.size > 0 ? { archive: ASYNCIO_START } : {} } : {}),
    ...(bodies.length > 0 ? { bodies: Object.fromEntries(bodies.map(([input, entries]) => [input, { archive: bodiesFile(input), byFile: bodiesFolder(input), roots: bodyRoots(entries.keys()) }])) } : {}),
    ...(runtimeSplit ? { runtimeSplit: { deferred: RUNTIME_DIR + DEFERRED_WASM } } : {}),
    ...(runtimeData ? { runtimeData: runtimeData.manifest } : {}),
  };
  const files = new Map<string, Uint8Array>([
    ["python_stdlib.zip", writeStoredZip(plan.stdlib.kept)],
    ["bundle.zip", writeStoredZip(stripSlash(kept))],
    ["manifest.json", new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n")],
    ...bodies.flatMap(([input, entries]): [string, Uint8Array][] => [[bodiesFile(input), writeStoredZip(stripSlash(entries))], ...bodiesByFile(input, entries)]),
    ...(lazyAsyncio && asyncioStart.size > 0 ? [[ASYNCIO_START, writeStoredZip(asyncioStart)] as [string, Uint8Array]] : []),
    ["loader.mjs", loaderBundle()],
    ...SHIPPED_ASSETS.map((name): [string, Uint8Array] => [name, new Uint8Array(readFileSync(assetPath(`${PAGE_ROOM}/${name}`)))]),
  ]);
  writeFiles(dir, files);
  if (page && "text" in page) writeFileSync(join(dir, "index.html"), page.text);
  else copyFileSync(page?.file ?? assetPath(`${PAGE_ROOM}/index.html`), join(dir, "index.html"));
  const runtime = new Map<string, Uint8Array>(dist.runtimeFiles.map((name) => [RUNTIME_DIR + name, new Uint8Array(readFileSync(join(dist.dir, name)))]));
  if (runtimeSplit && runtimeSplit !== "later") {
    runtime.set(RUNTIME_DIR + RUNTIME_WASM, runtimeSplit.primary);
    runtime.set(RUNTIME_DIR + DEFERRED_WASM, runtimeSplit.deferred);
  }
  if (runtimeData) {
    runtime.set(RUNTIME_DIR + RUNTIME_WASM, runtimeWasm(runtime.get(RUNTIME_DIR + RUNTIME_WASM)!, runtimeData));
    for (const [name, data] of runtimeData.files) runtime.set(name, data);
  }
  writeFiles(dir, runtime);
  return { manifest, files, runtime, runtimeData };
}

/** Writes files (output-folder name → bytes) into dir, making folders as needed. */
export function writeFiles(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
  for (const [name, data] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
}

/**
 * X.br and X.gz beside every file a page downloads, for servers that serve
 * precompressed files (nginx brotli_static/gzip_static) and for the loader's own
 * fallback on servers that compress nothing.
 */
export async function writeSidecars(dir: string, names: readonly string[], meter: SizeMeter): Promise<void> {
  await Promise.all(names.map((name) => meter.writeSidecars(new Uint8Array(readFileSync(join(dir, name))), join(dir, name))));
}

/** Every file a page downloads from the output folder: the bundle's and the runtime's. */
export function servedFiles(written: WrittenBundle): string[] {
  return [...written.files.keys(), "index.html", ...written.runtime.keys()];
}

/**
 * A fresh folder beside `out` to write into; commitOutput renames it into place, so a
 * failed pack leaves neither a partial folder nor a damaged previous one.
 */
export function prepareOutput(out: string): string {
  if (existsSync(out)) {
    const previous = readdirSync(out);
    if (previous.length > 0 && !previous.includes("manifest.json")) {
      throw new PackError("OUTPUT_NOT_WRITABLE", {
        path: out,
        detail: "it exists and is not a pack output; remove it or choose another --out",
      });
    }
  }
  try {
    mkdirSync(dirname(out), { recursive: true });
    const temp = mkdtempSync(join(dirname(out), `.${basename(out)}.tmp-`));
    chmodSync(temp, 0o755); // mkdtemp makes it private; a web server must read the folder
    return temp;
  } catch (error) {
    throw new PackError("OUTPUT_NOT_WRITABLE", { path: out, detail: (error as Error).message });
  }
}

export function commitOutput(temp: string, out: string): void {
  const old = `${temp}.old`;
  if (existsSync(out)) renameSync(out, old);
  renameSync(temp, out);
  rmSync(old, { recursive: true, force: true });
}

/** Every file under dir, by "/"-separated path relative to it, sorted; none when dir is missing. */
export function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else files.set(prefix + name, readFileSync(full));
    }
  };
  if (existsSync(dir)) walk(dir, "");
  return files;
}

/** Eight hex digits of the sha256 of the parts, in order: a name that changes with the content. */
export function shortHash(...parts: (string | Uint8Array)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex").slice(0, 8);
}
