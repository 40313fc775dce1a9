// @ts-check
// One traced run of an app inside Pyodide. The same module runs in the Chromium page
// and in the Node worker; the host only supplies loadPyodide and the URLs to read.
import { assertSupported, functionsThatRan, loadedDynlibs, watchFileOpens } from "../shared/pyodide-adapter.mjs";
import { captureOutput, installArchive, readResource, runApp } from "../page/loader.mjs";
import { startupFsInit } from "../page/loader/startup.mjs";

/**
 * @typedef {{ indexURL: string, lockInfo: object, archives: string[], main: string,
 *   scenarios?: string[], pageScenarios?: string[], tracerSource: string, monitorSource: string,
 *   lazyAsyncio?: boolean, env?: Record<string, string>, runtimeFunctions?: number }} TraceRequest
 *   runtimeFunctions: indexURL holds a runtime whose wasm records which of its functions
 *   ran (transforms/wasm-profile.ts), with this many defined functions
 * @typedef {{
 *   runPageScenario?: (path: string, pyodide: any) => Promise<import("../page/loader.mjs").RunOutcome>,
 *   install?: (requirements: string[], via: string) => Promise<string[]>,
 *   progress?: (sign: Progress) => void,
 * }} TraceHooks what the host that drives the page does for it: run a page scenario; install
 *   what the app asks for while it runs (requirements → URLs of stored zips to unpack);
 *   hear each sign of life, for the message of a run that does not end
 * @typedef {{ stage: string, line?: string, module?: string }} Progress
 * @typedef {{ path: string, outcome: import("../page/loader.mjs").RunOutcome, stdout: string,
 *   modules: string[] }} ScenarioRun
 * @typedef {import("../page/loader/bodies.mjs").CodeKey} CodeKey
 * @typedef {[name: string, file: string | null, origin: string | null]} ModuleRow
 *
 * @typedef {Object} TraceResult Everything one traced run saw: the one declaration of it
 *   (runtime/host/host.ts adds what the page fetched).
 * @property {string} pyodideVersion
 * @property {string} pythonVersion "3.13.2"
 * @property {string} stdout what the main file printed
 * @property {string} stderr
 * @property {import("../page/loader.mjs").RunOutcome} outcome
 * @property {string[]} opened regular files opened for reading through the Emscripten FS,
 *   first-open order
 * @property {{ path: string, global: boolean }[]} dynlibs dynamic libraries in load order
 * @property {ModuleRow[]} modules [name, __file__, __spec__.origin] of every module in sys.modules
 * @property {ScenarioRun[]} scenarios extra runs after the main one (--scenario), with the
 *   modules each added
 * @property {CodeKey[]} ran every code object that started, from Pyodide's start-up through
 *   the scenarios (monitor.py), sorted
 * @property {string[]} earlyModules modules imported before the monitor could record: their
 *   code may have run unseen
 * @property {string[]} listed directories the app listed (os.listdir, os.scandir and what
 *   uses them), real paths
 * @property {string[]} [failedImports] names the app tried to import that sys.modules did not
 *   hold at the end: not found, or found and failed inside (an ImportError the app caught)
 * @property {string[]} [sourceRead] absolute paths of the files whose lines the app read
 *   through linecache (inspect.getsource, a traceback or warning showing its line), sorted
 * @property {[file: string, reader: string][]} [docsRead] every module whose docstrings a
 *   docstring reader looked at (help, pydoc, inspect.getdoc, cmd's help; monitor.py), by
 *   the first reader that did, sorted: they keep their docstrings
 * @property {ModuleRow[]} [asyncioStart] where asyncio waited through the whole run: the
 *   modules starting it afterwards imported (empty otherwise, or with --eager-asyncio)
 * @property {CodeKey[]} [asyncioRan] code that started while asyncio started after the run
 * @property {number[]} [runtimeRan] the runtime wasm's defined functions that ran (by their
 *   order in its code section), when the trace ran on an instrumented runtime
 * @property {Record<string, number>} phases milliseconds spent in boot, install and run
 * @property {string} [page] a PyScript page's text when its scripts were all done
 *   (trace-loader.mjs; stdout and outcome are then its scripts')
 */

/** Where the traced run keeps monitor.py: outside site-packages, so nothing imports it. */
const MONITOR_DIR = "/tmp/pyodide-packer";

