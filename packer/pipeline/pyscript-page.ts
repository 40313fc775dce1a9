// A PyScript page as pack's input (`pack index.html`): where its PyScript, scripts and
// config are, and the page that the trace loads and the output ships. Runs in pack itself.
//
// The page traced is the page deployed: PyScript self-hosted under ./pyscript/ and its
// interpreter pointed at ./loader.mjs, whose loadPyodide() boots the bundle (during the
// trace, a traced Pyodide). The config's packages are pack's requirements: the bundle
// holds them, so the page no longer installs anything with micropip.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parse as parseToml } from "smol-toml";
import { PackError } from "../../runtime/host/errors.ts";

/** The @pyscript/core releases pack knows how to point at a packed runtime. */
export const PYSCRIPT_RANGE = { major: 0, minor: 7, text: "0.7.x" } as const;

/** Where the output (and the trace) serves PyScript's own files. */
export const PYSCRIPT_DIR = "pyscript";

/** The main file pack stages for a PyScript page, beside it: the scripts' Python, for the import graph; never run, never shipped. */
export const PAGE_MAIN = ".pyodide-packer-page.py";

/** Pyodide that @pyscript/core 0.7 boots unless a page names another (pack's --pyodide). */
const PYSCRIPT_DEFAULT_PYODIDE = "314";

export interface PyScriptPage {
  /** The page, absolute. */
  path: string;
  /** The page as the trace loads it and the output ships it. */
  html: string;
  /** PyScript's files, by their path under the page's folder ("pyscript/core.js"), when pack serves them. */
  pyscript: Map<string, Uint8Array>;
  /** Where PyScript came from: the page's own folder, or a @pyscript/core install. */
  pyscriptFrom: string;
  /** The folder under the page's that serves PyScript, in the trace and the output ("pyscript"). */
  pyscriptFolder: string;
  /** The config's packages: pack's requirements. */
  packages: string[];
  /** The runtime the page asks for (a --pyodide value), unless pack's options name one. */
  pyodide: string;
  /** Python the page's scripts run, by where it is ("main.py", "inline script 2"): the import graph reads it. */
  sources: { where: string; code: string }[];
  /** What pack says of the page before it packs it (MicroPython scripts left as they are). */
  notes: string[];
}

interface Tag {
  /** Offsets of the whole element (start tag to end tag) in the page. */
  start: number;
  end: number;
  name: string;
  attrs: Map<string, string>;
  body: string;
  /** The start tag alone. */
  open: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'" };

function decode(value: string): string {
  return value.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (all, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? all;
  });
}

function attributes(open: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const inner = open.replace(/^<[\w-]+/, "").replace(/\/?>$/, "");
  for (const m of inner.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    attrs.set(m[1]!.toLowerCase(), decode(m[2] ?? m[3] ?? m[4] ?? ""));
  }
  return attrs;
}

/** Elements named one of names, with their text (script, py-config, py-script...), and void ones (link). */
function findTags(html: string, names: readonly string[]): Tag[] {
  const tags: Tag[] = [];
  // Comments hide what they hold.
  const masked = html.replace(/<!--[\s\S]*?-->/g, (c) => " ".repeat(c.length));
  const re = new RegExp(`<(${names.join("|")})\\b(?:[^>"']|"[^"]*"|'[^']*')*>`, "gi");
  for (const m of masked.matchAll(re)) {
    const name = m[1]!.toLowerCase();
    const start = m.index!;
    const openEnd = start + m[0].length;
    let end = openEnd;
    let body = "";
    if (name !== "link") {
      const close = masked.toLowerCase().indexOf(`</${name}`, openEnd);
      const closeEnd = close < 0 ? -1 : masked.indexOf(">", close);
      if (closeEnd >= 0) {
        body = html.slice(openEnd, close);
        end = closeEnd + 1;
      }
    }
    tags.push({ start, end, name, attrs: attributes(m[0]), body, open: html.slice(start, openEnd) });
  }
  return tags.sort((a, b) => a.start - b.start);
}

