// @ts-check
// Running the app's main file as Python's own command line would.
import { pythonSource } from "./python.mjs";
import { callMaybePromising, onFatalError } from "../../shared/pyodide-adapter.mjs";

/**
 * @typedef {{ ok: boolean, exitCode: number, errorType?: string, error?: string }} RunOutcome
 */

// The app runs through this fixed code; its source is an argument, never part of it. It
// arrives as bytes and is decoded as Python would (coding cookie, else UTF-8, which must
// be valid). A main file with top-level await, or one that imports asyncio, runs as a
// coroutine in Pyodide's event loop (SystemExit would escape that loop as an uncaught
// error, so it becomes a status here); any other runs as `python app.py` runs it, with
// no event loop running, so that asyncio waits until something uses it (startup.mjs).
const RUNNER = pythonSource("run");

/**
 * Runs the app's main file in __main__ (top-level await allowed) and reports how it
 * ended instead of throwing.
 * @param {any} pyodide
 * @param {string} main absolute FS path of the app's main file
 * @returns {Promise<RunOutcome>}
 */
export async function runApp(pyodide, main) {
  const source = pyodide.FS.readFile(main);
  const scope = pyodide.toPy({});
  /** @type {Promise<never>} */
  const fatal = new Promise((_, reject) => onFatalError(pyodide, (error) => reject(Object.assign(new Error(`Pyodide fatal error: ${describe(error)}`), { name: "PyodideFatalError" }))));
  try {
    pyodide.runPython(RUNNER, { globals: scope, filename: "<pyodide-packer runner>" });
    const inEventLoop = scope.get("prepare")(source, main, pyodide.globals);
    // Where the runtime can suspend WebAssembly (JSPI), the plain run can too, as a task
    // in the event loop could: time.sleep and run_sync yield to the page.
    const run = inEventLoop ? scope.get("run_async")() : callMaybePromising(pyodide, scope.get("run"));
    const exitCode = Number(await Promise.race([run, fatal]));
    if (exitCode === 0) return { ok: true, exitCode };
    return { ok: false, exitCode, errorType: "SystemExit", error: `SystemExit: ${exitCode}` };
  } catch (e) {
    const error = /** @type {any} */ (e);
    return { ok: false, exitCode: 1, errorType: String(error?.type ?? error?.name ?? "Error"), error: String(error?.message ?? error) };
  } finally {
    try {
      scope.destroy();
    } catch {
      // After a fatal error the interpreter refuses every call.
    }
  }
}

/** @param {unknown} error */
function describe(error) {
  const e = /** @type {any} */ (error);
  return String(e?.message ?? e).split("\n")[0];
}