/**
 * Page scenarios (request.pageScenarios, run by the host that drives the page) come after
 * the Python ones, while the same tracing goes on. What the app installs while it runs
 * (micropip.install, pyodide.loadPackage) the host resolves from pack's own sources.
 * @param {(options: object) => Promise<any>} loadPyodide
 * @param {TraceRequest} request
 * @param {TraceHooks} [hooks]
 * @returns {Promise<TraceResult>}
 */
export async function traceApp(loadPyodide, request, hooks = {}) {
  const trace = await openTrace(loadPyodide, request, hooks);
  await trace.runMain();
  return trace.finish();
}

/**
 * @typedef {{ pyodide: any, output: { stdout: string, stderr: string },
 *   onText?: (stream: "stdout" | "stderr", text: string) => void,
 *   runMain: () => Promise<import("../page/loader.mjs").RunOutcome>, finish: () => Promise<TraceResult> }} OpenTrace
 */

/**
 * A traced Pyodide with the app installed and every watch on, for a page that runs it
 * itself (trace-loader.mjs): runMain runs the app's main file, finish runs the scenarios
 * and tells what the whole run saw. A page that never calls runMain ran no main file.
 * @param {(options: object) => Promise<any>} loadPyodide
 * @param {TraceRequest} request
 * @param {TraceHooks} [hooks]
 * @returns {Promise<OpenTrace>}
 */
