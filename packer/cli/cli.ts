import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PACKAGE_VERSION } from "../../runtime/host/assets.ts";
import { checkBudgets, compareReports, growthExceeds, parseSize } from "../report/budgets.ts";
import { parseServerConfigKinds, SERVER_CONFIG_KINDS } from "../output/server-config.ts";
import { budgetsWith, loadConfig, withConfig } from "../config/config.ts";
import { PackError, isPackError } from "../../runtime/host/errors.ts";
import { pack, type PackOptions } from "../pipeline/pack.ts";
import { explain } from "../pipeline/why.ts";
import { FALLBACK_MODES } from "../pipeline/fallback.ts";
import { createProgress } from "./progress.ts";
import type { PackReport } from "../report/report.ts";
import { assetWarnings } from "../report/format.ts";
import { failureMessages, REPORTERS, type ReportView } from "../report/reporters.ts";

export interface World {
  argv: string[];
  cwd: string;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env?: Record<string, string | undefined>;
}

export const USAGE = `Usage: pack APP.py [options]

Traces APP.py in Pyodide, keeps only the files it used, writes a deployable folder
(pruned stdlib, bundle, loader, index.html, report.json) and checks that the bundle
prints what the traced run printed.

Options:
  --requires REQ         a requirement (repeatable, or comma-separated); default:
                         requirements.txt, else pyproject.toml [project] dependencies
  --find-links DIR       a folder of wheels; one holding pyodide-lock.json is also a lock
                         (repeatable)
  --lock FILE            the Pyodide lock to resolve from (default: the runtime's own)
  --index-url URL        where the lock's files are when they are not beside it
                         (default: Pyodide's CDN for the runtime's version)
  --cache-dir DIR        download and size cache (default: ~/.cache/pyodide-packer)
  --pyodide VERSION|DIR  the runtime: an installed pyodide version or a folder
                         (default: the installed "pyodide" package)
  --runner chromium|node where to trace and validate (default: chromium)
  --app-dir DIR          the folder whose files ship beside the app (default: the app's
                         own folder; .gitignore'd paths left out)
  --html FILE            your own page in place of the generated index.html: it
                         imports ./loader.mjs and calls runBundle(); trace and
                         validation load it (Chromium)
  --files GLOB           stage only the app folder's files that match (relative
                         paths, repeatable; the app's main file always ships)
  --assets DIR           the folder the page is served from (default: the app folder):
                         the trace serves it at the page's base URL, and the files the
                         app fetches from it ship beside index.html
  --out DIR              output folder (default: pack-dist)
  --timeout SECONDS      stop an app that runs longer (default: 120)
  --strategy trace|safe  trace (default): keep what the traced run used; safe: also
                         what traced modules can import, within packages already used
  --scenario FILE.py     also trace FILE.py, run after the app (e.g. its smoke test);
                         the bundle keeps what either used (repeatable)
  --scenario FILE.mjs    after the app, run FILE.mjs's exported
                         async function scenario({ page, pyodide }) on the traced page
                         (click, type, wait; Chromium); validation replays it
  --why MODULE           explain why MODULE is in the bundle or not; writes nothing
  --include GLOB         add modules ("xml.dom.*") or files ("**/data/*.json")
                         that neither the trace nor the import graph can see (repeatable)
  --exclude GLOB         leave modules or files out (repeatable)
  --no-validate          do not run the bundle to check it
  --fallback local|cdn|off
                         local (default): keep what was pruned in fallback/ and let
                         the loader fetch it when a pruned module or file is needed,
                         with one warning; cdn: the same, with the stdlib and the
                         runtime lock's packages fetched from --index-url (Pyodide's
                         CDN); off: such an import fails naming the fix
  --no-minify            keep comments and docstrings in .py files
  --prefer speed|size    ship .pyc compiled by the runtime (speed, default: no
                         compile at import) or minified .py (size: fewer bytes,
                         ~2 s more to start on a slow machine)
  --pyc-app              compile the app's modules too (the main file stays .py)
  --no-optimize-pyc      keep docstrings in the .pyc files wheels ship
  --strip-lines          drop .pyc line tables (tracebacks lose line numbers)
  --keep-columns         keep .pyc column positions (tracebacks keep their ^^^
                         markers; by default .pyc keep line numbers only)
  --keep-docstrings GLOB keep the docstrings of modules matching GLOB (repeatable)
  --no-lazy-bodies       ship every function's code up front; by default functions
                         that did not run in the traced run ship as stubs whose code
                         is fetched on first call or prefetched after the first result
  --lazy-bodies          the default, for a config file that turned it off
  --keep-bodies GLOB     modules matching GLOB keep every function's code (repeatable)
  --eager-asyncio        import asyncio and start Pyodide's event loop at start-up,
                         as stock Pyodide does; by default both wait until the app
                         first uses them (a main file that imports asyncio or awaits
                         at top level runs in the event loop either way)
  --server-config NAME   also write what a server needs to send the bundle right
                         (wasm and module types, the .br/.gz sidecars as encodings,
                         caching, CORS): nginx (nginx.conf, nginx-brotli.conf),
                         netlify or cloudflare (_headers), apache (.htaccess), or all;
                         comma-separated for several
  --service-worker       also write sw.js, registered by index.html: a second visit
                         starts from the browser's cache and works offline
  --config FILE          settings (TOML or JSON; default: [tool.pyodide-packer] in the
                         pyproject.toml beside the app); flags override them
  --budget SIZE          fail (exit 1) when the total brotli bytes a page downloads
                         before the app's first result exceed SIZE ("1.5MB")
  --budget-all SIZE      the same for everything, deferred function bodies included
  --compare REPORT.json  print per-package changes against a previous report.json
  --max-growth LIMIT     with --compare, fail when the total grows by more ("5%", "20kB")
  --reporter NAME        console (default), json or markdown
  --json                 the same as --reporter json
  -q, --quiet            no progress and no table: warnings, errors and the last line
  -v, --verbose          time each step
  -h, --help             this help
  -V, --version          print pyodide-packer's version

Exit codes: 0 ok, 1 validation failed or budget exceeded, 2 usage, config, input or
tool error.
`;

