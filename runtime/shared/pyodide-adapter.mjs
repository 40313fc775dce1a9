// @ts-check
// The one place that touches Pyodide internals (FS hooks, LDSO, _api). Shipped with
// every bundle (the loader imports it) and used by the trace session.
//
// Checked on pyodide 0.29.3 and 314.0.7 (npm). A version outside SUPPORTED stops with
// a clear error instead of tracing through internals that may have moved.

/** Version lines whose internals this file was checked against. */
export const SUPPORTED = [
  { line: "0.29", pattern: /^0\.29\.\d+$/, checked: "0.29.3" },
  { line: "314", pattern: /^314\.\d+\.\d+$/, checked: "314.0.7" },
];

/** @param {string} version */
export function isSupportedVersion(version) {
  return SUPPORTED.some((s) => s.pattern.test(version));
}

/** @param {string} version */
export function unsupportedVersionMessage(version) {
  const checked = SUPPORTED.map((s) => s.checked).join(", ");
  return `Pyodide ${version} is not supported (checked on ${checked}); install pyodide@0.29.3 or pyodide@314 and pass --pyodide VERSION|DIR`;
}

/** @param {any} pyodide */
export function assertSupported(pyodide) {
  if (!isSupportedVersion(pyodide.version)) {
    throw new Error(unsupportedVersionMessage(pyodide.version));
  }
}

const O_ACCMODE = 3;
const O_WRONLY = 1;

/**
 * Records every regular file opened for reading through the Emscripten FS, by the
 * resolved path of the opened node. Returns a function that stops recording and gives
 * the paths in first-open order.
 * @param {any} pyodide
 * @returns {() => string[]}
 */
export function watchFileOpens(pyodide) {
  const FS = pyodide.FS;
  const original = FS.open;
  /** @type {Set<string>} */
  const opened = new Set();
  FS.open = function (/** @type {any[]} */ ...args) {
    const stream = original.apply(this, args);
    const flags = args[1];
    const forReading = typeof flags === "string" ? !flags.startsWith("w") : (flags & O_ACCMODE) !== O_WRONLY;
    if (forReading && stream && stream.node && FS.isFile(stream.node.mode)) {
      opened.add(stream.path);
    }
    return stream;
  };
  return () => {
    FS.open = original;
    return [...opened];
  };
}

/**
 * Dynamic libraries loaded so far, in load order, without the main module.
 * @param {any} pyodide
 * @returns {{ path: string, global: boolean }[]}
 */
export function loadedDynlibs(pyodide) {
  const ldso = pyodide._module.LDSO;
  // Without it every .so would look unused and be dropped: stop instead.
  if (!ldso?.loadedLibsByName) throw new Error(`Pyodide ${pyodide.version} has no LDSO.loadedLibsByName; cannot tell which .so files the app loaded`);
  return Object.entries(ldso.loadedLibsByName)
    .filter(([name]) => name !== "__main__")
    .map(([name, lib]) => ({ path: name, global: Boolean(/** @type {any} */ (lib).global) }));
}

/**
 * Which of the runtime's own wasm functions have started, where it runs an instrumented
 * copy (transforms/wasm-profile.ts): one byte per defined function, 1 for each that did.
 * The main module's exports are LDSO's __main__ entry's (checked on 0.29.3 and 314.0.7;
 * Module has no _malloc).
 * @param {any} pyodide
 * @param {number} functions how many the instrumented module defines
 * @returns {Uint8Array}
 */
export function functionsStarted(pyodide, functions) {
  const main = pyodide._module.LDSO?.loadedLibsByName?.__main__?.exports;
  if (typeof main?.__pp_dump !== "function") throw new Error(`Pyodide ${pyodide.version} runs no instrumented module (no __pp_dump among the main module's exports)`);
  const at = main.malloc(functions);
  try {
    main.__pp_dump(at);
    return pyodide._module.HEAPU8.slice(at, at + functions);
  } finally {
    main.free(at);
  }
}

/**
 * The indices (in code-section order) of the instrumented runtime's defined functions
 * that ran.
 * @param {any} pyodide
 * @param {number} functions
 * @returns {number[]}
 */
export function functionsThatRan(pyodide, functions) {
  /** @type {number[]} */
  const ran = [];
  functionsStarted(pyodide, functions).forEach((/** @type {number} */ flag, /** @type {number} */ k) => void (flag && ran.push(k)));
  return ran;
}

/**
 * Calls back once when Pyodide suffers a fatal error (a dynamic linking error, for one),
 * after which the interpreter is unusable and the promise of the running code never
 * settles.
 * @param {any} pyodide
 * @param {(error: unknown) => void} callback
 */
export function onFatalError(pyodide, callback) {
  const api = pyodide._api;
  const previous = api.on_fatal;
  api.on_fatal = (/** @type {unknown} */ error) => {
    previous?.(error);
    callback(error);
  };
}

/**
 * Calls fn with stack switching where the runtime has it (JSPI: Chromium), so that the
 * Python it runs can suspend (run_sync, time.sleep) as a task in the event loop can; a
 * plain call elsewhere (Node 20).
 * @param {any} pyodide
 * @param {any} fn a PyProxy of a callable
 * @returns {Promise<any>}
 */
export async function callMaybePromising(pyodide, fn) {
  return pyodide._module.jspiSupported ? await fn.callPromising() : fn();
}

const ENOENT = 44;

/**
 * Gives onMissing a chance to create a file that an open or stat did not find (by its
 * absolute path); when it returns true the call is tried again.
 * @param {any} pyodide
 * @param {(path: string) => boolean} onMissing
 */
export function onMissingFile(pyodide, onMissing) {
  const FS = pyodide.FS;
  for (const name of ["open", "stat"]) {
    const original = FS[name];
    FS[name] = function (/** @type {any[]} */ ...args) {
      try {
        return original.apply(this, args);
      } catch (e) {
        const path = args[0];
        if (/** @type {any} */ (e)?.errno !== ENOENT || typeof path !== "string") throw e;
        const absolute = path.startsWith("/") ? path : `${FS.cwd()}/${path}`;
        if (!onMissing(absolute)) throw e;
        return original.apply(this, args);
      }
    };
  }
}

// dlopen flags of Emscripten's musl.
const RTLD_NOW = 2;
const RTLD_GLOBAL = 256;

/**
 * Loads a dynamic library ahead of the import that needs it, as the traced run had it:
 * local, or global when later libraries resolve its symbols without naming it.
 * Asynchronous compilation avoids the browsers' limit on synchronous WebAssembly
 * compilation on the main thread. Pyodide's own loadDynlib (0.29.3, 314.0.7) always
 * loads RTLD_LOCAL, so a global load goes through the same Emscripten entry point with
 * RTLD_GLOBAL added.
 * @param {any} pyodide
 * @param {string} path
 * @param {boolean} [global]
 */
export async function loadDynlib(pyodide, path, global = false) {
  if (!global) {
    await pyodide._api.loadDynlib(path);
    return;
  }
  const module = pyodide._module;
  const stack = module.stackSave();
  let id;
  try {
    id = module._emscripten_dlopen_promise(module.stringToUTF8OnStack(path), RTLD_NOW | RTLD_GLOBAL);
  } finally {
    module.stackRestore(stack);
  }
  const promise = module.getPromise(id);
  module.promiseMap.free(id);
  try {
    await promise;
  } catch (e) {
    const message = module._dlerror();
    const reason = message ? module.UTF8ToString(message) : String(e);
    throw new Error(`Failed to load dynamic library ${path}: ${reason}`);
  }
}
