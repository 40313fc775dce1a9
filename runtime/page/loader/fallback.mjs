// @ts-check
// Putting back, on first need, what pack pruned from the bundle.
import { pythonSource } from "./python.mjs";
import { onMissingFile } from "../../shared/pyodide-adapter.mjs";
import { bloomTest } from "../../shared/bloom.mjs";
import { readResourceSync } from "./resources.mjs";
import { installArchive } from "../../shared/zip.mjs";

/**
 * @typedef {"local" | "cdn" | "off"} FallbackMode
 * @typedef {{ mode: FallbackMode, index: string, modules: import("../../shared/bloom.mjs").Bloom, files: import("../../shared/bloom.mjs").Bloom }} FallbackManifest
 *   manifest.json's fallback entry (written by packer/pipeline/fallback.ts): Bloom filters
 *   of the pruned module names and file paths, enough to tell without fetching the index
 *   whether a miss may be pack's doing
 * @typedef {Object} FallbackInput
 * @property {string} name
 * @property {"stdlib" | "published"} kind stdlib: the original zip replaces the pruned one
 *   at mount; published: the package's own archive, unpacked into extractDir
 * @property {string | null} archive relative to the output folder, or a URL; null when the
 *   mode keeps nothing
 * @property {string} [mount]
 * @property {string} [extractDir]
 * @property {string | null} [data] a stored zip (FS paths) of the pruned files that are not
 *   modules, for the open/stat hook
 * @typedef {Object} FallbackIndex fallback/index.json, read only when an import or open misses
 * @property {FallbackMode} mode
 * @property {FallbackInput[]} inputs
 * @property {Record<string, number>} modules pruned module name → input index
 * @property {Record<string, number>} files pruned FS path of a package file other than
 *   .py/.pyc (data, .so, dist-info) → input index
 * @typedef {{ wanted: string, archive: string, warning: string }} FallbackUse
 */

// Last on sys.meta_path: asked only when every other finder failed. lookup(name) says
// whether pack pruned the module; fetch(name) puts its input back (False when the
// bundle keeps no fallback).
const PRUNED_FINDER = pythonSource("fallback");

/**
 * Puts back, on first need, what pack pruned: an import that no finder satisfies, or an
 * open/stat of a missing package file, that the manifest's Bloom filters say pack may
 * have pruned, consults fallback/index.json (fetched then) and installs the input that
 * held it, logging one warning. With the fallback off (or a
 * bundle that keeps none), importing a pruned module fails with an error naming the fix.
 * @param {any} pyodide
 * @param {FallbackManifest} fallback
 * @param {(path: string) => URL} locate where a bundle file is
 * @param {{ enabled: boolean, fs?: typeof import("node:fs"), uses: FallbackUse[] }} options
 */
export function installFallback(pyodide, fallback, locate, { enabled, fs, uses }) {
  /** @type {FallbackIndex | undefined} */
  let index;
  const readIndex = () => (index ??= JSON.parse(new TextDecoder().decode(readResourceSync(locate(fallback.index), fs))));
  const installed = new Set();
  const mayBeModule = bloomTest(fallback.modules);
  const mayBeFile = bloomTest(fallback.files);
  /**
   * Installs input i's archive (for a module) or its data zip (for a file an open or
   * stat missed: unpacked here, without calling into Python), once; false when the
   * bundle keeps nothing to put back.
   * @param {number} i
   * @param {string} wanted
   * @param {"archive" | "data"} which
   */
  const fetchInput = (i, wanted, which) => {
    const input = /** @type {FallbackInput} */ (readIndex().inputs[i]);
    const archive = input[which];
    if (!enabled || !archive) return false;
    if (installed.has(archive)) return true;
    // Marked first: an install that stats or opens a file not there yet comes back here
    // and must not start the same install again.
    installed.add(archive);
    let bytes;
    try {
      bytes = readResourceSync(locate(archive), fs);
    } catch (error) {
      throw new Error(`pyodide-packer: ${wanted} was pruned from this bundle and its fallback ${archive} could not be read (${error}); deploy the fallback/ folder with the bundle`);
    }
    if (input.kind === "stdlib") pyodide.FS.writeFile(input.mount, bytes);
    else if (which === "data") installArchive(pyodide, bytes);
    else pyodide.unpackArchive(bytes, archive.endsWith(".whl") ? "wheel" : "zip", { extractDir: input.extractDir });
    const warning = `pyodide-packer: ${wanted} was pruned from this bundle and loaded from ${archive}; re-pack with a --scenario that uses it or --include ${wanted}`;
    uses.push({ wanted, archive, warning });
    console.warn(warning);
    return true;
  };
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(PRUNED_FINDER, { globals: scope, filename: "<pyodide-packer fallback>" });
    scope.get("install")(
      (/** @type {string} */ name) => mayBeModule(name) && name in readIndex().modules,
      (/** @type {string} */ name) => fetchInput(/** @type {number} */ (readIndex().modules[name]), name, "archive"),
    );
  } finally {
    scope.destroy();
  }
  if (!enabled) return;
  onMissingFile(pyodide, (path) => {
    // CPython looks for a cached .pyc of every source module it imports: never pack's.
    if (path.includes("/__pycache__/") || !mayBeFile(path)) return false;
    const i = readIndex().files[path];
    return i !== undefined && fetchInput(i, path, "data") && pyodide.FS.analyzePath(path).exists;
  });
}
