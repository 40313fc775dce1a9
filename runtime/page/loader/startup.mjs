// @ts-check
// What runs in Python's own start-up, before Pyodide imports anything: asyncio and
// Pyodide's event loop made to wait until something uses them. The trace and every
// bundle boot through this, so both import the same modules. A bundle ships what
// starting them imports apart, and puts it back first when they start.
import { pythonSource } from "./python.mjs";
import { readResource, readResourceSync } from "./resources.mjs";
import { joinZips } from "../../shared/zip.mjs";

// Pyodide's start-up imports asyncio (its core keeps the module) and starts its event
// loop (pyodide.webloop): some 40 modules that an app which never awaits does not need.
// Here both are modules whose body runs on the first read of an attribute they lack, the
// import of an asyncio submodule, or a time.sleep that could suspend; then the event loop
// starts as Pyodide's start-up would have started it.
const LAZY_ASYNCIO = pythonSource("lazy_asyncio");

// A bundle's stdlib holds .pyc that pack compiled from the .py stock holds: its modules
// name their source, as stock's do (help(json) prints FILE, __cached__ is the
// __pycache__ name). Modules imported before this ran are named anew too.
const SOURCE_NAMES = pythonSource("source_names");

/**
 * loadPyodide's fsInit for a run with asyncio made to wait (lazy) or as Pyodide starts
 * it; then fsInit, the caller's own. sourceNames (a bundle's): its stdlib's modules name
 * the source they were compiled from.
 * @param {boolean} lazy
 * @param {((FS: any, info: { sitePackages: string }) => Promise<void> | void) | undefined} [fsInit]
 * @param {{ sourceNames?: boolean }} [options]
 */
export function startupFsInit(lazy, fsInit, { sourceNames = false } = {}) {
  return async (/** @type {any} */ FS, /** @type {{ sitePackages: string }} */ info) => {
    if (sourceNames) {
      FS.writeFile(`${info.sitePackages}/pyodide-packer-0-source-names.pth`, `import sys; exec(compile(${JSON.stringify(SOURCE_NAMES)}, "<pyodide-packer start-up>", "exec"), {})\n`);
    }
    if (lazy) {
      // site runs a .pth line that starts with "import" before Pyodide's start-up; a JSON
      // string is a Python string literal too.
      FS.writeFile(`${info.sitePackages}/pyodide-packer-1-lazy-asyncio.pth`, `import sys; exec(compile(${JSON.stringify(LAZY_ASYNCIO)}, "<pyodide-packer start-up>", "exec"), {})\n`);
    }
    await fsInit?.(FS, info);
  };
}

// The loader's hook first in asyncio's start (absent where the page booted Pyodide
// itself, loadBundle's options.pyodide), and the stdlib zip it adds to.
const ASYNCIO_START_HOOK = pythonSource("asyncio_start");

/**
 * Puts archive (the modules starting asyncio imports) into the stdlib when asyncio
 * starts, read at once if no prefetch did; the returned prefetch reads it in the
 * background. enabled false: nothing is put back (validation: what the bundle holds
 * must do).
 * @param {any} pyodide
 * @param {URL} archive
 * @param {{ enabled: boolean, fs?: typeof import("node:fs") }} options
 * @returns {() => Promise<void>}
 */
export function installAsyncioStart(pyodide, archive, { enabled, fs }) {
  if (!enabled) return async () => {};
  let added = false;
  const add = (/** @type {Uint8Array} */ data) => {
    if (added) return;
    added = true;
    // Joined here: Python's zipfile would import a codec the bundle may not hold.
    pyodide.FS.writeFile(mount, joinZips(pyodide.FS.readFile(mount), data));
    reread(mount);
  };
  const scope = pyodide.toPy({});
  pyodide.runPython(ASYNCIO_START_HOOK, { globals: scope, filename: "<pyodide-packer asyncio start>" });
  const mount = scope.get("before_asyncio")(() => {
    if (!added) add(readResourceSync(archive, fs));
  });
  const reread = scope.get("reread");
  scope.destroy();
  return async () => {
    if (!added) add(await readResource(archive));
  };
}
