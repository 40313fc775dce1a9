// @ts-check
// Served as /loader.mjs while pack traces the page that ships (pack's index.html, or
// your own, --html): the same runBundle() and loadBundle() the bundle's loader.mjs gives
// the page, over a traced Pyodide with the staged app, so the page traced is the page
// deployed, and what its own scripts run is traced too.
// Both are served from pack's own folder of the trace's site, beside this file.
// @ts-expect-error resolved where it is served, not in the source tree
import { openTrace } from "./.pyodide-packer/trace/session.mjs";

// @ts-expect-error resolved where it is served, not in the source tree
import { PYSCRIPT_VERSION, servePyScript } from "./.pyodide-packer/page/loader/pyscript.mjs";

// @ts-expect-error resolved where it is served, not in the source tree
export { bloomTest, captureOutput, installArchive, makeBloom, readResource, readStoredZip, runApp, zipDirectory } from "./.pyodide-packer/page/loader.mjs";

/** @type {Promise<import("./session.mjs").OpenTrace> | undefined} */
let opened;

/** The traced session, opened on first use with what the host asks for. */
function session() {
  const page = /** @type {any} */ (globalThis);
  opened ??= (async () => {
    const request = await page.pyodidePackerTraceRequest();
    const { loadPyodide } = await import(new URL("pyodide.mjs", request.indexURL).href);
    const trace = await openTrace(loadPyodide, request, {
      runPageScenario: (/** @type {string} */ path, /** @type {any} */ pyodide) => {
        page.pyodidePackerPyodide = pyodide;
        return page.pyodidePackerPageScenario(path);
      },
      install: (/** @type {string[]} */ requirements, /** @type {string} */ via) => page.pyodidePackerInstall(requirements, via),
      progress: (/** @type {any} */ sign) => void page.pyodidePackerProgress(sign),
    });
    page.pyodidePackerPyodide = trace.pyodide;
    page.pyodidePackerTraceFinish = () => trace.finish();
    return trace;
  })();
  // The host waits for the run to end: a trace that cannot start tells it why at once.
  opened.catch((/** @type {unknown} */ error) => {
    page.pyodidePackerTraceFailed = String(/** @type {Error} */ (error)?.stack ?? error);
  });
  return opened;
}

/**
 * As loader.mjs's loadBundle: the page's Pyodide, the app installed in it.
 * @returns {Promise<any>}
 */
export async function loadBundle() {
  const trace = await session();
  return { pyodide: trace.pyodide, manifest: {}, fallbacks: [], bodies: { loaded: [], files: [], functions: 0, refused: [], called: [] }, prefetchBodies: async () => {}, timings: {} };
}

/**
 * As loader.mjs's runBundle: runs the app's main file once, onText getting its output.
 * @param {object} [_options]
 * @param {(stream: "stdout" | "stderr", text: string) => void} [onText]
 */
export async function runBundle(_options = {}, onText = () => {}) {
  const trace = await session();
  trace.onText = onText;
  const outcome = await trace.runMain();
  const result = { stdout: trace.output.stdout, stderr: trace.output.stderr, outcome, timings: {}, fallbacks: [], bodies: { loaded: [], files: [], functions: 0, refused: [], called: [] } };
  /** @type {any} */ (globalThis).pyodidePackerLastRun = result;
  return result;
}

/** As loader.mjs's: what PyScript reads of its interpreter module. */
export const version = PYSCRIPT_VERSION;

/**
 * As loader.mjs's loadPyodide, for PyScript: the traced Pyodide, every script PyScript
 * runs in it traced. Once they are done the trace's result holds what they printed, how they
 * ended and the page's text, and the host finishes the trace (its page scenarios next).
 * @param {import("../page/loader/pyscript.mjs").PyScriptOptions} [options]
 */
export async function loadPyodide(options = {}) {
  const trace = await session();
  /** @type {import("../page/loader/pyscript.mjs").PageRun} */
  const run = { stdout: "", stderr: "", outcome: { ok: true, exitCode: 0 } };
  const page = /** @type {any} */ (globalThis);
  return servePyScript(trace.pyodide, run, options, (/** @type {any} */ _pyodide, /** @type {any} */ onText) => (trace.onText = onText), () => {
    // What the scripts printed before the page scenarios, which print their own.
    const { stdout, stderr, outcome, page: text } = run;
    page.pyodidePackerTraceFinish = async () => ({ ...(await trace.finish()), stdout, stderr, outcome, page: text });
  });
}
