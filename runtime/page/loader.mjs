// @ts-check
// Boots a pyodide-packer bundle: Pyodide with the pruned stdlib, the bundle's files
// written into the Emscripten FS, and its dynamic libraries preloaded in the order the
// traced run loaded them. The trace session installs packages with this same code, so
// the traced run and the bundled run take the same path.
import { loadDynlib } from "../shared/pyodide-adapter.mjs";
import { installBodies } from "./loader/bodies.mjs";
import { installRuntimeData } from "./loader/runtime-data.mjs";
import { installFallback } from "./loader/fallback.mjs";
import { captureOutput } from "./loader/output.mjs";
import { serveBundledPackages } from "./loader/packages.mjs";
import { servePyScript } from "./loader/pyscript.mjs";
import { bundleLocator, readResource, readResourceSync } from "./loader/resources.mjs";
import { runApp } from "./loader/run.mjs";
import { withSplitRuntime } from "./loader/runtime-split.mjs";
import { installAsyncioStart, startupFsInit } from "./loader/startup.mjs";
import { installArchive } from "../shared/zip.mjs";

export { bloomTest, makeBloom } from "../shared/bloom.mjs";
export { captureOutput } from "./loader/output.mjs";
export { bundleLocator, readResource } from "./loader/resources.mjs";
export { runApp } from "./loader/run.mjs";
export { PYSCRIPT_VERSION as version } from "./loader/pyscript.mjs";
export { installArchive, readStoredZip, zipDirectory } from "../shared/zip.mjs";

/**
 * @typedef {{ path: string, global: boolean }} Dynlib
 * @typedef {import("../shared/bloom.mjs").Bloom} Bloom
 * @typedef {import("./loader/fallback.mjs").FallbackManifest} FallbackManifest
 * @typedef {import("./loader/fallback.mjs").FallbackSource} FallbackSource
 * @typedef {import("./loader/fallback.mjs").FallbackIndex} FallbackIndex
 * @typedef {import("./loader/fallback.mjs").FallbackUse} FallbackUse
 * @typedef {import("./loader/run.mjs").RunOutcome} RunOutcome
 * @typedef {import("../shared/zip.mjs").ZipEntry} ZipEntry
 * @typedef {import("./loader/bodies.mjs").BodiesManifest} BodiesManifest
 * @typedef {import("./loader/bodies.mjs").BodiesUse} BodiesUse
 * @typedef {import("./loader/bodies.mjs").BodiesMode} BodiesMode
 * @typedef {import("./loader/runtime-split.mjs").SplitUse} SplitUse
 * @typedef {import("./loader/runtime-data.mjs").RuntimeDataManifest} RuntimeDataManifest
 * @typedef {import("./loader/runtime-data.mjs").RuntimeDataUse} RuntimeDataUse
 * @typedef {Object} Manifest manifest.json, what this loader needs to boot the bundle: the
 *   one declaration of it (packer/output/bundle.ts writes it)
 * @property {number} format
 * @property {string} pyodideVersion
 * @property {object} lockInfo
 * @property {string} stdlib
 * @property {string} bundle
 * @property {string} main
 * @property {string} runtime
 * @property {Dynlib[]} dynlibs
 * @property {{ name: string, version: string }[]} [packages]
 * @property {FallbackManifest} [fallback]
 * @property {BodiesManifest} [bodies] input name → its deferred function bodies, when any
 * @property {{ deferred: string }} [runtimeSplit] the runtime's wasm is split
 *   (loader/runtime-split.mjs): deferred, the module with the functions the traced run
 *   did not run, relative to the bundle
 * @property {RuntimeDataManifest} [runtimeData] tables of the runtime's data segment that
 *   pack zeroed, written back before the built-in module that reads them is imported
 *   (loader/runtime-data.mjs)
 * @property {{ archive?: string }} [lazyAsyncio] asyncio and Pyodide's event loop wait until
 *   the app uses them (loader/startup.mjs); archive: the stdlib modules starting them
 *   imports that the bundle does not hold
 * @typedef {{ runtime: number, bundle: number, dynlibs: number }} LoadTimings
 */

