import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { defaultCacheDir } from "../../analyzers/fetch-cache.ts";
import { readLock } from "../../analyzers/lock.ts";
import { appRequirements, parseRequirement, type Requirement } from "../../analyzers/requirements.ts";
import { defaultIndexURL, resolvePackages, type ResolvedPackage } from "../../analyzers/resolve.ts";
import { buildGraph, ImportCache, moduleIndex, type ModuleFile, type ModuleGraph, type Reach } from "../../analyzers/module-graph.ts";
import { pythonParser } from "../../analyzers/parser.mjs";
import { applyStaticAnalysis, type StaticFindings } from "../../analyzers/static-usage.ts";
import { traceUsage, type Usage } from "../../analyzers/trace-usage.ts";
import { docstringHint, docstringHolders, firstMissingLine } from "./docstring-hint.ts";
import { readAsset } from "../../runtime/host/assets.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import type { AppRun, BundleRunOptions, CodeKey, Host, RunOutcome, TraceResult } from "../../runtime/host/host.ts";
import { NodeHost } from "../../runtime/host/node-host.ts";
import { findDist, type PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { runPythonTools } from "../../runtime/host/python-tools.ts";
import { applyTransforms, DEFAULT_TRANSFORMS, type CodeCoverage, type TransformOptions } from "../../transforms/apply.ts";
import { planBundle } from "../../transforms/select.ts";
import { commitOutput, prepareOutput, servedFiles, writeBundle, writeFiles, writeSidecars } from "../output/bundle.ts";
import { FALLBACK_INDEX, fallbackCost, planFallback } from "./fallback.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { TableOptions } from "../config/options.ts";
import { appFolderSum, buildReport, type PackReport, type RunTimeInstall, type Validation } from "../report/report.ts";
import { renderReportHtml } from "../report/report-html.ts";
import { sizeTrees } from "../report/size-tree.ts";
import { SizeMeter } from "../output/sizes.ts";
import { stageInputs, stagePackages, writePackageArchives, writeStageArchives } from "./stage.ts";
import { APP_ROOT, type StagedInputs } from "../../analyzers/inputs.ts";
import { pageAssets } from "./assets.ts";
import { serverConfigs } from "../output/server-config.ts";
import { addServiceWorker } from "../output/service-worker.ts";
import { listAppFolder, readAppFolder } from "./app-folder.ts";

/**
 * What pack() takes: the app, and the options of the table (packer/config/options.ts:
 * each one's flag, config key and help are there), with the transforms' own type.
 */
export type PackOptions = TableOptions & {
  /** The app's main .py file. */
  app: string;
  cwd?: string;
  /** Source and bytecode transforms; unset fields keep DEFAULT_TRANSFORMS. */
  transforms?: Partial<TransformOptions>;
  /** Called with the name of each step as it starts. */
  onStep?: (step: string) => void;
  /** Called with each warning as it happens (a crashed page retried). */
  onWarning?: (message: string) => void;
};

export type Runner = NonNullable<PackOptions["runner"]>;

export interface PackResult {
  outDir: string;
  report: PackReport;
  packages: ResolvedPackage[];
  trace: TraceResult;
}

/** Everything known about the app before anything is written. */
export interface Analysis {
  dist: PyodideDist;
  packages: ResolvedPackage[];
  inputs: StagedInputs;
  trace: TraceResult;
  graph: ModuleGraph;
  usage: Usage;
  closure: Map<string, Reach>;
  findings: StaticFindings;
  /** The files the trace served at the page's base URL, by path under it. */
  site: Map<string, Uint8Array>;
  /** What the app installed while it ran. */
  installs: RunTimeInstall[];
}


interface Settings {
  cwd: string;
  app: string;
  appDir: string;
  out: string;
  cacheDir: string;
  timeoutMs: number;
  /** --html, absolute. */
  html?: string;
  /** --scenario files, absolute: .py ones traced in the interpreter, .mjs ones on the page. */
  scenarios: string[];
  pageScenarios: string[];
  step: (step: string) => void;
  warn: (message: string) => void;
}

function settings(options: PackOptions): Settings {
  const cwd = options.cwd ?? process.cwd();
  const app = resolve(cwd, options.app);
  if (!existsSync(app)) throw new PackError("APP_NOT_FOUND", { path: app });
  const appDir = options.appDir ? resolve(cwd, options.appDir) : dirname(app);
  if (relative(appDir, app).startsWith("..") || isAbsolute(relative(appDir, app))) {
    throw new PackError("USAGE", { detail: `--app-dir ${appDir} must hold the app ${app}` });
  }
  const html = options.html ? resolve(cwd, options.html) : undefined;
  if (html && !existsSync(html)) throw new PackError("USAGE", { detail: `--html ${html} not found` });
  const allScenarios = (options.scenarios ?? []).map((f) => resolve(cwd, f));
  for (const file of allScenarios) if (!existsSync(file)) throw new PackError("APP_NOT_FOUND", { path: file });
  return {
    cwd,
    app,
    appDir,
    html,
    scenarios: allScenarios.filter((f) => !f.endsWith(".mjs")),
    pageScenarios: allScenarios.filter((f) => f.endsWith(".mjs")),
    out: resolve(cwd, options.out ?? "pack-dist"),
    cacheDir: options.cacheDir ? resolve(cwd, options.cacheDir) : defaultCacheDir(),
    timeoutMs: (options.timeoutSeconds ?? 120) * 1000,
    step: options.onStep ?? (() => {}),
    warn: options.onWarning ?? (() => {}),
  };
}

export function createHost(options: PackOptions): Host {
  return options.runner === "node" ? new NodeHost() : new ChromiumHost();
}

/**
 * Resolve, stage, trace (main app, then scenarios), build the graph, apply the static
 * witness. resolved hears the runtime and the packages as soon as they are known.
 */
export async function analyzeApp(
  options: PackOptions,
  host: Host,
  s: Settings = settings(options),
  resolved?: (dist: PyodideDist, packages: readonly ResolvedPackage[]) => void,
): Promise<Analysis> {
  const dist = findDist(options.pyodide, s.cwd);
  // Chromium starts (~0.5 s) while the packages are resolved and staged.
  host.start();
  s.step("resolve");
  const sources = {
    findLinks: (options.findLinks ?? []).map((d) => resolve(s.cwd, d)),
    lock: options.lock && resolve(s.cwd, options.lock),
    indexURL: options.indexURL,
    cacheDir: s.cacheDir,
  };
  const requirements = withMicropip(appRequirements(dirname(s.app), options.requires ?? []), s.app);
  const packages = await resolvePackages(requirements, sources, dist);
  resolved?.(dist, packages);
  const { scenarios, pageScenarios } = s;
  if (pageScenarios.length > 0 && host.name !== "chromium") {
    throw new PackError("USAGE", { detail: `--scenario ${pageScenarios[0]} drives a page, which only --runner chromium has` });
  }
  if (s.html && host.name !== "chromium") throw new PackError("USAGE", { detail: "--html loads a page, which only --runner chromium has" });
  const inputs = stageInputs(dist, packages, { dir: s.appDir, main: s.app, outDir: s.out, scenarios, files: options.files });
  const site = siteFiles(inputs, options.assets && resolve(s.cwd, options.assets), s.out);
  const work = mkdtempSync(join(tmpdir(), "pyodide-packer-"));
  const installs: RunTimeInstall[] = [];
  let installFailure: unknown;
  /** What the app installs while it runs resolves from the same sources as its requirements, and joins them. */
  const install = async (asked: string[], via: string) => {
    try {
      // loadPackagesFromImports asks by module name: those the lock knows, by its package's name.
      const wanted = via === "loadPackagesFromImports" ? packagesForImports(asked, sources.lock ?? dist.lockPath, dist) : asked;
      if (wanted.length === 0) return [];
      const found = await resolvePackages(wanted.map((r) => parseRequirement(r, via)), sources, dist);
      const fresh = found.filter((p) => !packages.some((q) => q.key === p.key));
      packages.push(...fresh);
      const staged = stagePackages(dist, fresh);
      inputs.packages.push(...staged);
      installs.push({ requested: asked, via, packages: fresh.map((p) => p.name) });
      return writePackageArchives(staged, work, (p) => `run-time-${p.pkg.key}`);
    } catch (error) {
      installFailure ??= error;
      throw error;
    }
  };
  try {
    s.step("trace");
    const siteDir = join(work, "site");
    writeFiles(siteDir, site);
    const trace = await onceMoreIfCrashed(s, "trace", () => host.trace({
      site: siteDir,
      install,
      html: s.html,
      dist,
      archives: writeStageArchives(inputs, work),
      main: inputs.main,
      scenarios: inputs.scenarios,
      pageScenarios,
      tracerSource: readAsset("trace/tracer.py"),
      monitorSource: readAsset("trace/monitor.py"),
      lazyAsyncio: !options.eagerAsyncio,
      timeoutMs: s.timeoutMs,
    }));
    // An install the app asked for that pack could not resolve: its own error, not the app's.
    if (!trace.outcome.ok && installFailure instanceof PackError) throw installFailure;
    if (!trace.outcome.ok) throw appFailure(trace.outcome, trace.stderr);
    const failed = trace.scenarios.find((run) => !run.outcome.ok);
    if (failed?.outcome.errorType === "ScenarioError") throw new PackError("SCENARIO_FAILED", { detail: errorLine(failed.outcome.error ?? "") });
    if (failed) throw appFailure(failed.outcome);
    s.step("analyze");
    const graph = await moduleGraph(inputs, dist, s.cacheDir);
    const { usage, closure, findings } = applyStaticAnalysis(graph, trace, inputs, traceUsage(trace, inputs), {
      strategy: options.strategy ?? "trace",
      include: options.include ?? [],
      exclude: options.exclude ?? [],
    });
    return { dist, packages, inputs, trace, graph, usage, closure, findings, site, installs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Trace the app, keep what it used, write the bundle, prove it runs, report. */
export async function pack(options: PackOptions): Promise<PackResult> {
  const s = settings(options);
  const host = createHost(options);
  let temp: string | undefined;
  try {
    const meter = new SizeMeter(s.cacheDir);
    const { dist, packages, inputs, trace, graph, usage, findings, site, installs } = await analyzeApp(options, host, s, (d, p) => compressEarly(meter, d, p));
    const assets = pageAssets(trace.requests, site, options.include ?? []);
    const transformOptions = { ...DEFAULT_TRANSFORMS, ...options.transforms };
    const selected = planBundle(inputs, usage);
    const early = new Set(trace.earlyModules);
    // What ran as asyncio started after the run counts as run: a later start then reads
    // no deferred bodies (plain app: 11 more functions whole, 1.5 kB brotli before the
    // first result; that start 104 → 66 ms in Node, with no archive fetched).
    const ran = [...trace.ran, ...(trace.asyncioRan ?? [])];
    let coverage: CodeCoverage = { ran, unseen: trace.modules.flatMap(([name, file]) => (early.has(name) && file ? [file] : [])) };
    const layout = { stdlibMount: inputs.stdlibMount, ...dist.layout };
    const cdn = { indexURL: options.indexURL ?? defaultIndexURL(dist.version), lock: resolve(s.cwd, options.lock ?? dist.lockPath) };
    const fallback = planFallback(selected, graph, dist, layout, options.fallback ?? "local", cdn);
    /** Transforms the selection and writes it, with sidecars, into a fresh temporary folder. */
    const build = async (chosen: TransformOptions = transformOptions) => {
      s.step("transform");
      const transformed = await applyTransforms(selected, dist, inputs.stdlibMount, chosen, s.cacheDir, coverage);
      s.step("write");
      temp = prepareOutput(s.out);
      writeFiles(temp, fallback.files);
      writeFiles(temp, assets.files);
      const written = writeBundle(transformed.plan, dist, temp, { fallback: fallback.manifest, page: s.html, lazyAsyncio: !options.eagerAsyncio });
      const served = [...servedFiles(written, dist), ...assets.files.keys()];
      if (options.serviceWorker) served.push(addServiceWorker(temp, served, fallback.files.keys()));
      writeFiles(temp, new Map([...serverConfigs(options.serverConfig ?? [])].map(([name, text]) => [name, new TextEncoder().encode(text)])));
      // The fallback's index gets sidecars too; its archives are fetched rarely and whole.
      await writeSidecars(temp, [...served, FALLBACK_INDEX], meter);
      return { transformed, written, dir: temp };
    };
    let { transformed, written, dir } = await build();
    let validation: Validation = { ok: true, skipped: true, outputMatches: false, stdout: "" };
    /** Functions the bundle ran that the trace did not see (its transforms changed a path). */
    let bundleOnly: CodeKey[] = [];
    if (options.validate !== false) {
      s.step("validate");
      // The bundle alone, without its fallback and without deferred bodies: what it
      // proves is what a page has before the app's first result.
      const alone = { fallback: false, bodies: false, pageScenarios: s.pageScenarios } as const;
      const runBundle = (options: BundleRunOptions) => onceMoreIfCrashed(s, "validation", () => host.runBundle(dir, s.timeoutMs, options));
      let run = await runBundle(alone);
      if (run.bodies && run.bodies.refused.length > 0) {
        // The bundle called a function the traced run never did: a transform changed the
        // path (dataclasses builds a class docstring when the docstrings were stripped).
        // One run with bodies on records every such call; they ship whole.
        const recorded = await runBundle({ ...alone, bodies: "record" });
        const traced = new Set(coverage.ran.map((key) => key.join("\0")));
        // "<frozen …>", "<pyodide-packer …>": code no shipped .pyc holds.
        bundleOnly = (recorded.bodies?.called ?? []).filter((key) => !key[0].startsWith("<") && !traced.has(key.join("\0")));
        coverage = { ...coverage, ran: [...coverage.ran, ...bundleOnly] };
        rmSync(dir, { recursive: true, force: true });
        ({ transformed, written, dir } = await build());
        s.step("validate");
        run = await runBundle(alone);
      }
      validation = compareRuns(trace, run);
      if (!validation.ok) {
        const detail = validation.detail ?? "output differs";
        // Docstrings read where the trace could not see it (a package's own __doc__ read
        // of another module's function): one more run with all of them kept tells.
        let hint: string | undefined;
        if (!transformOptions.keepDocstrings.includes("**") && (transformOptions.minify || transformOptions.optimizePyc)) {
          const stripped = transformed.keptDocstrings;
          rmSync(dir, { recursive: true, force: true });
          ({ dir } = await build({ ...transformOptions, keepDocstrings: ["**"] }));
          s.step("validate");
          if (compareRuns(trace, await runBundle(alone)).ok) {
            const line = firstMissingLine(trace.stdout, run.stdout);
            hint = docstringHint(line === undefined ? [] : docstringHolders(selected, inputs.stdlibMount, stripped, line), inputs.stdlibMount);
          }
        }
        throw new PackError("VALIDATION_FAILED", { detail: hint ? `${detail}; ${hint}` : detail });
      }
    }
    const plan = transformed.plan;
    s.step("report");
    const report = await buildReport(plan, written, dist, meter, {
      runner: host.name,
      validation,
      transforms: { options: transformOptions, savings: transformed.savings, stubbed: transformed.stubbed, sourceRead: transformed.sourceRead, keptDocstrings: transformed.keptDocstrings, bundleOnly, warnings: transformed.warnings },
      static: findings,
      fallback: fallbackCost(fallback),
      assets,
      installs,
      // The page's own files come from the app folder unless --assets names another.
      appFolder: appFolderSum(inputs.app, (path) => selected.app.has(path) || (!options.assets && assets.files.has(path.slice(APP_ROOT.length + 1))), usage.listedOnly),
    });
    meter.save();
    writeFileSync(join(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(dir, "report.html"), renderReportHtml(report, sizeTrees(inputs, plan)));
    commitOutput(dir, s.out);
    temp = undefined;
    return { outDir: s.out, report, packages, trace };
  } finally {
    await host.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * What needs no trace to be known, started at once so that it overlaps the trace: the
 * runtime's sidecars (the same in every bundle, and the slowest brotli of a cold pack)
 * and the sizes of the stock stdlib and wheels the report compares with. Whoever needs
 * them later waits for the same compression.
 */
function compressEarly(meter: SizeMeter, dist: PyodideDist, packages: readonly ResolvedPackage[]): void {
  const read = (path: string) => new Uint8Array(readFileSync(path));
  const runtime = dist.runtimeFiles.map((f) => read(join(dist.dir, f))).filter((bytes) => !meter.hasCompressed(bytes));
  const started = [
    ...runtime.map((bytes) => meter.compress(bytes)),
    meter.measure(read(dist.stdlibZip)),
    ...packages.map((p) => meter.measure(read(p.path))),
  ];
  for (const work of started) work.catch(() => {});
}

/** The import graph of every module the inputs hold (cached by content across packs). */
export async function moduleGraph(inputs: StagedInputs, dist: PyodideDist, cacheDir: string): Promise<ModuleGraph> {
  const cache = new ImportCache(cacheDir);
  const readPyc = async (files: ModuleFile[]) => {
    const results = await runPythonTools(dist, files.map((f) => ({ op: "imports" as const, path: f.path, data: f.data })), cacheDir);
    return results.map((r) => (r.ok ? new TextDecoder().decode(r.data) : undefined));
  };
  const graph = await buildGraph(moduleIndex(inputs, dist.layout.sitePackages), await pythonParser(), cache, readPyc);
  cache.save();
  return graph;
}

/**
 * The lock's packages that provide these modules, as loadPackagesFromImports finds them:
 * a module no package of the lock provides (the stdlib's, the app's own) asks for none.
 */
function packagesForImports(modules: readonly string[], lockPath: string, dist: PyodideDist): string[] {
  const lock = readLock(lockPath, dist.pythonVersion);
  const tops = new Set(modules.map((m) => m.split(".")[0]!));
  return [...lock.packages.values()].filter((p) => p.imports.some((i) => tops.has(i))).map((p) => p.name);
}

/**
 * A page that crashed (or a browser that went away) is no fault of the app's: its job runs
 * once more, with a warning, and a second crash ends the pack. A slow app is never retried.
 */
async function onceMoreIfCrashed<T>(s: Settings, what: string, job: () => Promise<T>): Promise<T> {
  try {
    return await job();
  } catch (error) {
    if (!(error instanceof PackError && error.code === "HOST_CRASHED")) throw error;
    s.warn(`during the ${what}, ${(error.args as { detail: string }).detail}; running it once more`);
    return job();
  }
}

/**
 * micropip is an ordinary package of the runtime's lock: an app that imports it (to
 * install others while it runs) needs it among its requirements, listed or not.
 */
function withMicropip(requirements: Requirement[], app: string): Requirement[] {
  if (requirements.some((r) => r.key === "micropip")) return requirements;
  const source = readFileSync(app, "utf8");
  return /^[ \t]*(?:import|from)[ \t]+micropip\b/m.test(source) ? [...requirements, parseRequirement("micropip", app)] : requirements;
}

/**
 * What the page's base URL serves: the --assets folder, staged within the same limits as
 * the app folder, or else the app folder itself, by path under the base ("data.csv").
 */
function siteFiles(inputs: StagedInputs, assetsDir: string | undefined, outDir: string): Map<string, Uint8Array> {
  if (assetsDir !== undefined) {
    if (!existsSync(assetsDir)) throw new PackError("ASSETS_NOT_FOUND", { path: assetsDir });
    return new Map([...readAppFolder(listAppFolder(assetsDir, outDir), "")].map(([path, data]) => [path.slice(1), data]));
  }
  const prefix = `${APP_ROOT}/`;
  return new Map([...inputs.app].map(([path, data]) => [path.slice(prefix.length), data]));
}

/** The one-line error for an app that did not run to completion. */
function appFailure(outcome: RunOutcome, stderr = ""): PackError {
  const { errorType = "Error", error = "", exitCode } = outcome;
  // argparse's usage error, for one, says on stderr why it exits.
  const said = stderr.trim().split("\n").pop()?.trim().slice(0, 200);
  if (errorType === "SystemExit") return new PackError("APP_EXITED", { code: exitCode, ...(said ? { said } : {}) });
  const lines = error.trim().split("\n");
  const last = lines[lines.length - 1] ?? errorType;
  const detail = last.startsWith(`${errorType}: `) ? last.slice(errorType.length + 2) : last;
  const frame = [...lines].reverse().map((l) => /File "([^"]+)", line (\d+)/.exec(l)).find(Boolean);
  const where = frame ? `${frame[1]}:${frame[2]}` : "the app";
  if (errorType === "SyntaxError" || errorType === "IndentationError" || errorType === "TabError") {
    return new PackError("APP_SYNTAX_ERROR", { where, detail: last });
  }
  return new PackError("APP_RAISED", { errorType, where, detail });
}

/** How much of the bundle's stdout report.json keeps. */
const REPORTED_STDOUT = 64 * 1024;

/** The bundle must print what the traced run printed, and end the same way. */
export function compareRuns(trace: TraceResult, run: AppRun): Validation {
  const clipped = run.stdout.length > REPORTED_STDOUT;
  const base = {
    stdout: clipped ? run.stdout.slice(0, REPORTED_STDOUT) : run.stdout,
    ...(clipped ? { stdoutLength: run.stdout.length } : {}),
    skipped: false,
  };
  if (!run.outcome.ok) {
    return { ...base, ok: false, outputMatches: false, detail: missingPiece(run.outcome.error ?? run.outcome.errorType ?? "") };
  }
  const differs = outputDifference(trace.stdout, run.stdout);
  if (differs) return { ...base, ok: false, outputMatches: false, detail: differs };
  // Page scenarios replayed on the bundle must print what they printed in the trace.
  for (const traced of trace.scenarios.filter((t) => t.path.endsWith(".mjs"))) {
    const replayed = run.scenarios?.find((r) => r.path === traced.path);
    const name = traced.path.split("/").pop();
    if (!replayed || !replayed.outcome.ok) {
      return { ...base, ok: false, outputMatches: false, detail: `scenario ${name}: ${missingPiece(replayed?.outcome.error ?? "it did not run")}` };
    }
    const scenarioDiffers = outputDifference(traced.stdout, replayed.stdout);
    if (scenarioDiffers) return { ...base, ok: false, outputMatches: false, detail: `scenario ${name}: ${scenarioDiffers}` };
  }
  return { ...base, ok: true, outputMatches: true };
}

/** Where two outputs first differ, as a line of the validation's error; undefined if they do not. */
function outputDifference(traced: string, bundled: string): string | undefined {
  if (traced === bundled) return undefined;
  const a = traced.split("\n");
  const b = bundled.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i === -1 ? b.length : i;
  return `stdout differs at line ${at + 1}: traced ${JSON.stringify(a[at] ?? "")}, bundle ${JSON.stringify(b[at] ?? "")}`;
}

/** A multi-line error as one line: its first, with the exception a traceback ends in. */
function errorLine(error: string): string {
  const lines = error.trim().split("\n");
  const exception = [...lines].reverse().find((l) => /^\w+(?:Error|Exception|Exit): /.test(l));
  return exception && exception !== lines[0] ? `${lines[0]!.replace(/ Traceback \(most recent call last\):$/, "")} ${exception}` : lines[0]!;
}

/** Names the module or file a failed bundle run was missing, else the error's last line. */
export function missingPiece(error: string): string {
  const module = /No module named '([^']+)'/.exec(error);
  if (module) return `module ${module[1]} is missing from the bundle`;
  const file = /(?:FileNotFoundError|No such file or directory)[^']*'([^']+)'/.exec(error);
  if (file) return `file ${file[1]} is missing from the bundle`;
  const lines = error.trim().split("\n");
  return lines[lines.length - 1] ?? "the bundle failed to run";
}
