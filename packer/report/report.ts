import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CodeKey } from "../../runtime/host/host.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import type { StaticFindings } from "../../analyzers/static-usage.ts";
import type { TransformOptions, TransformResult } from "../../transforms/apply.ts";
import { isDynlib, type BundlePlan } from "../../transforms/select.ts";
import { ASYNCIO_START, bodiesFile, isBodiesByFile, type WrittenBundle } from "../output/bundle.ts";
import type { PageAssets } from "../pipeline/assets.ts";
import type { FallbackCost } from "../pipeline/fallback.ts";
import { stripSlash } from "../pipeline/stage.ts";
import { sumSizes, type SizeMeter, type Sizes } from "../output/sizes.ts";
import { writeStoredZip } from "../../runtime/host/zip.ts";

export interface InOut {
  in: number;
  out: number;
}

/** One row: a package, the stdlib, or the total. */
export interface ReportRow {
  name: string;
  version?: string;
  files: InOut;
  so: InOut;
  /** Raw bytes of those .so files. */
  soBytes: InOut;
  bytes: InOut;
  gzip: InOut;
  brotli: InOut;
  /**
   * Lazy bodies: the code of functions that did not run in the traced run, shipped as
   * stubs above ("out" is what a page downloads before the app's first result) and here
   * as the archive a page fetches on first call or prefetches after that result.
   */
  deferred?: { functions: number; bytes: number; gzip: number; brotli: number };
}

/** One install the app asked for while it ran, and the packages it brought. */
export interface RunTimeInstall {
  requested: string[];
  /** micropip.install or loadPackage. */
  via: string;
  packages: string[];
}

export interface Validation {
  ok: boolean;
  skipped: boolean;
  outputMatches: boolean;
  /** What the app printed when run from the bundle (its first 64 KiB). */
  stdout: string;
  /** Characters printed in all, when stdout was cut. */
  stdoutLength?: number;
  detail?: string;
}

export interface PackReport {
  pyodide: { version: string; python: string };
  runner: string;
  main: string;
  stdlib: ReportRow;
  packages: ReportRow[];
  /** Everything a page downloads besides the runtime: stock stdlib + wheels vs the bundle's files. */
  total: ReportRow;
  /**
   * The runtime files a page downloads before the app's first result. Identical with and
   * without pack unless its wasm is split: then stock gives the released files' sizes
   * and deferred the module with the functions no run ran (loaded by need, not counted).
   */
  runtime: {
    files: string[];
    bytes: number;
    gzip: number;
    brotli: number;
    stock?: { bytes: number; gzip: number; brotli: number };
    deferred?: { file: string; functions: number; kept: number; bytes: number; gzip: number; brotli: number };
    /** The runtime's data deferred (packer/pipeline/runtime-data.ts): the built-in modules whose tables ship apart, and their files' sizes. */
    data?: { modules: string[]; bytes: number; gzip: number; brotli: number };
  };
  dynlibs: { path: string; global: boolean }[];
  /** What each transform did, by input, in raw bytes; and what it could not do. */
  transforms: { options: TransformOptions } & Pick<TransformResult, "savings" | "stubbed" | "warnings"> & Partial<Pick<TransformResult, "sourceRead" | "keptDocstrings">> & {
    /** Functions the bundle ran that the trace did not (a transform changed the path): shipped whole. */
    bundleOnly?: CodeKey[];
  };
  /** The static witness: what it reaches beyond the trace, what nothing can follow. */
  static: StaticFindings;
  /** What fallback/ adds to the deploy folder. */
  fallback: FallbackCost;
  /**
   * The page's own files: what the app fetched from its base URL during the trace (or
   * --include named), copied beside index.html; other origins it asked, and what failed.
   * Not in the total: they are the app's data, downloaded when it asks.
   */
  assets: {
    files: { name: string; reason: string; bytes: number; gzip: number; brotli: number }[];
    external: PageAssets["external"];
    failed: PageAssets["failed"];
  };
  /**
   * A PyScript page's own PyScript: the files of it the page loaded (among assets), in sum.
   * A page downloads them before its first result, as it does the loader: they count in
   * the page's budget (--budget-page).
   */
  pyscript?: { folder: string; files: string[]; bytes: number; gzip: number; brotli: number };
  /** What the app installed while it ran (micropip.install, loadPackage), and the packages it brought. */
  installs: RunTimeInstall[];
  /**
   * The app folder, in sum: what was staged beside the app (the main file included), and
   * what of it the run did not use and so does not ship (files, raw bytes as staged).
   */
  appFolder: {
    staged: { files: number; bytes: number };
    unused: { files: number; bytes: number };
    /** What ships only because the app listed its folder (nothing opened or imported it), and those folders. */
    listed?: { files: number; bytes: number; folders: string[] };
  };
  /**
   * Where asyncio waits until the app uses it (the default) and the run never used it:
   * the stdlib modules starting it imports, shipped apart (startup/asyncio.zip), read
   * when asyncio starts or prefetched after the first result. Not in the total.
   */
  lazyAsyncio?: { modules: number; bytes: number; gzip: number; brotli: number };
  validation: Validation;
}

