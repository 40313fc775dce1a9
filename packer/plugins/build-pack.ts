import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defaultCacheDir } from "../../analyzers/fetch-cache.ts";
import { AS_IS_ROOMS, assetPath, PACKAGE_VERSION, REPORT_PAGE } from "../../runtime/host/assets.ts";
import { findDist } from "../../runtime/host/pyodide-dist.ts";
import { checkLimits, loadConfig, withConfig } from "../config/config.ts";
import { listAppFolder } from "../pipeline/app-folder.ts";
import { pack, type PackOptions } from "../pipeline/pack.ts";
import { readPyScriptPage, type PyScriptPage } from "../pipeline/pyscript-page.ts";
import { parseSize } from "../report/budgets.ts";
import type { PackReport } from "../report/report.ts";
import { failureMessages } from "../report/reporters.ts";
import type { ServerConfigKind } from "../output/server-config.ts";

/** The bundler plugins' options: pack's, a config file, budgets, and where assets go. */
export interface PluginOptions extends Omit<PackOptions, "out" | "onStep" | "onWarning" | "serverConfig" | "serviceWorker"> {
  /** A config file, as `pack --config` takes (default: pyproject.toml beside the app). */
  config?: string;
  /** `--budget`: brotli bytes before the first result ("800kB"); over it, the build fails. */
  budget?: string | number;
  /** `--budget-all`: the same, with the deferred function bodies. */
  budgetAll?: string | number;
  /** `--budget-page`: brotli bytes before the first result, the runtime included. */
  budgetPage?: string | number;
  /** Folder under the build's base for the bundle's files (default: the bundler's, else "assets"). */
  assetsDir?: string;
  /**
   * The build's public base URL (default: Vite's `base`, webpack's publicPath, else the
   * page's own folder). Rollup and esbuild know none: set it when the page is not at the root of the output.
   */
  base?: string;
  /** Also emit the server configuration for these servers at the build's root (see `pack --server-config`). */
  serverConfig?: ServerConfigKind | ServerConfigKind[];
}

export interface BuildPack {
  outDir: string;
  report: PackReport;
  /** True when a pack of the same inputs was in the cache, and nothing ran. */
  reused: boolean;
  /** The app's own files: a change to one of them makes the next build pack again. */
  watched: string[];
  /** The app, when it is a PyScript page: the build writes it anew, at its own names. */
  page?: PyScriptPage;
}

/**
 * Packs the app for a build, or reuses the pack of the same inputs: the app folder's
 * files, the config, the options, the lock and find-links folders, the runtime and this
 * package's version. Packs live in the cache folder under builds/, one per key. A budget
 * the bundle is over fails with the CLI's one-line messages.
 */
export async function buildPack(plugin: PluginOptions, cwd: string, log: (line: string) => void): Promise<BuildPack> {
  const { config: configFile, budget, budgetAll, budgetPage, assetsDir: _a, base: _b, serverConfig: _s, ...given } = plugin;
  const app = resolve(cwd, given.app);
  const config = loadConfig(dirname(app), configFile && resolve(cwd, configFile));
  const options: PackOptions = withConfig(config, given, app, cwd);
  const cacheDir = options.cacheDir ? resolve(cwd, options.cacheDir) : defaultCacheDir();
  const appDir = options.appDir ? resolve(cwd, options.appDir) : dirname(app);
  const watched = existsSync(appDir) ? listAppFolder(appDir, join(cacheDir, "builds")).map((f) => f.full) : [];
  const page = /\.html?$/i.test(app) && existsSync(app) ? readPyScriptPage(app, cwd) : undefined;
  const key = inputsKey(options, cwd, watched, config.source, page);
  const outDir = join(cacheDir, "builds", key);
  const reused = existsSync(join(outDir, "report.json"));
  let report: PackReport;
  if (reused) {
    log(`reused the pack of ${given.app} (its inputs did not change)`);
    report = JSON.parse(readFileSync(join(outDir, "report.json"), "utf8")) as PackReport;
  } else {
    log(`packing ${given.app}: trace, validate, report (the next build with the same inputs reuses it)`);
    const started = Date.now();
    ({ report } = await pack({ ...options, out: outDir, onWarning: (message) => log(`warning: ${message}`) }));
    log(`packed ${given.app} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const bytes = (name: string, value: string | number | undefined) => (value === undefined ? undefined : size(name, value));
  const budgets = { total: bytes("budget", budget), all: bytes("budgetAll", budgetAll), page: bytes("budgetPage", budgetPage) };
  const failures = failureMessages(checkLimits(report, config, { budgets }));
  if (failures.length > 0) throw new Error(`over budget: ${failures.join("; ")}`);
  return { outDir, report, reused, watched, page };
}

function size(name: string, value: string | number): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new Error(`${name} is not a size: ${JSON.stringify(value)}; give bytes or a size such as "800kB"`);
  return bytes;
}

/** What decides a pack's output, hashed: same key, same output. */
function inputsKey(options: PackOptions, cwd: string, appFiles: string[], configSource: string | undefined, page: PyScriptPage | undefined): string {
  const h = createHash("sha256");
  const add = (label: string, value: string | Uint8Array) => h.update(`${label}\0`).update(value).update("\0");
  add("version", PACKAGE_VERSION);
  // The loader, tracer and compiler pack writes or runs: a changed install packs anew.
  for (const room of AS_IS_ROOMS) addPath(add, assetPath(room), true);
  addPath(add, REPORT_PAGE, true);
  add("options", JSON.stringify(options, Object.keys(options).sort()));
  add("transforms", JSON.stringify(options.transforms ?? {}));
  const dist = findDist(options.pyodide, cwd);
  add("runtime", `${dist.version} ${dist.dir}`);
  for (const file of appFiles) add(file, readFileSync(file));
  // PyScript, when pack serves it from the project's @pyscript/core: another version packs anew.
  for (const [name, bytes] of [...(page?.pyscript ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) add(name, bytes);
  const paths = [configSource?.split(" ")[0], options.lock, options.html, options.assets, ...(options.scenarios ?? []), ...(options.findLinks ?? [])];
  for (const path of paths) if (path) addPath(add, resolve(cwd, path));
  return h.digest("hex").slice(0, 16);
}

/**
 * A file by its bytes; a folder by its files, their bytes too when byContent, else their
 * names and sizes (find-links folders hold wheels, named by version). No times: a fresh
 * clone or install on a CI runner, with its cache restored, reuses its packs.
 */
function addPath(add: (label: string, value: string | Uint8Array) => void, path: string, byContent = false): void {
  if (!existsSync(path)) return add(path, "missing");
  const stat = statSync(path);
  if (stat.isFile()) return add(path, readFileSync(path));
  for (const name of readdirSync(path).sort()) {
    const full = join(path, name);
    const s = statSync(full);
    if (s.isDirectory()) addPath(add, full, byContent);
    else add(name, byContent ? readFileSync(full) : String(s.size));
  }
}