type Parsed = Partial<PackOptions> & {
  help?: boolean;
  version?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  why?: string;
  config?: string;
  budget?: string;
  budgetAll?: string;
  compare?: string;
  maxGrowth?: string;
  reporter?: string;
};

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new PackError("USAGE", { detail: `${flag} must be ${allowed.join(" or ")}, not ${value}` });
  return value as T;
}

/** Only what the command line says: config and defaults fill the rest. */
function parse(argv: string[]): Parsed {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      requires: { type: "string", multiple: true },
      "find-links": { type: "string", multiple: true },
      lock: { type: "string" },
      "index-url": { type: "string" },
      "cache-dir": { type: "string" },
      pyodide: { type: "string" },
      runner: { type: "string" },
      out: { type: "string" },
      "app-dir": { type: "string" },
      files: { type: "string", multiple: true },
      html: { type: "string" },
      assets: { type: "string" },
      timeout: { type: "string" },
      strategy: { type: "string" },
      scenario: { type: "string", multiple: true },
      why: { type: "string" },
      include: { type: "string", multiple: true },
      exclude: { type: "string", multiple: true },
      "no-validate": { type: "boolean" },
      fallback: { type: "string" },
      "no-minify": { type: "boolean" },
      prefer: { type: "string" },
      "pyc-app": { type: "boolean" },
      "no-optimize-pyc": { type: "boolean" },
      "strip-lines": { type: "boolean" },
      "keep-columns": { type: "boolean" },
      "keep-docstrings": { type: "string", multiple: true },
      "lazy-bodies": { type: "boolean" },
      "no-lazy-bodies": { type: "boolean" },
      "keep-bodies": { type: "string", multiple: true },
      "server-config": { type: "string" },
      "service-worker": { type: "boolean" },
      "eager-asyncio": { type: "boolean" },
      config: { type: "string" },
      budget: { type: "string" },
      "budget-all": { type: "string" },
      compare: { type: "string" },
      "max-growth": { type: "string" },
      reporter: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      verbose: { type: "boolean", short: "v" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
  if (v.help) return { help: true };
  if (v.version) return { version: true };
  if (positionals.length !== 1) {
    throw new PackError("USAGE", { detail: positionals.length === 0 ? "missing APP.py" : `one app at a time, got ${positionals.join(" ")}` });
  }
  const timeout = v.timeout === undefined ? undefined : Number(v.timeout);
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
    throw new PackError("USAGE", { detail: `--timeout takes seconds > 0, not ${v.timeout}` });
  }
  for (const [flag, value] of [["--budget", v.budget], ["--budget-all", v["budget-all"]]] as const) {
    if (value !== undefined && parseSize(value) === undefined) {
      throw new PackError("USAGE", { detail: `${flag} takes a size such as 1.5MB, not ${value}` });
    }
  }
  const serverConfig = v["server-config"] === undefined ? undefined : parseServerConfigKinds(v["server-config"]);
  if (v["server-config"] !== undefined && !serverConfig) {
    throw new PackError("USAGE", { detail: `--server-config takes ${SERVER_CONFIG_KINDS.join(", ")} or all (comma-separated), not ${v["server-config"]}` });
  }
  const reporter = v.json ? "json" : oneOf("--reporter", v.reporter, Object.keys(REPORTERS));
  const transforms = Object.fromEntries(
    Object.entries({
      minify: v["no-minify"] ? false : undefined,
      prefer: oneOf("--prefer", v.prefer, ["size", "speed"] as const),
      pycApp: v["pyc-app"] || undefined,
      optimizePyc: v["no-optimize-pyc"] ? false : undefined,
      stripLines: v["strip-lines"] || undefined,
      keepColumns: v["keep-columns"] || undefined,
      keepDocstrings: v["keep-docstrings"],
      lazyBodies: v["no-lazy-bodies"] ? false : v["lazy-bodies"] || undefined,
      keepBodies: v["keep-bodies"],
    }).filter(([, value]) => value !== undefined),
  );
  const parsed: Parsed = {
    app: positionals[0]!,
    requires: v.requires?.flatMap((r) => r.split(/,(?=\s*[A-Za-z0-9])/)),
    findLinks: v["find-links"],
    lock: v.lock,
    indexURL: v["index-url"],
    cacheDir: v["cache-dir"],
    pyodide: v.pyodide,
    runner: oneOf("--runner", v.runner, ["chromium", "node"] as const),
    out: v.out,
    appDir: v["app-dir"],
    files: v.files,
    html: v.html,
    assets: v.assets,
    timeoutSeconds: timeout,
    strategy: oneOf("--strategy", v.strategy, ["trace", "safe"] as const),
    scenarios: v.scenario,
    include: v.include,
    exclude: v.exclude,
    validate: v["no-validate"] ? false : undefined,
    fallback: oneOf("--fallback", v.fallback, FALLBACK_MODES),
    transforms: Object.keys(transforms).length > 0 ? transforms : undefined,
    serverConfig,
    serviceWorker: v["service-worker"] || undefined,
    eagerAsyncio: v["eager-asyncio"] || undefined,
    why: v.why,
    config: v.config,
    budget: v.budget,
    budgetAll: v["budget-all"],
    compare: v.compare,
    maxGrowth: v["max-growth"],
    reporter,
    quiet: v.quiet,
    verbose: v.verbose,
  };
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)) as Parsed;
}

