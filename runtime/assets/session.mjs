// @ts-check
// One traced run of an app inside Pyodide. The same module runs in the Chromium page
// and in the Node worker; the host only supplies loadPyodide and the URLs to read.
import { assertSupported, loadedDynlibs, watchFileOpens } from "./pyodide-adapter.mjs";
import { captureOutput, installArchive, readResource, runApp } from "./loader.mjs";

/**
 * @typedef {{ indexURL: string, lockInfo: object, archives: string[], main: string,
 *   scenarios?: string[], tracerSource: string }} TraceRequest
 * @typedef {{ path: string, outcome: import("./loader.mjs").RunOutcome, stdout: string,
 *   modules: string[] }} ScenarioRun
 * @typedef {{ pyodideVersion: string, pythonVersion: string, stdout: string, stderr: string,
 *   outcome: import("./loader.mjs").RunOutcome, opened: string[],
 *   dynlibs: { path: string, global: boolean }[],
 *   modules: [string, string | null, string | null][], scenarios: ScenarioRun[],
 *   phases: Record<string, number> }} TraceResult
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
  const tracer = pyodide.toPy({});
  pyodide.runPython(request.tracerSource, { globals: tracer, filename: "<pyodide-packer tracer>" });
  const importedModules = () => tracer.get("imported_modules")().toJs();
  const stopWatching = watchFileOpens(pyodide);
  const outcome = await runApp(pyodide, request.main);
  const mainOutput = output.stdout;
  lap("run");
  // Scenarios run after the main app in the same interpreter: what they add to
  // sys.modules is theirs.
  /** @type {ScenarioRun[]} */
  const scenarios = [];
  let known = new Set(importedModules().map((/** @type {any[]} */ m) => m[0]));
  for (const path of outcome.ok ? request.scenarios ?? [] : []) {
    const before = output.stdout.length;
    const scenarioOutcome = await runApp(pyodide, path);
    const now = importedModules().map((/** @type {any[]} */ m) => m[0]);
    scenarios.push({ path, outcome: scenarioOutcome, stdout: output.stdout.slice(before), modules: now.filter((/** @type {string} */ m) => !known.has(m)) });
    known = new Set(now);
    if (!scenarioOutcome.ok) break;
  }
  const opened = stopWatching();
  if (scenarios.length > 0) lap("scenarios");
  const modules = importedModules();
  tracer.destroy();
  return {
    pyodideVersion: pyodide.version,
    pythonVersion: pyodide.runPython("__import__('sys').version.split()[0]"),
    stdout: mainOutput,
    stderr: output.stderr,
    outcome,
    opened,
    dynlibs: loadedDynlibs(pyodide),
    modules,
    scenarios,
    phases,
  };
}