/** The app folder in sum: staged (FS path → bytes) against what ships of it, in the bundle or as the page's own files. */
export function appFolderSum(staged: ReadonlyMap<string, Uint8Array>, ships: (path: string) => boolean, listedOnly: readonly string[] = []): PackReport["appFolder"] {
  const sum = (files: Uint8Array[]) => ({ files: files.length, bytes: files.reduce((n, d) => n + d.length, 0) });
  const listed = listedOnly.filter((path) => staged.has(path));
  const folders = [...new Set(listed.map((path) => path.slice(0, path.lastIndexOf("/"))))].sort();
  return {
    staged: sum([...staged.values()]),
    unused: sum([...staged].filter(([path]) => !ships(path)).map(([, data]) => data)),
    ...(listed.length > 0 ? { listed: { ...sum(listed.map((path) => staged.get(path)!)), folders } } : {}),
  };
}

function row(
  name: string,
  version: string | undefined,
  files: InOut,
  [so, soBytes]: [InOut, InOut],
  before: Sizes,
  after: Sizes,
): ReportRow {
  return {
    name,
    ...(version ? { version } : {}),
    files,
    so,
    soBytes,
    bytes: { in: before.raw, out: after.raw },
    gzip: { in: before.gzip, out: after.gzip },
    brotli: { in: before.brotli, out: after.brotli },
  };
}

/** Count and raw bytes of the .so files, before and after. */
function dynlibSizes(before: ReadonlyMap<string, Uint8Array>, after: ReadonlyMap<string, Uint8Array>): [InOut, InOut] {
  const of = (files: ReadonlyMap<string, Uint8Array>) => [...files].filter(([path]) => isDynlib(path)).map(([, data]) => data.length);
  const [b, a] = [of(before), of(after)];
  const total = (sizes: number[]) => sizes.reduce((n, s) => n + s, 0);
  return [
    { in: b.length, out: a.length },
    { in: total(b), out: total(a) },
  ];
}

/** Measured sizes as the report gives them: bytes raw, gzip and brotli. */
function reported(sizes: Sizes): { bytes: number; gzip: number; brotli: number } {
  return { bytes: sizes.raw, gzip: sizes.gzip, brotli: sizes.brotli };
}

