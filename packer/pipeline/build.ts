import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { StagedInputs } from "../../analyzers/inputs.ts";
import type { ResolvedPackage } from "../../analyzers/resolve.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { applyTransforms, type CodeCoverage, type TransformOptions, type TransformResult } from "../../transforms/apply.ts";
import type { BundlePlan } from "../../transforms/select.ts";
import { DEFERRED_WASM, prepareOutput, RUNTIME_DIR, RUNTIME_WASM, runtimeWasm, servedFiles, writeBundle, writeFiles, writeSidecars, type RuntimeDataPlan, type RuntimeSplit, type WrittenBundle } from "../output/bundle.ts";
import { serverConfigs } from "../output/server-config.ts";
import { addServiceWorker, SERVICE_WORKER, writeServiceWorker } from "../output/service-worker.ts";
import type { SizeMeter } from "../output/sizes.ts";
import type { PageAssets } from "./assets.ts";
import { fallbackOutput, type FallbackOutput, type FallbackPlan } from "./fallback.ts";
import type { PackOptions } from "./pack-options.ts";
import { pageOf, type Settings } from "./settings.ts";

/** What a build of the output needs, known before the first one. */
export interface BuildInput {
  selected: BundlePlan;
  dist: PyodideDist;
  inputs: StagedInputs;
  fallback: FallbackPlan;
  assets: PageAssets;
  options: PackOptions;
  settings: Settings;
  meter: SizeMeter;
  /** The runtime's data the bundle defers. */
  runtimeData?: RuntimeDataPlan;
}

/** One build: the transformed plan, what was written, and the temporary folder it is in. */
export interface Built {
  transformed: TransformResult;
  written: WrittenBundle;
  dir: string;
  /** The fallback's index and chunks as written. */
  fallback: FallbackOutput;
  /** With --service-worker: what its sw.js lists, for a split written later to list anew. */
  serviceWorker?: { served: string[]; rest: string[] };
}

/**
 * Transforms the selection and writes it, with sidecars, into a fresh temporary folder
 * beside the output; with runtimeSplit, the runtime's wasm split (runtime-split.ts), or
 * "later": whole, with the manifest saying split, for validation to profile and then
 * split (replaceRuntimeSplit), so that only the final split is compressed.
 */
export async function buildOutput(input: BuildInput, transforms: TransformOptions, coverage: CodeCoverage, runtimeSplit?: RuntimeSplit | "later"): Promise<Built> {
  const { selected, dist, inputs, fallback, assets, options, settings: s, meter, runtimeData } = input;
  s.step("transform");
  // The fallback's modules are transformed with the bundle's: one policy for both.
  const transformed = await applyTransforms({ ...selected, pruned: fallback.pruned }, dist, inputs.stdlibMount, transforms, s.cacheDir, coverage);
  s.step("write");
  const dir = prepareOutput(s.out);
  try {
    const fallen = fallbackOutput(fallback, transformed.plan.pruned ?? fallback.pruned);
    writeFiles(dir, fallen.files);
    writeFiles(dir, assets.files);
    const written = writeBundle(transformed.plan, dist, dir, { fallback: fallen.manifest, page: pageOf(s), lazyAsyncio: !options.eagerAsyncio, runtimeSplit, runtimeData });
    const served = [...servedFiles(written), ...assets.files.keys()];
    const serviceWorker = options.serviceWorker ? { served: [...served], rest: [...fallen.files.keys()] } : undefined;
    if (serviceWorker) served.push(addServiceWorker(dir, serviceWorker.served, serviceWorker.rest));
    writeFiles(dir, new Map([...serverConfigs(options.serverConfig ?? [])].map(([name, text]) => [name, new TextEncoder().encode(text)])));
    // The fallback's index and chunks get sidecars too: a miss fetches a few of them.
    await writeSidecars(dir, [...served, ...fallen.files.keys()], meter);
    return { transformed, written, dir, fallback: fallen, serviceWorker };
  } catch (error) {
    // No partial output: the half-written folder goes.
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The built output with its runtime's wasm split anew (validation found more that ran):
 * only the runtime's two wasm files and their sidecars change. The files are written
 * before this returns its promise, which settles when their sidecars are.
 */
export function replaceRuntimeSplit(built: Built, split: RuntimeSplit, meter: SizeMeter): Promise<void> {
  const changed = new Map([
    [RUNTIME_DIR + RUNTIME_WASM, runtimeWasm(split.primary, built.written.runtimeData)],
    [RUNTIME_DIR + DEFERRED_WASM, split.deferred],
  ]);
  writeFiles(built.dir, changed);
  for (const [name, data] of changed) built.written.runtime.set(name, data);
  const rewritten = [...changed.keys()];
  const sw = built.serviceWorker;
  if (sw) {
    // sw.js lists the deferred module and names its cache by what it caches.
    writeServiceWorker(built.dir, [...new Set([...sw.served, ...changed.keys()])], sw.rest);
    rewritten.push(SERVICE_WORKER);
  }
  return writeSidecars(built.dir, rewritten, meter);
}

/**
 * What needs no trace to be known, started at once so that it overlaps the trace: the
 * runtime's sidecars (the same in every bundle, and the slowest brotli of a cold pack)
 * and the sizes of the stock stdlib and wheels the report compares with. Whoever needs
 * them later waits for the same compression.
 */
export function compressEarly(meter: SizeMeter, dist: PyodideDist, packages: readonly ResolvedPackage[]): void {
  const read = (path: string) => new Uint8Array(readFileSync(path));
  const runtime = dist.runtimeFiles.map((f) => read(join(dist.dir, f))).filter((bytes) => !meter.hasCompressed(bytes));
  const started = [
    ...runtime.map((bytes) => meter.compress(bytes)),
    meter.measure(read(dist.stdlibZip)),
    ...packages.map((p) => meter.measure(read(p.path))),
  ];
  for (const work of started) work.catch(() => {});
}
