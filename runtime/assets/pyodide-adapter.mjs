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
  return Object.entries(ldso.loadedLibsByName)
    .filter(([name]) => name !== "__main__")
    .map(([name, lib]) => ({ path: name, global: Boolean(/** @type {any} */ (lib).global) }));
}

/**
 * Loads a dynamic library ahead of the import that needs it. Asynchronous compilation
 * avoids the browsers' limit on synchronous WebAssembly compilation on the main thread.
 * @param {any} pyodide
 * @param {string} path
 */
export async function loadDynlib(pyodide, path) {
  await pyodide._api.loadDynlib(path);
}
