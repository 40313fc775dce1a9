// @ts-check
// The runtime's data by need. pack ships the runtime's wasm with the tables that only one
// built-in module reads zeroed in its data segment (CPython's CJK codec maps, 585 kB of
// the 3.5 MB segment, and unicodedata's name database, 402 kB; transforms/wasm-data.ts
// finds them) when the traced run did not import that module; their bytes are files
// beside the runtime. Before the module is first imported, a finder ahead of Python's
// built-in importer writes them back into linear memory where the segment would have put
// them; the prefetch after the first result writes them all. Nothing else reads those
// bytes, so writing them early is safe.
import { pythonSource } from "./python.mjs";
import { readResource, readResourceSync } from "./resources.mjs";

/**
 * relative: the data sits at __memory_base (a relocatable runtime, 0.29) rather than at
 * its addresses; modules: each built-in module → the file of its bytes (relative to the
 * bundle) and where they go, [address, length] pairs in the file's order.
 * @typedef {{ relative: boolean, modules: Record<string, { file: string, ranges: [number, number][] }> }} RuntimeDataManifest
 * @typedef {{ filled: string[], refused: string[] }} RuntimeDataUse filled: the modules
 *   whose data was written back, in order; refused: those imported while it was off
 */

const FINDER = pythonSource("runtime_data");

/**
 * Installs the finder. With enabled false (what validation runs), importing such a module
 * fails naming it. Returns prefetch(): writes back every region not written yet.
 * @param {any} pyodide
 * @param {RuntimeDataManifest} data
 * @param {(path: string) => URL} locate where a bundle file is
 * @param {{ enabled: boolean, fs?: typeof import("node:fs"), use: RuntimeDataUse }} options
 * @returns {() => Promise<void>}
 */
export function installRuntimeData(pyodide, data, locate, { enabled, fs, use }) {
  const module = pyodide._module;
  const base = data.relative ? Number(module.___memory_base?.value ?? module.___memory_base) : 0;
  const pending = new Set(Object.keys(data.modules));
  /** @param {string} name @param {Uint8Array} bytes */
  const write = (name, bytes) => {
    if (!pending.delete(name)) return;
    let at = 0;
    // HEAPU8 is read each time: memory grows, and a view of the old buffer goes stale.
    for (const [address, length] of data.modules[name]?.ranges ?? []) {
      module.HEAPU8.set(bytes.subarray(at, at + length), base + address);
      at += length;
    }
    use.filled.push(name);
  };
  const fill = (/** @type {string} */ name) => {
    if (!pending.has(name)) return true;
    if (!enabled) {
      use.refused.push(name);
      return false;
    }
    write(name, readResourceSync(locate(/** @type {string} */ (data.modules[name]?.file)), fs));
    return true;
  };
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(FINDER, { globals: scope, filename: "<pyodide-packer runtime data>" });
    scope.get("install")(pyodide.toPy([...pending]), fill);
  } finally {
    scope.destroy();
  }
  return async () => {
    if (!enabled) return;
    for (const name of [...pending]) write(name, await readResource(locate(/** @type {string} */ (data.modules[name]?.file))));
  };
}
