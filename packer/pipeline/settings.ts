import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { defaultCacheDir } from "../../analyzers/fetch-cache.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { Host } from "../../runtime/host/host.ts";
import { NodeHost } from "../../runtime/host/node-host.ts";
import type { PackOptions } from "./pack-options.ts";
import { readPyScriptPage, type PyScriptPage } from "./pyscript-page.ts";

/** The options a pack starts from, resolved against its working directory and checked. */
export interface Settings {
  cwd: string;
  app: string;
  appDir: string;
  out: string;
  cacheDir: string;
  timeoutMs: number;
  /** --html, absolute. */
  html?: string;
  /** The app is a PyScript page (`pack index.html`): its scripts, config and the page that ships. */
  pyscript?: PyScriptPage;
  /** --scenario files, absolute: .py ones traced in the interpreter, .mjs ones on the page. */
  scenarios: string[];
  pageScenarios: string[];
  step: (step: string) => void;
  warn: (message: string) => void;
}

export function settings(options: PackOptions): Settings {
  const cwd = options.cwd ?? process.cwd();
  const app = resolve(cwd, options.app);
  if (!existsSync(app)) throw new PackError("APP_NOT_FOUND", { path: app });
  const appDir = options.appDir ? resolve(cwd, options.appDir) : dirname(app);
  if (relative(appDir, app).startsWith("..") || isAbsolute(relative(appDir, app))) {
    throw new PackError("USAGE", { detail: `--app-dir ${appDir} must hold the app ${app}` });
  }
  const html = options.html ? resolve(cwd, options.html) : undefined;
  if (html && !existsSync(html)) throw new PackError("USAGE", { detail: `--html ${html} not found` });
  const pyscript = /\.html?$/i.test(app) ? readPyScriptPage(app, cwd) : undefined;
  if (pyscript && html) throw new PackError("USAGE", { detail: `--html names a page, and so does ${options.app}; pass one of them` });
  if (pyscript && options.runner === "node") throw new PackError("USAGE", { detail: `${options.app} is a PyScript page, which only --runner chromium loads` });
  const allScenarios = (options.scenarios ?? []).map((f) => resolve(cwd, f));
  for (const file of allScenarios) if (!existsSync(file)) throw new PackError("APP_NOT_FOUND", { path: file });
  for (const note of pyscript?.notes ?? []) options.onWarning?.(note);
  return {
    cwd,
    app,
    appDir,
    html,
    ...(pyscript ? { pyscript } : {}),
    scenarios: allScenarios.filter((f) => !f.endsWith(".mjs")),
    pageScenarios: allScenarios.filter((f) => f.endsWith(".mjs")),
    out: resolve(cwd, options.out ?? "pack-dist"),
    cacheDir: options.cacheDir ? resolve(cwd, options.cacheDir) : defaultCacheDir(),
    timeoutMs: (options.timeoutSeconds ?? 120) * 1000,
    step: options.onStep ?? (() => {}),
    warn: options.onWarning ?? (() => {}),
  };
}

/** The page that ships in place of pack's index.html: --html's, or a PyScript page as pack rewrote it. */
export function pageOf(s: Settings): { file: string } | { text: string } | undefined {
  return s.pyscript ? { text: s.pyscript.html } : s.html ? { file: s.html } : undefined;
}

export function createHost(options: PackOptions): Host {
  return options.runner === "node" ? new NodeHost() : new ChromiumHost();
}

/** pack's one warning when a page crashed and its job runs once more (the host's onCrash). */
export function crashWarning(s: Settings, what: string): (detail: string) => void {
  return (detail) => s.warn(`during the ${what}, ${detail}; running it once more`);
}