export async function buildReport(
  plan: BundlePlan,
  written: WrittenBundle,
  dist: PyodideDist,
  meter: SizeMeter,
  context: Pick<PackReport, "runner" | "validation" | "transforms" | "static" | "fallback" | "installs" | "appFolder"> & {
    assets: PageAssets;
    /** A PyScript page's: the folder under the page its PyScript is served from ("pyscript"). */
    pyscriptFolder?: string;
    /** Where the runtime's wasm is split: the functions moved to the deferred module and those kept. */
    runtimeSplit?: { moved: number; kept: number };
  },
): Promise<PackReport> {
  const read = (path: string) => new Uint8Array(readFileSync(path));
  const none: Sizes = { raw: 0, gzip: 0, brotli: 0 };
  const deferredFiles = new Set([...plan.bodies.keys()].map(bodiesFile));
  const asyncioStart = written.files.get(ASYNCIO_START);
  if (asyncioStart) deferredFiles.add(ASYNCIO_START);
  // One file's bodies are the same code again as its input's archive, read on need.
  const upFront = [...written.files].filter(([name]) => !deferredFiles.has(name) && !isBodiesByFile(name)).map(([, data]) => data);
  // Started together so that the compressions share both cores.
  const deferredRuntime = [written.manifest.runtimeSplit?.deferred].find((name) => name !== undefined && written.runtime.has(name));
  // The runtime's deferred data comes only when a module that reads it is imported.
  const deferredData = new Set(written.runtimeData?.files.keys());
  const runtimeNames = [...written.runtime.keys()].filter((name) => name !== deferredRuntime && !deferredData.has(name));
  const deferring = deferredRuntime !== undefined || deferredData.size > 0;
  const [stdlibIn, stdlibOut, befores, afters, shipped, runtimeSizes, assetSizes, asyncioSizes, stockRuntime, deferredRuntimeSizes, deferredDataSizes] = await Promise.all([
    meter.measure(read(dist.stdlibZip)),
    meter.measure(written.files.get("python_stdlib.zip")!),
    Promise.all(plan.packages.map((p) => meter.measure(read(p.pkg.path)))),
    Promise.all(plan.packages.map((p) => (p.kept.size > 0 ? meter.measure(writeStoredZip(stripSlash(p.kept))) : none))),
    Promise.all(upFront.map((data) => meter.measure(data))),
    Promise.all(runtimeNames.map((name) => meter.measure(written.runtime.get(name)!))),
    Promise.all([...context.assets.files.values()].map((data) => meter.measure(data))),
    asyncioStart ? meter.measure(asyncioStart) : undefined,
    deferring ? Promise.all(dist.runtimeFiles.map((f) => meter.measure(read(join(dist.dir, f))))) : undefined,
    deferredRuntime ? meter.measure(written.runtime.get(deferredRuntime)!) : undefined,
    Promise.all([...deferredData].map((name) => meter.measure(written.runtime.get(name)!))),
  ]);
  const assetNames = [...context.assets.files.keys()];
  const assets: PackReport["assets"] = {
    files: assetNames.map((name, i) => {
      const { raw, gzip, brotli } = assetSizes[i]!;
      return { name, reason: context.assets.reasons.get(name)!, bytes: raw, gzip, brotli };
    }),
    external: context.assets.external,
    failed: context.assets.failed,
  };
  const folder = context.pyscriptFolder;
  const ofPyScript = assetNames.flatMap((name, i) => (folder !== undefined && name.startsWith(`${folder}/`) ? [i] : []));
  const pyscriptSizes = sumSizes(ofPyScript.map((i) => assetSizes[i]!));
  const pyscript: PackReport["pyscript"] =
    folder === undefined ? undefined : { folder, files: ofPyScript.map((i) => assetNames[i]!), ...reported(pyscriptSizes) };
  const deferredSizes = new Map(
    await Promise.all(
      [...plan.bodies.keys()].map(async (input): Promise<[string, NonNullable<ReportRow["deferred"]>]> => {
        const { raw, gzip, brotli } = await meter.measure(written.files.get(bodiesFile(input))!);
        return [input, { functions: context.transforms.stubbed[input] ?? 0, bytes: raw, gzip, brotli }];
      }),
    ),
  );
  const withDeferred = (r: ReportRow, input: string): ReportRow => {
    const deferred = deferredSizes.get(input);
    return deferred ? { ...r, deferred } : r;
  };
  const packages = plan.packages.map((p, i) =>
    withDeferred(
      row(p.pkg.name, p.pkg.version, { in: p.files.size, out: p.kept.size }, dynlibSizes(p.files, p.kept), befores[i]!, afters[i]!),
      p.pkg.name,
    ),
  );
  const runtime = sumSizes(runtimeSizes);
  const stdlib = withDeferred(row(
    "stdlib",
    undefined,
    { in: plan.stdlib.files.size, out: plan.stdlib.kept.size },
    [
      { in: 0, out: 0 },
      { in: 0, out: 0 },
    ],
    stdlibIn,
    stdlibOut,
  ), "stdlib");
  const sum = (pick: (r: ReportRow) => InOut) => ({
    in: pick(stdlib).in + packages.reduce((n, r) => n + pick(r).in, 0),
    out: pick(stdlib).out + packages.reduce((n, r) => n + pick(r).out, 0),
  });
  const totalRow = row("total", undefined, sum((r) => r.files), [sum((r) => r.so), sum((r) => r.soBytes)], sumSizes([stdlibIn, ...befores]), sumSizes(shipped));
  const deferred = [...deferredSizes.values()];
  const sizes = sumSizes(deferred.map((d) => ({ raw: d.bytes, gzip: d.gzip, brotli: d.brotli })));
  const functions = deferred.reduce((n, d) => n + d.functions, 0);
  const total: ReportRow =
    deferred.length === 0 ? totalRow : { ...totalRow, deferred: { functions, ...reported(sizes) } };
  return {
    pyodide: { version: dist.version, python: dist.pythonVersion },
    runner: context.runner,
    main: plan.main,
    stdlib,
    packages,
    total,
    runtime: {
      files: runtimeNames.map((name) => name.slice(name.lastIndexOf("/") + 1)),
      ...reported(runtime),
      ...(stockRuntime ? { stock: reported(sumSizes(stockRuntime)) } : {}),
      ...(written.runtimeData ? { data: { modules: written.runtimeData.regions.map((r) => r.module), ...reported(sumSizes(deferredDataSizes)) } } : {}),
      ...(deferredRuntime && deferredRuntimeSizes
        ? {
            deferred: {
              file: deferredRuntime.slice(deferredRuntime.lastIndexOf("/") + 1),
              functions: context.runtimeSplit?.moved ?? 0,
              kept: context.runtimeSplit?.kept ?? 0,
              ...reported(deferredRuntimeSizes),
            },
          }
        : {}),
    },
    dynlibs: plan.dynlibs,
    transforms: context.transforms,
    static: context.static,
    fallback: context.fallback,
    assets,
    ...(pyscript ? { pyscript } : {}),
    installs: context.installs,
    appFolder: context.appFolder,
    ...(asyncioSizes
      ? { lazyAsyncio: { modules: plan.stdlib.asyncioStart?.size ?? 0, ...reported(asyncioSizes) } }
      : {}),
    validation: context.validation,
  };
}
