// @ts-check
// One traced run of an app inside Pyodide. The same module runs in the Chromium page
// and in the Node worker; the host only supplies loadPyodide and the URLs to read.
import { assertSupported, loadedDynlibs, watchFileOpens } from "./pyodide-adapter.mjs";
import { captureOutput, installArchive, readResource, runApp } from "./loader.mjs";

/**
 * @typedef {{ indexURL: string, lockInfo: object, archives: string[], main: string,
 *   tracerSource: string }} TraceRequest
 * @typedef {{ pyodideVersion: string, pythonVersion: string, stdout: string, stderr: string,
 *   outcome: import("./loader.mjs").RunOutcome, opened: string[],
 *   dynlibs: { path: string, global: boolean }[],
 *   modules: [string, string | null, string | null][], phases: Record<string, number> }} TraceResult
 */

/**
 * @param {(options: object) => Promise<any>} loadPyodide
 * @param {TraceRequest} request
 * @returns {Promise<TraceResult>}
 */
export async function traceApp(loadPyodide, request) {
  /** @type {Record<string, number>} */
  const phases = {};
  let started = Date.now();
  const lap = (/** @type {string} */ name) => {
    phases[name] = Date.now() - started;
    started = Date.now();
  };
  const pyodide = await loadPyodide({
    indexURL: request.indexURL,
    lockFileContents: { info: request.lockInfo, packages: {} },
  });
  assertSupported(pyodide);
  lap("boot");
  const output = { stdout: "", stderr: "" };
  captureOutput(pyodide, (stream, text) => {
    output[stream] += text;
  });
  for (const url of request.archives) {
    installArchive(pyodide, await readResource(new URL(url)));
  }
  lap("install");
  const stopWatching = watchFileOpens(pyodide);
  const outcome = await runApp(pyodide, request.main);
  const opened = stopWatching();
  lap("run");
  const tracer = pyodide.toPy({});
  pyodide.runPython(request.tracerSource, { globals: tracer, filename: "<pyodide-packer tracer>" });
  const modules = tracer.get("imported_modules")().toJs();
  tracer.destroy();
  return {
    pyodideVersion: pyodide.version,
    pythonVersion: pyodide.runPython("__import__('sys').version.split()[0]"),
    stdout: output.stdout,
    stderr: output.stderr,
    outcome,
    opened,
    dynlibs: loadedDynlibs(pyodide),
    modules,
    phases,
  };
}
