// @ts-check
// The runtime's wasm, split by what the traced run ran (transforms/wasm-split.ts): the
// primary module is Pyodide's pyodide.asm.wasm with the functions that did not run as
// stubs, and the rest is a deferred module the stubs load on their first call. This file
// is the loader's side: it recognises the primary as Pyodide instantiates it, puts its
// own load function in the primary's one-slot load table, hides the split's exports from
// Pyodide's glue, and instantiates the deferred module, synchronously when a stub is
// called first (the call is waiting), else in the background after the first result.

/** Names shared with transforms/wasm-split.ts (SPLIT_EXPORTS, SPLIT_NAMESPACE). */
const LOADED = "%loaded";
const LOAD_TABLE = "%load";
const NAMESPACE = "p";

/** A module importing m.f: () → () and exporting it as f, which turns a JS function into one a table holds. */
const SHIM = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 7, 1, 1, 109, 1, 102, 0, 0, 7, 5, 1, 1, 102, 0, 0]);

/**
 * @typedef {{ loaded: "" | "call" | "prefetch", refused: boolean }} SplitUse loaded: how
 *   the deferred module came (a stub's call, the prefetch), "" while it has not;
 *   refused: a stub was called while the deferred module was off
 * @typedef {Object} SplitLoad
 * @property {() => Uint8Array} readSync the deferred module's bytes, now
 * @property {() => Promise<WebAssembly.Module>} compile the deferred module, compiled in the background
 * @property {boolean} enabled false: a stub's call fails instead of loading (what validation runs)
 * @property {SplitUse} use
 */

/**
 * Runs boot (which instantiates Pyodide's runtime) with WebAssembly.instantiate and
 * instantiateStreaming watching for a split primary. Returns boot's value and prefetch(),
 * which compiles and instantiates the deferred module unless a stub's call did first.
 * @template T
 * @param {SplitLoad} load
 * @param {() => Promise<T>} boot
 * @returns {Promise<{ value: T, prefetch: () => Promise<void> }>}
 */
export async function withSplitRuntime(load, boot) {
  /** @type {Record<string, any> | undefined} */
  let primary;
  const instantiateDeferred = (/** @type {WebAssembly.Module} */ module, /** @type {"call" | "prefetch"} */ how) => {
    if (!primary || load.use.loaded) return;
    new WebAssembly.Instance(module, { [NAMESPACE]: primary });
    primary[LOADED].value = 1;
    load.use.loaded = how;
  };
  const onFirstCall = () => {
    if (load.use.loaded) return;
    if (!load.enabled) {
      load.use.refused = true;
      throw new Error("pyodide-packer: the app called runtime code the traced run did not run, and the runtime's deferred module is off");
    }
    instantiateDeferred(new WebAssembly.Module(/** @type {BufferSource} */ (load.readSync())), "call");
  };
  /** @param {any} result */
  const adopt = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result?.instance;
    const exports = instance?.exports;
    if (!exports || !(LOAD_TABLE in exports)) return result;
    primary = exports;
    const shim = new WebAssembly.Instance(new WebAssembly.Module(SHIM), { m: { f: onFirstCall } });
    exports[LOAD_TABLE].set(0, shim.exports.f);
    /** @type {Record<string, unknown>} */
    const visible = {};
    for (const [key, value] of Object.entries(exports)) if (!key.startsWith("%")) visible[key] = value;
    const seen = { exports: visible };
    return result instanceof WebAssembly.Instance ? seen : { module: result.module, instance: seen };
  };
  const { instantiate, instantiateStreaming } = WebAssembly;
  const api = /** @type {any} */ (WebAssembly);
  api.instantiate = async (/** @type {any[]} */ ...args) => adopt(await instantiate.apply(WebAssembly, /** @type {any} */ (args)));
  if (instantiateStreaming) api.instantiateStreaming = async (/** @type {any[]} */ ...args) => adopt(await instantiateStreaming.apply(WebAssembly, /** @type {any} */ (args)));
  let value;
  try {
    value = await boot();
  } finally {
    api.instantiate = instantiate;
    if (instantiateStreaming) api.instantiateStreaming = instantiateStreaming;
  }
  const prefetch = async () => {
    if (!primary || load.use.loaded || !load.enabled) return;
    const module = await load.compile();
    instantiateDeferred(module, "prefetch");
  };
  return { value, prefetch };
}
