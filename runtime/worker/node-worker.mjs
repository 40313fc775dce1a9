// @ts-check
// Runs one trace, one bundle or one batch of Python tools in a Node worker thread, so that a run that never ends
// can be stopped by terminating the worker.
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { provideLoaderPython } from "./python-sources.mjs";

// The trace runs the loader from source: its Python comes from the package's files.
provideLoaderPython();

/** @param {string} dir */
const dirURL = (dir) => pathToFileURL(dir.endsWith("/") ? dir : dir + "/");

// A Pyodide fatal error is also thrown out of the task that hit it; runApp already turned
// it into the run's outcome through the adapter's onFatalError, so it must not end the
// worker before that outcome is posted.
process.on("uncaughtException", (error) => {
  if (!(/** @type {any} */ (error)?.pyodide_fatal_error)) {
    parentPort?.postMessage({ error: String(error?.stack ?? error) });
    process.exit(1);
  }
});

async function main() {
  if (workerData.mode === "tools") {
    const { runPythonTools } = await import("./python-tools.mjs");
    const request = workerData.request;
    const { loadPyodide } = await import(new URL("pyodide.mjs", dirURL(request.indexURL)).href);
    return runPythonTools(loadPyodide, request);
  }
  if (workerData.mode === "trace") {
    const { traceApp } = await import("../trace/session.mjs");
    const request = workerData.request;
    const { loadPyodide } = await import(new URL("pyodide.mjs", dirURL(request.indexURL)).href);
    return traceApp(loadPyodide, request, { progress: (sign) => parentPort?.postMessage({ progress: sign }) });
  }
  const { runBundle } = await import(new URL("loader.mjs", dirURL(workerData.dir)).href);
  const { fallback, bodies, prefetch, deferredRuntime, runtimeData, profile } = workerData;
  const run = await runBundle({ fallback, bodies, prefetch, deferredRuntime, runtimeData, indexURL: profile ? dirURL(profile.dir).href : undefined, pyodideOptions: { env: { ...workerData.env } } });
  if (!profile) return run;
  const { functionsThatRan } = await import("../shared/pyodide-adapter.mjs");
  return { ...run, runtimeRan: functionsThatRan(/** @type {any} */ (globalThis).pyodidePackerPyodide, profile.functions) };
}

main().then(
  (result) => parentPort?.postMessage({ result }),
  (error) => parentPort?.postMessage({ error: String(error?.stack ?? error) }),
);
