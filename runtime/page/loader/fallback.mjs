// @ts-check
// Putting back, on first need, what pack pruned from the bundle.
import { pythonSource } from "./python.mjs";
import { onMissingFile } from "../../shared/pyodide-adapter.mjs";
import { bloomTest } from "../../shared/bloom.mjs";
import { readResource, readResourceSync } from "./resources.mjs";
import { installArchive } from "../../shared/zip.mjs";
import { fallbackFileChunk, fallbackShard } from "../../shared/name-key.mjs";

/**
 * @typedef {"local" | "cdn" | "off"} FallbackMode
 * @typedef {{ mode: FallbackMode, modules: import("../../shared/bloom.mjs").Bloom,
 *   files: import("../../shared/bloom.mjs").Bloom, mirror: [string, string], prefetch?: string[] }} FallbackManifest
 *   manifest.json's fallback entry (written by packer/pipeline/fallback.ts): Bloom filters
 *   of the pruned module names and file paths, enough to tell without a request whether a
 *   miss may be pack's doing; mirror: the stdlib zip's mount, and the folder its chunks
 *   write to (a package imported from the zip finds its pruned submodules there);
 *   prefetch: the index shards and chunks of the likely misses, which the page reads
 *   after its first result
 * @typedef {Object} FallbackSource
 * @property {string} archive relative to the output folder, or a URL
 * @property {"files" | "stdlib" | "wheel"} kind files: a chunk, a stored zip of FS paths
 *   (pruned modules compiled, or a folder's other files); stdlib: the original stdlib zip,
 *   which replaces the pruned one at mount; wheel: a package as published, unpacked into
 *   extractDir
 * @property {string} [mount]
 * @property {string} [extractDir]
 * @property {number} [bytes] a chunk's size
 * @typedef {Object} FallbackIndex one shard of the index, fallback/index/TOP.json
 *   (fallbackShard): the pruned modules under one top-level name, read when one of them
 *   misses (or by the prefetch)
 * @property {FallbackSource[]} sources
 * @property {Record<string, number[]>} modules pruned module name → the sources its import
 *   needs: its own, then those of the pruned modules it imports at once (none: the mode
 *   keeps nothing)
 * @typedef {{ wanted: string, archive: string, warning: string, fetched: string[], waited: boolean }} FallbackUse
 *   archive: the source that holds what was wanted; fetched: every source this miss put
 *   back (read then, or earlier by the prefetch); waited: the import waited for a fetch
 *   (JSPI) instead of a synchronous request
 */

// Last on sys.meta_path: asked only when every other finder failed. lookup(name) says
// whether pack pruned the module; fetch(name) puts its chunks back (False when the bundle
// keeps no fallback).
const PRUNED_FINDER = pythonSource("fallback");

/**
 * Puts back, on first need, what pack pruned: an import that no finder satisfies, or an
 * open/stat of a missing package file, that the manifest's Bloom filters say pack may
 * have pruned, reads the module's index shard (or names a file's chunk from its folder)
 * and installs the chunks that hold it, logging one warning. Where the import can wait
 * for a promise (JSPI, when canWait says so), the chunks come by fetch; elsewhere by a
 * synchronous request. With the fallback off (or a bundle that keeps none), importing a
 * pruned module fails with an error naming the fix. Returns prefetch(): reads the
 * manifest's likely shards and chunks in the background, so that their misses need no
 * request.
 * @param {any} pyodide
 * @param {FallbackManifest} fallback
 * @param {(path: string) => URL} locate where a bundle file is
 * @param {{ enabled: boolean, fs?: typeof import("node:fs"), uses: FallbackUse[], canWait?: () => boolean }} options
 *   canWait: whether an import may wait for a fetch now, where JSPI lets it (by default never)
 * @returns {() => Promise<void>}
 */