export async function openTrace(loadPyodide, request, hooks = {}) {
  /** @type {Record<string, number>} */
  const phases = {};
  /** @type {Progress} */
  let sign = { stage: "booting Pyodide" };
  const tell = (/** @type {Partial<Progress>} */ change) => {
    sign = { ...sign, ...change };
    hooks.progress?.(sign);
  };
  tell({});
  let started = Date.now();
  const lap = (/** @type {string} */ name) => {
    phases[name] = Date.now() - started;
    started = Date.now();
  };
  const pyodide = await loadPyodide({
    indexURL: request.indexURL,
    lockFileContents: { info: request.lockInfo, packages: {} },
    env: { ...request.env },
    // Before the interpreter starts: site runs this .pth line, so monitor.py records
    // Pyodide's own start-up code too.
    // asyncio waits as it will in the bundle (startup.mjs).
    fsInit: startupFsInit(request.lazyAsyncio === true, (/** @type {any} */ FS, /** @type {{ sitePackages: string }} */ info) => {
      FS.mkdirTree(MONITOR_DIR);
      FS.writeFile(`${MONITOR_DIR}/monitor.py`, request.monitorSource);
      FS.writeFile(
        // site runs .pth files in name order: this one first, so that the monitor sees
        // what startup.mjs's imports run.
        `${info.sitePackages}/pyodide-packer-0-trace.pth`,
        `import sys; exec(compile(open("${MONITOR_DIR}/monitor.py").read(), "<pyodide-packer monitor>", "exec"), {})\n`,
      );
    }),
  });
  assertSupported(pyodide);
  lap("boot");
  tell({ stage: "installing packages" });
  const output = { stdout: "", stderr: "" };
  /** @type {OpenTrace["onText"]} */
  let onText;
  captureOutput(pyodide, (stream, text) => {
    output[stream] += text;
    onText?.(stream, text);
    const line = text.trim().split("\n").pop()?.trim();
    if (line) tell({ line: line.length > 80 ? `${line.slice(0, 77)}...` : line, module: undefined });
  });
  // Nobody answers: end of file, as for `python app.py < /dev/null` (a page's default
  // stdin is window.prompt, which blocks a headless page until the timeout).
  pyodide.setStdin({ stdin: () => null });
  for (const url of request.archives) {
    installArchive(pyodide, await readResource(new URL(url)));
  }
  lap("install");
  const tracer = pyodide.toPy({});
  pyodide.runPython(request.tracerSource, { globals: tracer, filename: "<pyodide-packer tracer>" });
  const importedModules = () => tracer.get("imported_modules")().toJs();
  const install = async (/** @type {any} */ names, /** @type {string} */ via) => {
    /** @type {string[]} */
    const list = typeof names === "string" ? [names] : typeof names?.toJs === "function" ? names.toJs() : [...names];
    if (!hooks.install) throw new Error(`pyodide-packer: ${via}(${list.join(", ")}) while tracing needs --runner chromium; or list them in --requires`);
    for (const url of await hooks.install(list, via)) installArchive(pyodide, await readResource(new URL(url)));
    pyodide.runPython("__import__('importlib').invalidate_caches()");
  };
  tracer.get("watch_installs")(install);
  tracer.get("watch_listings")();
  tracer.get("watch_imports")((/** @type {string} */ module) => tell({ module }));
  // Pyodide's own installer knows only the lock's packages, which the trace leaves empty.
  pyodide.loadPackage = (/** @type {any} */ names) => install(names, "loadPackage");
  // The imports of a piece of code, by module name: the host maps them to packages.
  pyodide.loadPackagesFromImports = async (/** @type {string} */ code) => {
    const imports = pyodide.pyodide_py.code.find_imports(code);
    try {
      await install(imports, "loadPackagesFromImports");
    } finally {
      imports.destroy();
    }
  };
  const stopWatching = watchFileOpens(pyodide);
  /** @type {import("../page/loader.mjs").RunOutcome} */
  let outcome = { ok: true, exitCode: 0 };
  let mainOutput = "";
  /** @type {OpenTrace} */
  const trace = {
    pyodide,
    output,
    set onText(/** @type {OpenTrace["onText"]} */ listener) {
      onText = listener;
    },
    async runMain() {
      // The host's --timeout clock starts again here (host.ts APP_RUNNING).
      tell({ stage: "running the app" });
      outcome = await runApp(pyodide, request.main);
      mainOutput = output.stdout;
      lap("run");
      return outcome;
    },
    finish: () => finishTrace(),
  };
  return trace;

  async function finishTrace() {
    // Scenarios run after the main app in the same interpreter: what they add to
    // sys.modules is theirs.
    /** @type {ScenarioRun[]} */
    const scenarios = [];
    let known = new Set(importedModules().map((/** @type {any[]} */ m) => m[0]));
    const runs = [
      ...(request.scenarios ?? []).map((path) => ({ path, run: () => runApp(pyodide, path) })),
      ...(request.pageScenarios ?? []).map((path) => ({
        path,
        run: () => (hooks.runPageScenario ? hooks.runPageScenario(path, pyodide) : Promise.reject(new Error("no page to run a page scenario in"))),
      })),
    ];
    for (const { path, run } of outcome.ok ? runs : []) {
      tell({ stage: `running the scenario ${path.split("/").pop()}`, line: undefined, module: undefined });
      const before = output.stdout.length;
      const scenarioOutcome = await run();
      const now = importedModules().map((/** @type {any[]} */ m) => m[0]);
      scenarios.push({ path, outcome: scenarioOutcome, stdout: output.stdout.slice(before), modules: now.filter((/** @type {string} */ m) => !known.has(m)) });
      known = new Set(now);
      if (!scenarioOutcome.ok) break;
    }
    const opened = stopWatching();
    if (scenarios.length > 0) lap("scenarios");
    const modules = importedModules();
    const [ran, earlyModules] = tracer.get("code_that_ran")().toJs();
    const listed = tracer.get("listed_dirs")().toJs();
    const failedImports = tracer.get("attempted_imports")().toJs();
    const sourceRead = tracer.get("source_read")().toJs();
    const docsRead = tracer.get("docs_read")().toJs();
    // After the record of what ran, so that starting asyncio adds nothing to it; what ran
    // in the start itself is kept apart (pack ships it whole, for a later start).
    const asyncioStart = outcome.ok && scenarios.every((s) => s.outcome.ok) ? tracer.get("start_asyncio")().toJs() : [];
    const ranBefore = new Set(ran.map((/** @type {[string, string, number]} */ key) => key.join("\t")));
    const asyncioRan = asyncioStart.length > 0 ? tracer.get("code_that_ran")().toJs()[0].filter((/** @type {[string, string, number]} */ key) => !ranBefore.has(key.join("\t"))) : [];
    tracer.destroy();
    const runtimeRan = request.runtimeFunctions ? functionsThatRan(pyodide, request.runtimeFunctions) : undefined;
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
      ran,
      earlyModules,
      listed,
      failedImports,
      sourceRead,
      docsRead,
      asyncioStart,
      asyncioRan,
      runtimeRan,
      phases,
    };
  }
}