const isRemote = (url: string) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(url);
/** PyScript's entry module, by its URL: core.js of a PyScript release or of @pyscript/core. */
const CORE_JS = /^(.*\/)?core\.js(?:[?#].*)?$/;
const CORE_CSS = /^(.*\/)?core\.css(?:[?#].*)?$/;

/** PyScript's core.js a module script loads (a local core.js, or one from a URL naming PyScript), or imports. */
function pyscriptCoreURL(tag: Tag): string | undefined {
  if (tag.attrs.get("type") !== "module") return undefined;
  const src = tag.attrs.get("src");
  if (src !== undefined) return CORE_JS.test(src) && (!isRemote(src) || /pyscript/i.test(src)) ? src : undefined;
  return /import\s*(?:[^'"]*from\s*)?["']([^"']*core\.js)["']/.exec(tag.body)?.[1];
}

/** The installed @pyscript/core's dist folder, from the page's folder or the working directory up. */
function installedPyScript(from: string[]): { dist: string; version: string } | undefined {
  for (const dir of from) {
    try {
      const pkg = createRequire(join(dir, "noop.js")).resolve("@pyscript/core/package.json");
      const version = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
      return { dist: join(dirname(pkg), "dist"), version };
    } catch {
      // not installed there
    }
  }
  return undefined;
}

function inRange(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major === PYSCRIPT_RANGE.major && minor === PYSCRIPT_RANGE.minor;
}

/** @pyscript/core installs read so far, by folder and version: a build reads its page several times (its key, its page, each dev request). */
const readDists = new Map<string, Map<string, Uint8Array>>();

/**
 * Every file of a PyScript dist folder but its source maps, by path under pyscript/ (about
 * 2 MB); an installed version (version given) is read once per process.
 */
function readPyScriptDist(dist: string, version: string): Map<string, Uint8Array> {
  const key = `${dist}\0${version}`;
  const known = version ? readDists.get(key) : undefined;
  if (known) return known;
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dist).sort()) {
    const path = join(dist, name);
    if (name.endsWith(".map") || !statSync(path).isFile()) continue;
    files.set(`${PYSCRIPT_DIR}/${name}`, new Uint8Array(readFileSync(path)));
  }
  if (version) readDists.set(key, files);
  return files;
}

function parseConfig(text: string, kind: "json" | "toml" | undefined, where: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === "") return {};
  try {
    if (kind === "json" || (kind === undefined && trimmed.startsWith("{") && trimmed.endsWith("}"))) return JSON.parse(trimmed) as Record<string, unknown>;
    return parseToml(trimmed) as Record<string, unknown>;
  } catch (error) {
    throw new PackError("PYSCRIPT_PAGE", { page: where, detail: `its PyScript config does not parse (${(error as Error).message.split("\n")[0]})` });
  }
}

/** A script or config's file, read from the page's folder. */
function readLocal(dir: string, url: string, page: string, what: string): string {
  const path = resolve(dir, decodeURIComponent(url.replace(/[?#].*$/, "")));
  if (isRemote(url) || !existsSync(path)) throw new PackError("PYSCRIPT_PAGE", { page, detail: `its ${what} ${url} is not a file beside it` });
  return readFileSync(path, "utf8");
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/'/g, "&#39;");
}

/** Replaces parts of the page, each [start, end, text], from the last. */
function splice(html: string, edits: [number, number, string][]): string {
  let out = html;
  for (const [start, end, text] of [...edits].sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return out;
}

/**
 * Where the written page finds PyScript and its interpreter: pack's output serves them
 * beside the page; a bundler's build, at the names it gave them.
 */
export interface PageTargets {
  /** The folder PyScript's files are served from, with its "/" (default "./pyscript/"). */
  pyscript?: string;
  /** The interpreter module the config names (default "./loader.mjs"). */
  interpreter?: string;
  /** The page's text, when a bundler has already transformed it (default: the file's). */
  html?: string;
}

/**
 * Reads a PyScript page: its PyScript (the page's own copy, else @pyscript/core from the
 * project), its Python scripts and config; writes the page that boots the bundle.
 */
export function readPyScriptPage(path: string, cwd: string, targets: PageTargets = {}): PyScriptPage {
  const html = targets.html ?? readFileSync(path, "utf8");
  const pyscriptTarget = targets.pyscript ?? `./${PYSCRIPT_DIR}/`;
  const dir = dirname(path);
  const page = relative(cwd, path) || path;
  const tags = findTags(html, ["script", "py-config", "mpy-config", "py-script", "mpy-script", "link"]);
  const edits: [number, number, string][] = [];
  const notes: string[] = [];

  // PyScript itself.
  const core = tags.map((t) => ({ tag: t, url: pyscriptCoreURL(t) })).find((c) => c.url !== undefined);
  if (!core) throw new PackError("PYSCRIPT_PAGE", { page, detail: "it loads no PyScript (a module script with PyScript's core.js)" });
  const coreURL = core.url!;
  const ownPath = isRemote(coreURL) ? undefined : resolve(dir, coreURL.replace(/[?#].*$/, ""));
  let pyscript = new Map<string, Uint8Array>();
  let pyscriptFrom: string;
  let pyscriptFolder: string = PYSCRIPT_DIR;
  let coreTarget = coreURL;
  if (ownPath && existsSync(ownPath) && !relative(dir, ownPath).startsWith("..")) {
    // Self-hosted beside the page: served and shipped from there, as the page's assets.
    pyscriptFrom = dirname(ownPath);
    pyscriptFolder = relative(dir, pyscriptFrom).split(sep).join("/");
  } else {
    const found = ownPath && existsSync(ownPath) ? { dist: dirname(ownPath), version: "" } : installedPyScript([dir, cwd]);
    if (!found) {
      throw new PackError("PYSCRIPT_NOT_FOUND", { page, url: coreURL, detail: `pack serves PyScript from your project's @pyscript/core, which is not installed; npm i -D @pyscript/core@${PYSCRIPT_RANGE.text}` });
    }
    if (found.version && !inRange(found.version)) {
      throw new PackError("PYSCRIPT_NOT_FOUND", { page, url: coreURL, detail: `your project's @pyscript/core is ${found.version}, and pack supports ${PYSCRIPT_RANGE.text}; npm i -D @pyscript/core@${PYSCRIPT_RANGE.text}` });
    }
    pyscript = readPyScriptDist(found.dist, found.version);
    pyscriptFrom = found.dist;
    coreTarget = `${pyscriptTarget}core.js`;
  }
  if (coreTarget !== coreURL) {
    const { tag } = core;
    const at = html.indexOf(coreURL, tag.start);
    edits.push([at, at + coreURL.length, coreTarget]);
    // Its stylesheet, from the same place.
    for (const link of tags.filter((t) => t.name === "link")) {
      const href = link.attrs.get("href");
      if (href && CORE_CSS.test(href) && (isRemote(href) ? /pyscript/i.test(href) : true)) {
        const hrefAt = html.indexOf(href, link.start);
        edits.push([hrefAt, hrefAt + href.length, `${pyscriptTarget}core.css`]);
      }
    }
  }

  // Its scripts and config.
  const isPy = (t: Tag) => (t.name === "script" && t.attrs.get("type") === "py") || t.name === "py-script";
  const isMpy = (t: Tag) => (t.name === "script" && t.attrs.get("type") === "mpy") || t.name === "mpy-script";
  const scripts = tags.filter(isPy);
  const mpy = tags.filter(isMpy);
  if (mpy.length > 0) notes.push(`${mpy.length} MicroPython script${mpy.length > 1 ? "s" : ""} (type="mpy") left as ${mpy.length > 1 ? "they are" : "it is"}: pack packs Pyodide's`);
  if (scripts.length === 0) throw new PackError("PYSCRIPT_PAGE", { page, detail: 'it has no Python script for Pyodide (<script type="py">)' });
  const workers = scripts.filter((t) => t.attrs.has("worker"));
  if (workers.length > 0) {
    throw new PackError("PYSCRIPT_PAGE", { page, detail: `its ${workers.length > 1 ? "scripts run" : "script runs"} in a worker (the worker attribute), which pack does not pack yet (PyScript's workers need a cross-origin isolated page, COOP and COEP headers, and a worker of their own in the trace); run ${workers.length > 1 ? "them" : "it"} on the main thread` });
  }
  const sources = scripts.map((t, i) => {
    const src = t.attrs.get("src");
    return src ? { where: src, code: readLocal(dir, src, page, "script") } : { where: `inline script ${i + 1}`, code: dedent(decodeScriptText(t)) };
  });
  const configTags = tags.filter((t) => t.name === "py-config");
  const configAttrs = scripts.filter((t) => t.attrs.has("config"));
  if (configTags.length > 1 || (configTags.length > 0 && configAttrs.length > 0) || new Set(configAttrs.map((t) => t.attrs.get("config"))).size > 1) {
    throw new PackError("PYSCRIPT_PAGE", { page, detail: "it has more than one PyScript config, which PyScript refuses too; keep one" });
  }
  let config: Record<string, unknown> = {};
  const configTag = configTags[0];
  if (configTag) {
    const src = configTag.attrs.get("src");
    const type = configTag.attrs.get("type") as "json" | "toml" | undefined;
    config = src ? parseConfig(readLocal(dir, src, page, "config"), type ?? (src.endsWith(".json") ? "json" : "toml"), src) : parseConfig(configTag.body, type, page);
    edits.push([configTag.start, configTag.end, ""]);
  } else if (configAttrs[0]) {
    const value = configAttrs[0].attrs.get("config")!.trim();
    const file = /\.(json|toml)(?:[?#].*)?$/.exec(value);
    config = file && !value.startsWith("{") ? parseConfig(readLocal(dir, value, page, "config"), file[1] as "json" | "toml", value) : parseConfig(value, undefined, page);
    for (const t of configAttrs) edits.push(removeAttr(html, t, "config"));
  }
  const packages = Array.isArray(config.packages) ? (config.packages as unknown[]).map(String) : [];
  const local = packages.filter((p) => /^(?:\.{0,2}\/|[a-z]+:\/\/)|\.whl$/i.test(p));
  if (local.length > 0) {
    throw new PackError("PYSCRIPT_PAGE", { page, detail: `its config installs ${local[0]} by URL or path; put the wheel in a --find-links folder and list the package by name` });
  }
  const pinned = typeof config.interpreter === "string" ? /\/v?(\d+\.\d+)\.\d+[^/]*\/(?:full\/)?pyodide\.m?js$/.exec(config.interpreter) : null;
  const { packages: _installed, interpreter: _interpreter, packages_cache: _cache, ...kept } = config;
  const shipped = { ...kept, interpreter: targets.interpreter ?? "./loader.mjs" };
  // One config, on the first script: PyScript reads it for every script of the page.
  const first = scripts[0]!;
  const insertAt = first.start + first.open.length - (first.open.endsWith("/>") ? 2 : 1);
  edits.push([insertAt, insertAt, ` config='${escapeAttr(JSON.stringify(shipped))}'`]);
  return {
    path,
    html: splice(html, edits),
    pyscript,
    pyscriptFrom,
    pyscriptFolder,
    packages,
    pyodide: pinned ? pinned[1]! : PYSCRIPT_DEFAULT_PYODIDE,
    sources,
    notes,
  };
}

/** The edit that takes one attribute out of a tag's start tag. */
function removeAttr(html: string, tag: Tag, name: string): [number, number, string] {
  const re = new RegExp(`\\s${name}\\s*=\\s*(?:"[^"]*"|'[^']*'|[^\\s>"']+)`, "i");
  const m = re.exec(tag.open);
  if (!m) return [tag.start, tag.start, ""];
  return [tag.start + m.index, tag.start + m.index + m[0].length, ""];
}

/** A script's text as PyScript reads it: HTML-decoded in <py-script>, as it is in <script>. */
function decodeScriptText(tag: Tag): string {
  return tag.name === "script" ? tag.body : decode(tag.body);
}

/** Strips the indentation every line shares, as PyScript does to an inline script. */
function dedent(code: string): string {
  const lines = code.replace(/^\s*\n/, "").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n").trimEnd() + "\n";
}
