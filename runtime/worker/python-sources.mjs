// @ts-check
// The loader's Python (runtime/page/python/*.py) by name, read from the package, for a
// Node process that runs the loader from source: pack's Node worker and the tests put
// it in globalThis.pyodidePackerPython (see runtime/page/loader/python.mjs); the build
// inlines it (runtime/host/build-loader.mjs).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PYTHON_DIR = fileURLToPath(new URL("../page/python/", import.meta.url));

/** @returns {Record<string, string>} */
export function loaderPython() {
  return Object.fromEntries(
    readdirSync(PYTHON_DIR)
      .filter((file) => file.endsWith(".py"))
      .sort()
      .map((file) => [file.slice(0, -3), readFileSync(PYTHON_DIR + file, "utf8")]),
  );
}

/** Makes pythonSource() answer from the package's files in this process. */
export function provideLoaderPython() {
  /** @type {any} */ (globalThis).pyodidePackerPython ??= loaderPython();
}
