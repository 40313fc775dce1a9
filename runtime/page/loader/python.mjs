// @ts-check
// The Python the loader runs, by name: runtime/page/python/NAME.py. The loader a bundle
// ships has each one inlined where it is asked for (runtime/host/build-loader.mjs), so
// this module is not in it. Run from source, the sources come from
// globalThis.pyodidePackerPython where a Node process put them (pack's Node worker, the
// tests), else from beside this module (the trace page).

/**
 * @param {string} name
 * @returns {string}
 */
export function pythonSource(name) {
  const given = /** @type {{ pyodidePackerPython?: Record<string, string> }} */ (globalThis).pyodidePackerPython?.[name];
  if (given !== undefined) return given;
  const url = new URL(`../python/${name}.py`, import.meta.url);
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  request.send();
  if (request.status !== 200) throw new Error(`pyodide-packer: ${url} answered ${request.status}`);
  return request.responseText;
}