/** @param {URL} url */
function toRuntimeLocation(url) {
  // Pyodide in Node takes paths, in browsers URLs.
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/**
 * Boots the bundle next to this file (or at options.baseURL). fallbacks lists what the
 * fallback had to put back, as it happens; bodies, which inputs' deferred function
 * bodies were read (options.bodies false: none, and calling a function whose body is
 * deferred fails naming it); prefetchBodies() reads the rest in the background;
 * timings, milliseconds per phase: runtime (Pyodide and the pruned stdlib), bundle (the
 * rest of its fetch, and unpacking), dynlibs (preloading the .so files). options.files
 * maps the bundle's paths to where a bundler put them (see bundleLocator). runtimeSplit
 * tells whether the split runtime's deferred module came, and how (options.deferredRuntime
 * false: it never does, and the first call into it fails); prefetchBodies reads it too.
 * runtimeData lists the built-in modules whose deferred data was written back
 * (options.runtimeData false: none, and importing one fails naming it); prefetchBodies
 * writes back the rest.
 * @param {{ pyodide?: any, loadPyodide?: (options: object) => Promise<any>,
 *   indexURL?: string, baseURL?: string | URL, files?: Record<string, string>,
 *   pyodideOptions?: object, fallback?: boolean, bodies?: BodiesMode, deferredRuntime?: boolean, runtimeData?: boolean }} [options]
 * @returns {Promise<{ pyodide: any, manifest: Manifest, fallbacks: FallbackUse[], bodies: BodiesUse,
 *   runtimeSplit: SplitUse, runtimeData: RuntimeDataUse, prefetchBodies: () => Promise<void>, timings: LoadTimings }>}
 */
export async function loadBundle(options = {}) {
  const base = new URL(options.baseURL ?? ".", import.meta.url);
  const locate = bundleLocator(base, options.files);
  const decoder = new TextDecoder();
  /** @type {LoadTimings} */
  const timings = { runtime: 0, bundle: 0, dynlibs: 0 };
  let lapStart = performance.now();
  const lap = (/** @type {keyof LoadTimings} */ phase) => {
    const now = performance.now();
    timings[phase] = Math.round(now - lapStart);
    lapStart = now;
  };
  /** @type {Manifest} */
  const manifest = JSON.parse(decoder.decode(await readResource(locate("manifest.json"))));
  const bundle = readResource(locate(manifest.bundle));
  bundle.catch(() => {}); // awaited below; a boot failure must not leave it unhandled
  let pyodide = options.pyodide;
  const fs = base.protocol === "file:" ? await import("node:fs") : undefined;
  /** @type {SplitUse} */
  const runtimeSplit = { loaded: "", refused: false };
  let prefetchRuntime = async () => {};
  if (!pyodide) {
    const indexURL = options.indexURL ? new URL(options.indexURL, base) : locate(manifest.runtime);
    const loadPyodide = options.loadPyodide ?? (await import(new URL("pyodide.mjs", indexURL).href)).loadPyodide;
    const pyodideOptions = /** @type {any} */ (options.pyodideOptions ?? {});
    const boot = () => loadPyodide({
      indexURL: toRuntimeLocation(indexURL),
      stdLibURL: toRuntimeLocation(locate(manifest.stdlib)),
      lockFileContents: { info: manifest.lockInfo, packages: {} },
      ...pyodideOptions,
      // As in the traced run: asyncio waits unless the bundle was packed with --eager-asyncio.
      fsInit: startupFsInit(manifest.lazyAsyncio !== undefined, pyodideOptions.fsInit, { sourceNames: true }),
    });
    const split = manifest.runtimeSplit;
    if (split) {
      const url = locate(split.deferred);
      const load = { readSync: () => readResourceSync(url, fs), compile: async () => WebAssembly.compile(/** @type {BufferSource} */ (await readResource(url))), enabled: options.deferredRuntime !== false, use: runtimeSplit };
      ({ value: pyodide, prefetch: prefetchRuntime } = await withSplitRuntime(load, boot));
    } else pyodide = await boot();
  }
  lap("runtime");
  installArchive(pyodide, await bundle);
  lap("bundle");
  for (const lib of manifest.dynlibs) await loadDynlib(pyodide, lib.path, lib.global);
  lap("dynlibs");
  serveBundledPackages(pyodide, manifest.packages ?? []);
  /** @type {BodiesUse} */
  const bodies = { loaded: [], files: [], functions: 0, refused: [], called: [] };
  const prefetchFunctions = manifest.bodies ? installBodies(pyodide, manifest.bodies, locate, { mode: options.bodies ?? true, fs, use: bodies }) : async () => {};
  /** @type {RuntimeDataUse} */
  const runtimeData = { filled: [], refused: [] };
  const prefetchData = manifest.runtimeData ? installRuntimeData(pyodide, manifest.runtimeData, locate, { enabled: options.runtimeData !== false, fs, use: runtimeData }) : async () => {};
  const asyncioStart = manifest.lazyAsyncio?.archive;
  const prefetchAsyncio = asyncioStart ? installAsyncioStart(pyodide, locate(asyncioStart), { enabled: options.bodies !== false, fs }) : async () => {};
  /** @type {FallbackUse[]} */
  const fallbacks = [];
  let prefetchFallback = async () => {};
  // Waiting for a promise (JSPI) runs the event loop and C code the trace did not: before
  // the prefetch has brought the runtime's rest and asyncio, a miss would fetch them too
  // (760 kB brotli for a 1 kB module), so until then it reads its few kB synchronously.
  let prefetched = false;
  if (manifest.fallback) {
    const enabled = options.fallback !== false && manifest.fallback.mode !== "off";
    prefetchFallback = installFallback(pyodide, manifest.fallback, locate, { enabled, fs, uses: fallbacks, canWait: () => prefetched });
  }
  const prefetchBodies = async () => {
    // The runtime's rest first: reading bodies and starting asyncio run C code the trace
    // may not have, whose first call would otherwise fetch it synchronously.
    // Failing, it leaves the first call to fetch it: the bodies come all the same.
    await prefetchRuntime().catch((error) => console.warn(`pyodide-packer: prefetching the runtime's deferred module failed: ${error}`));
    await Promise.all([prefetchFunctions(), prefetchAsyncio(), prefetchData().catch((error) => console.warn(`pyodide-packer: prefetching the runtime's deferred data failed: ${error}`))]);
    prefetched = true;
    // The likely misses' chunks last: none of them may be needed.
    await prefetchFallback().catch((error) => console.warn(`pyodide-packer: prefetching the fallback's likely chunks failed: ${error}`));
  };
  // The page's own scripts (and pack's page scenarios) reach the app's Pyodide here.
  /** @type {any} */ (globalThis).pyodidePackerPyodide = pyodide;
  return { pyodide, manifest, fallbacks, bodies, runtimeSplit, runtimeData, prefetchBodies, timings };
}

/**
 * @typedef {{ stdout: string, stderr: string, outcome: RunOutcome,
 *   timings: Partial<LoadTimings> & { load?: number, run?: number, total?: number },
 *   fallbacks: FallbackUse[], bodies: BodiesUse, runtimeSplit?: SplitUse, runtimeData?: RuntimeDataUse, prefetched?: boolean }} BundleRun
 *   prefetched: set once the prefetch after the first result has ended
 */

/** Runs work when the page is idle (soon, where there is no such notion). */
function whenIdle(/** @type {() => void} */ work) {
  if (typeof requestIdleCallback === "function") requestIdleCallback(work);
  else setTimeout(work, 0);
}

/**
 * What a run reports of how its bundle loaded: what the fallback put back and which
 * bodies were read, and the split runtime's and the deferred data's use where the bundle has them.
 * @param {Awaited<ReturnType<typeof loadBundle>>} loaded
 * @returns {Pick<BundleRun, "fallbacks" | "bodies" | "runtimeSplit" | "runtimeData">}
 */
function loadUses({ manifest, fallbacks, bodies, runtimeSplit, runtimeData }) {
  return { fallbacks, bodies, ...(manifest.runtimeSplit ? { runtimeSplit } : {}), ...(manifest.runtimeData ? { runtimeData } : {}) };
}

/**
 * After the app's first result: prefetches when the page is idle, and marks run.prefetched
 * once that has ended (a failure leaves each first use to fetch its own).
 * @param {() => Promise<void>} prefetchBodies
 * @param {{ prefetched?: boolean }} run
 */
function prefetchWhenIdle(prefetchBodies, run) {
  whenIdle(() =>
    void prefetchBodies()
      .catch((error) => console.warn(`pyodide-packer: prefetching function bodies failed: ${error}`))
      .finally(() => (run.prefetched = true)),
  );
}

/**
 * Boots the bundle and runs its app once, as index.html does on the page's main thread
 * and worker.mjs in a Web Worker; onText gets the app's output as it comes. After the
 * app's first result the deferred function bodies are prefetched when the page is idle
 * (options.prefetch false: only when a function needs its own). The result is also left
 * as globalThis.pyodidePackerLastRun, for a host that drives the page.
 * options are loadBundle's (options.files: a bundler plugin's names), and prefetch.
 * @param {Parameters<typeof loadBundle>[0] & { prefetch?: boolean }} options
 * @param {(stream: "stdout" | "stderr", text: string) => void} [onText]
 * @returns {Promise<BundleRun>}
 */
export async function runBundle(options = {}, onText = () => {}) {
  /** @type {BundleRun} */
  const result = { stdout: "", stderr: "", outcome: { ok: false, exitCode: 1 }, timings: {}, fallbacks: [], bodies: { loaded: [], files: [], functions: 0, refused: [], called: [] } };
  const since = (/** @type {number} */ start) => Math.round(performance.now() - start);
  try {
    let start = performance.now();
    const loaded = await loadBundle(options);
    const { pyodide, manifest, prefetchBodies, timings } = loaded;
    Object.assign(result, loadUses(loaded));
    result.timings = { ...timings, load: since(start) };
    captureOutput(pyodide, (stream, text) => {
      result[stream] += text;
      onText(stream, text);
    });
    start = performance.now();
    result.outcome = await runApp(pyodide, manifest.main);
    result.timings.run = since(start);
    if (options.prefetch !== false) prefetchWhenIdle(prefetchBodies, result);
  } catch (error) {
    const e = /** @type {any} */ (error);
    result.outcome = { ok: false, exitCode: 1, errorType: "LoaderError", error: String(e?.stack ?? e) };
  }
  /** @type {any} */ (globalThis).pyodidePackerLastRun = result;
  return result;
}

/**
 * PyScript's interpreter: a page packed from a PyScript page names ./loader.mjs in its
 * config, and PyScript calls this as Pyodide's own loadPyodide. It boots the bundle with
 * the options a host that drives the page left in window.pyodidePackerOptions, sends what
 * the scripts print to PyScript's stdout and stderr, and once its Pyodide scripts are done
 * leaves the run as globalThis.pyodidePackerLastRun and prefetches when the page is idle.
 * @param {import("./loader/pyscript.mjs").PyScriptOptions} [pyscriptOptions]
 * @returns {Promise<any>} the bundle's Pyodide
 */
export async function loadPyodide(pyscriptOptions = {}) {
  const options = /** @type {any} */ (globalThis).pyodidePackerOptions ?? {};
  const start = performance.now();
  const loaded = await loadBundle(options);
  const { pyodide, prefetchBodies, timings } = loaded;
  /** @type {BundleRun & { page?: string }} */
  const run = { stdout: "", stderr: "", outcome: { ok: true, exitCode: 0 }, timings: { ...timings, load: Math.round(performance.now() - start) }, ...loadUses(loaded) };
  return servePyScript(pyodide, run, pyscriptOptions, captureOutput, () => {
    run.timings.total = Math.round(performance.now());
    if (options.prefetch !== false) prefetchWhenIdle(prefetchBodies, run);
  });
}