function readReport(path: string): PackReport {
  if (!existsSync(path)) throw new PackError("CONFIG_INVALID", { source: "--compare", detail: `${path} not found` });
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PackReport;
  } catch (error) {
    throw new PackError("CONFIG_INVALID", { source: path, detail: (error as Error).message });
  }
}

/** Runs the CLI in-process; returns the exit code. */
export async function main(world: World): Promise<number> {
  const env = world.env ?? {};
  const fail = (error: unknown) => {
    if (isPackError(error)) {
      world.stderr.write(`pack: ${error.message}\n`);
      return error.exitCode;
    }
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      world.stderr.write(`pack: ${new PackError("USAGE", { detail: (error as Error).message }).message}\n`);
      return 2;
    }
    world.stderr.write(`pack: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  };
  let cli: Parsed;
  try {
    cli = parse(world.argv);
  } catch (error) {
    return fail(error);
  }
  if (cli.help) {
    world.stdout.write(USAGE);
    return 0;
  }
  if (cli.version) {
    world.stdout.write(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  const started = Date.now();
  try {
    const app = resolve(world.cwd, cli.app!);
    const config = loadConfig(dirname(app), cli.config && resolve(world.cwd, cli.config));
    const options: PackOptions = withConfig(config, cli, app, world.cwd);
    if (cli.why) {
      world.stdout.write((await explain(options, cli.why)) + "\n");
      return 0;
    }
    const reporter = cli.reporter ?? "console";
    const progress = createProgress(world.stderr, {
      tty: Boolean(world.stderr.isTTY) && !env.CI,
      quiet: Boolean(cli.quiet) || reporter !== "console",
      verbose: Boolean(cli.verbose),
    });
    const result = await pack({
      ...options,
      onStep: (step) => progress.step(step),
      onWarning: (message) => world.stderr.write(`pack: warning: ${message}\n`),
    }).finally(() => progress.done());
    for (const w of result.report.transforms.warnings) world.stderr.write(`pack: warning: ${w.path}: ${w.detail}\n`);
    for (const w of assetWarnings(result.report)) world.stderr.write(`pack: warning: ${w}\n`);
    const budgets = budgetsWith(config, cli.budget ? parseSize(cli.budget) : undefined, cli.budgetAll ? parseSize(cli.budgetAll) : undefined);
    const comparePath = cli.compare ? resolve(world.cwd, cli.compare) : config.compare;
    const deltas = comparePath ? compareReports(readReport(comparePath), result.report) : undefined;
    const maxGrowth = cli.maxGrowth ?? config.maxGrowth;
    const view: ReportView = {
      report: result.report,
      violations: checkBudgets(result.report, budgets),
      deltas,
      growthLimit: deltas && maxGrowth && growthExceeds(deltas.at(-1)!, maxGrowth) ? maxGrowth : undefined,
    };
    const color = Boolean(world.stdout.isTTY) && env.NO_COLOR === undefined;
    if (!cli.quiet) world.stdout.write(REPORTERS[reporter]!(view, { color }) + "\n");
    if (reporter === "console") {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const checked = result.report.validation.skipped ? "not validated" : `validated in ${result.report.runner}`;
      world.stdout.write(`${cli.quiet ? "" : "\n"}wrote ${result.outDir} (${checked}) in ${seconds} s\n`);
    }
    const failures = failureMessages(view);
    if (env.GITHUB_ACTIONS === "true") {
      for (const f of failures) world.stdout.write(`::error title=pyodide-packer budget::${f}\n`);
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, REPORTERS.markdown!(view, { color: false }) + "\n");
    }
    for (const f of failures) world.stderr.write(`pack: over budget: ${f}\n`);
    return failures.length > 0 ? 1 : 0;
  } catch (error) {
    return fail(error);
  }
}