export function installFallback(pyodide, fallback, locate, { enabled, fs, uses, canWait = () => false }) {
  /** @type {Map<string, FallbackIndex | null>} shards read, by name (null: none there) */
  const shards = new Map();
  const parse = (/** @type {Uint8Array} */ bytes) => /** @type {FallbackIndex} */ (JSON.parse(new TextDecoder().decode(bytes)));
  /** Sources installed (by archive), and those read ahead but not installed yet. */
  const installed = new Set();
  /** @type {Map<string, Uint8Array>} */
  const ahead = new Map();
  /** The shard that lists a module, read once. @param {string} name */
  const shardOf = (name) => {
    const shard = fallbackShard(name);
    if (!shards.has(shard)) {
      const early = ahead.get(shard);
      shards.set(shard, parse(early ?? readResourceSync(locate(shard), fs)));
    }
    return /** @type {FallbackIndex} */ (shards.get(shard));
  };
  const mayBeModule = bloomTest(fallback.modules);
  const mayBeFile = bloomTest(fallback.files);
  /** @param {string} wanted @param {FallbackSource} source @param {Error} error */
  const unreadable = (wanted, source, error) =>
    new Error(`pyodide-packer: ${wanted} was pruned from this bundle and its fallback ${source.archive} could not be read (${error}); deploy the fallback/ folder with the bundle`);
  /** @param {FallbackSource} source @param {Uint8Array} bytes */
  const install = (source, bytes) => {
    if (source.kind === "stdlib") pyodide.FS.writeFile(source.mount, bytes);
    else if (source.kind === "wheel") {
      // zipfile decodes names without the UTF-8 flag as cp437: its codec first (pack keeps
      // it in the bundle when a wheel may come this way).
      pyodide.runPython("import encodings.cp437");
      pyodide.unpackArchive(bytes, source.archive.endsWith(".whl") ? "wheel" : "zip", { extractDir: source.extractDir });
    }
    else installArchive(pyodide, bytes);
  };
  /**
   * Installs the sources (bytes read by then), once each, and logs the miss.
   * @param {string} wanted @param {FallbackSource} own @param {[FallbackSource, Uint8Array][]} read
   * @param {boolean} [waited] read by fetch while the import waited (JSPI)
   */
  const land = (wanted, own, read, waited = false) => {
    read = read.filter(([source]) => !installed.has(source.archive));
    // Marked first: an install that stats or opens a file not there yet comes back here
    // and must not start the same install again.
    for (const [source] of read) {
      installed.add(source.archive);
      ahead.delete(source.archive); // installed: the bytes read ahead are not needed again
    }
    for (const [source, bytes] of read) install(source, bytes);
    if (read.length === 0) return;
    const warning = `pyodide-packer: ${wanted} was pruned from this bundle and loaded from ${own.archive}; re-pack with a --scenario that uses it or --include ${wanted}`;
    uses.push({ wanted, archive: own.archive, warning, fetched: read.map(([s]) => s.archive), waited });
    console.warn(warning);
  };
  /**
   * What a module needs that is not installed yet; null when the bundle keeps nothing to
   * put back.
   * @param {string} name
   */
  const needs = (name) => {
    const shard = shardOf(name);
    const ids = shard.modules[name] ?? [];
    if (!enabled || ids.length === 0) return null;
    const sources = ids.map((i) => /** @type {FallbackSource} */ (shard.sources[i]));
    return { own: /** @type {FallbackSource} */ (sources[0]), missing: sources.filter((s) => !installed.has(s.archive)) };
  };
  /** @param {string} wanted @param {FallbackSource} source */
  const readSync = (wanted, source) => {
    const early = ahead.get(source.archive);
    if (early) return early;
    try {
      return readResourceSync(locate(source.archive), fs);
    } catch (error) {
      throw unreadable(wanted, source, /** @type {Error} */ (error));
    }
  };
  /** @param {string} name */
  const putBackSync = (name) => {
    const need = needs(name);
    if (!need) return false;
    land(name, need.own, need.missing.map((source) => [source, readSync(name, source)]));
    return true;
  };
  /** @param {string} name */
  const putBack = async (name) => {
    const need = needs(name);
    if (!need) return false;
    const read = await Promise.all(
      need.missing.map(async (source) => {
        const bytes = ahead.get(source.archive) ?? (await readResource(locate(source.archive)).catch((error) => Promise.reject(unreadable(name, source, error))));
        return /** @type {[FallbackSource, Uint8Array]} */ ([source, bytes]);
      }),
    );
    land(name, need.own, read, true);
    return true;
  };
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(PRUNED_FINDER, { globals: scope, filename: "<pyodide-packer fallback>" });
    scope.get("install")(
      (/** @type {string} */ name) => mayBeModule(name) && name in shardOf(name).modules,
      putBackSync,
      // Only where JSPI lets the import wait; the shard is read by then (lookup).
      putBack,
      canWait,
      fallback.mirror ?? null,
    );
  } finally {
    scope.destroy();
  }
  if (!enabled) return async () => {};
  onMissingFile(pyodide, (path) => {
    // CPython looks for a cached .pyc of every source module it imports: never pack's.
    if (path.includes("/__pycache__/") || !mayBeFile(path)) return false;
    const source = /** @type {FallbackSource} */ ({ archive: fallbackFileChunk(path), kind: "files" });
    if (installed.has(source.archive)) return false;
    let bytes;
    try {
      bytes = readSync(path, source);
    } catch {
      return false; // the filter's rare false positive: no such chunk
    }
    land(path, source, [[source, bytes]]);
    return pyodide.FS.analyzePath(path).exists;
  });
  return async () => {
    await Promise.all(
      (fallback.prefetch ?? []).map(async (archive) => {
        if (installed.has(archive) || ahead.has(archive) || shards.has(archive)) return;
        ahead.set(archive, await readResource(locate(archive)));
      }),
    );
  };
}
