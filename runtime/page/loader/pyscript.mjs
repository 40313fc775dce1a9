// @ts-check
// PyScript's interpreter, on a page packed from a PyScript page: its config names
// ./loader.mjs as the interpreter, and PyScript (@pyscript/core 0.7) imports that module
// and calls its loadPyodide() as it would Pyodide's own pyodide.mjs, passing the stdout
// and stderr its page shows. The same shape serves the trace (runtime/trace/trace-loader.mjs).

/**
 * What PyScript reads of an interpreter module besides loadPyodide: a version, which it
 * uses to name its package cache and to check a config's packages against its list. A
 * packed page installs no package at run time, so neither applies.
 */
export const PYSCRIPT_VERSION = "pyodide-packer";

/**
 * @typedef {{ stdout?: (line: string) => void, stderr?: (line: string) => void }} PyScriptOptions
 *   what PyScript passes to loadPyodide that pack's runtime takes: where printed lines go
 *   (indexURL, lockFileContents and packages name the runtime it would have loaded)
 * @typedef {{ stdout: string, stderr: string, outcome: import("./run.mjs").RunOutcome, page?: string }} PageRun
 *   what the page's scripts printed, whether one failed, and the page's text, once
 *   every Pyodide script is done (PyScript's py:done on each)
 */

/**
 * Hands PyScript a booted Pyodide. run gets what its scripts print (listen sends it) and,
 * once they are all done, how they ended (a script that raised leaves PyScript's .py-error
 * banner) and the page's text; then it is left as globalThis.pyodidePackerLastRun, for a
 * host that drives the page, and done(run) is called.
 * @template {PageRun} R
 * @param {any} pyodide
 * @param {R} run
 * @param {PyScriptOptions} options
 * @param {(pyodide: any, onText: (stream: "stdout" | "stderr", text: string) => void) => void} listen
 * @param {(run: R) => void} [done]
 * @returns {any} pyodide
 */
export function servePyScript(pyodide, run, options, listen, done = () => {}) {
  /** @type {Record<"stdout" | "stderr", string>} */
  const partial = { stdout: "", stderr: "" };
  listen(pyodide, (stream, text) => {
    run[stream] += text;
    // PyScript takes lines, as from Pyodide's batched output.
    const lines = (partial[stream] + text).split("\n");
    partial[stream] = lines.pop() ?? "";
    for (const line of lines) options[stream]?.(line);
  });
  // Done when every Pyodide script is: PyScript's py:all-done waits for MicroPython's
  // too, which a packed page leaves as they are (and which may never load offline).
  const scripts = Array.from(document.querySelectorAll('script[type="py"]:not([worker]), py-script:not([worker])'));
  Promise.all(scripts.map((script) => new Promise((resolve) => script.addEventListener("py:done", resolve, { once: true })))).then(() => {
    const errors = Array.from(document.querySelectorAll(".py-error"), (e) => (e.textContent ?? "").trim());
    if (errors.length > 0) {
      // PyScript's banner ends with the traceback's last line: "json.decoder.JSONDecodeError: ...".
      const last = (errors[0] ?? "").split("\n").pop() ?? "";
      const errorType = /^(?:[\w.]+\.)?(\w+)(?::|$)/.exec(last.trim())?.[1] ?? "PyScriptError";
      run.outcome = { ok: false, exitCode: 1, errorType, error: errors.join("\n") };
    }
    run.page = document.body?.innerText ?? "";
    done(run);
    /** @type {any} */ (globalThis).pyodidePackerLastRun = run;
  });
  return pyodide;
}
