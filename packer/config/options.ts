// Every option of pack, once: its flag, where its value lands, how it is read, its help
// and its config key. The CLI's parser and --help (packer/cli/cli.ts), the config's
// schema and reader (packer/config/), the PackOptions type (packer/pipeline/pack.ts) and
// the README's table (checked by a test) all come from OPTIONS. A new option is one entry
// here, and its use.
import type { TransformOptions } from "../../transforms/apply.ts";
import { FALLBACK_MODES } from "../pipeline/fallback.ts";
import { SERVER_CONFIG_KINDS, type ServerConfigKind } from "../output/server-config.ts";

/**
 * How a value is read. path(s): relative to the working directory on the command line,
 * to the config file in a config; seconds: a number > 0; size: bytes ("1.5MB"); enums:
 * a list of values (comma-separated on the command line, "all" for every one).
 */
export type OptionKind = "string" | "strings" | "path" | "paths" | "boolean" | "seconds" | "size" | "enum" | "enums";

export interface OptionEntry {
  /** The command-line flag, without its dashes. */
  readonly flag: string;
  /** What the flag takes, as --help shows it ("DIR"); none for a boolean. */
  readonly arg?: string;
  readonly short?: string;
  /**
   * Where the value lands: a PackOptions key ("findLinks"), one of its transforms
   * ("transforms.prefer"), or the command line's own ("cli.budget": the CLI and plugins).
   */
  readonly key: string;
  readonly kind: OptionKind;
  /** A repeatable flag whose values may each list several, comma-separated (--requires a,b). */
  readonly commas?: boolean;
  /** An enum's values, in the order its error lists them. */
  readonly values?: readonly string[];
  /** A boolean flag that sets its key to this value (--no-minify: false); default true. */
  readonly sets?: boolean;
  /** Its key in a config file ("find-links", "transforms.prefer", "budgets.total"); none: the command line's only. */
  readonly config?: string;
  /** The config schema's description of that key. */
  readonly description?: string;
  /** --help's lines for it, wrapped; more than one entry may share a flag (--scenario). */
  readonly help: readonly string[];
}

export const OPTIONS = [
  { flag: "requires", arg: "REQ", key: "requires", kind: "strings", commas: true, config: "requires", description: "Requirements (as --requires)", help: ["a requirement (repeatable, or comma-separated); default:", "requirements.txt, else pyproject.toml [project] dependencies"] },
  { flag: "find-links", arg: "DIR", key: "findLinks", kind: "paths", config: "find-links", description: "Folders of wheels, relative to the config file", help: ["a folder of wheels; one holding pyodide-lock.json is also a lock", "(repeatable)"] },
  { flag: "lock", arg: "FILE", key: "lock", kind: "path", config: "lock", description: "Pyodide lock to resolve from", help: ["the Pyodide lock to resolve from (default: the runtime's own)"] },
  { flag: "index-url", arg: "URL", key: "indexURL", kind: "string", config: "index-url", description: "Where the lock's files are when not beside it", help: ["where the lock's files are when they are not beside it", "(default: Pyodide's CDN for the runtime's version)"] },
  { flag: "cache-dir", arg: "DIR", key: "cacheDir", kind: "path", config: "cache-dir", help: ["download and size cache (default: ~/.cache/pyodide-packer)"] },
  { flag: "pyodide", arg: "VERSION|DIR", key: "pyodide", kind: "string", config: "pyodide", description: "An installed pyodide version, or a folder", help: ["the runtime: an installed pyodide version or a folder", '(default: the installed "pyodide" package)'] },
  { flag: "runner", arg: "chromium|node", key: "runner", kind: "enum", values: ["chromium", "node"], config: "runner", help: ["where to trace and validate (default: chromium)"] },
  { flag: "app-dir", arg: "DIR", key: "appDir", kind: "path", config: "app-dir", description: "The folder whose files ship beside the app (default: the app's folder)", help: ["the folder whose files ship beside the app (default: the app's", "own folder; .gitignore'd paths left out)"] },
  { flag: "html", arg: "FILE", key: "html", kind: "path", config: "html", description: "Your own page in place of the generated index.html; it imports ./loader.mjs and calls runBundle()", help: ["your own page in place of the generated index.html: it", "imports ./loader.mjs and calls runBundle(); trace and", "validation load it (Chromium)"] },
  { flag: "files", arg: "GLOB", key: "files", kind: "strings", config: "files", description: "Path globs, relative to the app folder, of the files staged beside the app (default: all of them; the main file always)", help: ["stage only the app folder's files that match (relative", "paths, repeatable; the app's main file always ships)"] },
  { flag: "assets", arg: "DIR", key: "assets", kind: "path", config: "assets", description: "The folder the page is served from (default: the app folder); what the app fetches from it ships beside index.html", help: ["the folder the page is served from (default: the app folder):", "the trace serves it at the page's base URL, and the files the", "app fetches from it ship beside index.html"] },
  { flag: "out", arg: "DIR", key: "out", kind: "path", config: "out", help: ["output folder (default: pack-dist)"] },
  { flag: "timeout", arg: "SECONDS", key: "timeoutSeconds", kind: "seconds", config: "timeout", description: "Seconds", help: ["stop an app that runs longer (default: 120)"] },
  { flag: "strategy", arg: "trace|safe", key: "strategy", kind: "enum", values: ["trace", "safe"], config: "strategy", help: ["trace (default): keep what the traced run used; safe: also", "what traced modules can import, within packages already used"] },
  { flag: "scenario", arg: "FILE.py", key: "scenarios", kind: "paths", config: "scenarios", description: "Extra .py files traced after the app", help: ["also trace FILE.py, run after the app (e.g. its smoke test);", "the bundle keeps what either used (repeatable)"] },
  { flag: "scenario", arg: "FILE.mjs", key: "scenarios", kind: "paths", help: ["after the app, run FILE.mjs's exported", "async function scenario({ page, pyodide }) on the traced page", "(click, type, wait; Chromium); validation replays it"] },
  { flag: "why", arg: "MODULE", key: "cli.why", kind: "string", help: ["explain why MODULE is in the bundle or not; writes nothing"] },
  { flag: "include", arg: "GLOB", key: "include", kind: "strings", config: "include", description: "Module-name or path globs to add", help: ['add modules ("xml.dom.*") or files ("**/data/*.json")', "that neither the trace nor the import graph can see (repeatable)"] },
  { flag: "exclude", arg: "GLOB", key: "exclude", kind: "strings", config: "exclude", description: "Module-name or path globs to leave out", help: ["leave modules or files out (repeatable)"] },
  { flag: "no-validate", key: "validate", kind: "boolean", sets: false, config: "validate", help: ["do not run the bundle to check it"] },
  { flag: "fallback", arg: "local|cdn|off", key: "fallback", kind: "enum", values: FALLBACK_MODES, config: "fallback", description: "Keep what was pruned for the loader to fetch on need (local), fetch it from the index URL where published (cdn), or not (off)", help: ["local (default): keep what was pruned in fallback/ and let", "the loader fetch it when a pruned module or file is needed,", "with one warning; cdn: the same, with the stdlib and the", "runtime lock's packages fetched from --index-url (Pyodide's", "CDN); off: such an import fails naming the fix"] },
  { flag: "prefetch-fallback", arg: "SIZE", key: "prefetchFallback", kind: "size", config: "prefetch-fallback", description: "Raw bytes of fallback chunks a page reads after its first result: those of the pruned modules the kept code can import, most likely first (default 256kB; 0: none)", help: ["after the first result, read the fallback chunks of the", "pruned modules the kept code can import, most likely first,", 'up to SIZE raw bytes (default "256kB"; 0: none)'] },
  { flag: "no-minify", key: "transforms.minify", kind: "boolean", sets: false, config: "transforms.minify", help: ["keep comments and docstrings in .py files"] },
  { flag: "prefer", arg: "speed|size", key: "transforms.prefer", kind: "enum", values: ["size", "speed"], config: "transforms.prefer", help: ["ship .pyc compiled by the runtime (speed, default: no", "compile at import) or minified .py (size: fewer bytes,", "~2 s more to start on a slow machine)"] },
  { flag: "pyc-app", key: "transforms.pycApp", kind: "boolean", config: "transforms.pyc-app", help: ["compile the app's modules too (the main file stays .py)"] },
  { flag: "no-optimize-pyc", key: "transforms.optimizePyc", kind: "boolean", sets: false, config: "transforms.optimize-pyc", help: ["keep docstrings in the .pyc files wheels ship"] },
  { flag: "strip-lines", key: "transforms.stripLines", kind: "boolean", config: "transforms.strip-lines", help: ["drop .pyc line tables (tracebacks lose line numbers)"] },
  { flag: "keep-columns", key: "transforms.keepColumns", kind: "boolean", config: "transforms.keep-columns", help: ["keep .pyc column positions (tracebacks keep their ^^^", "markers; by default .pyc keep line numbers only)"] },
  { flag: "keep-docstrings", arg: "GLOB", key: "transforms.keepDocstrings", kind: "strings", config: "transforms.keep-docstrings", help: ["keep the docstrings of modules matching GLOB (repeatable)"] },
  { flag: "no-lazy-bodies", key: "transforms.lazyBodies", kind: "boolean", sets: false, help: ["ship every function's code up front; by default functions", "that did not run in the traced run ship as stubs whose code", "is fetched on first call or prefetched after the first result"] },
  { flag: "lazy-bodies", key: "transforms.lazyBodies", kind: "boolean", config: "transforms.lazy-bodies", help: ["the default, for a config file that turned it off"] },
  { flag: "keep-bodies", arg: "GLOB", key: "transforms.keepBodies", kind: "strings", config: "transforms.keep-bodies", help: ["modules matching GLOB keep every function's code (repeatable)"] },
  { flag: "eager-asyncio", key: "eagerAsyncio", kind: "boolean", config: "eager-asyncio", description: "Import asyncio and start Pyodide's event loop at start-up, as stock Pyodide does (default: when the app first uses them)", help: ["import asyncio and start Pyodide's event loop at start-up,", "as stock Pyodide does; by default both wait until the app", "first uses them (a main file that imports asyncio or awaits", "at top level runs in the event loop either way)"] },
  { flag: "no-defer-runtime-data", key: "deferRuntimeData", kind: "boolean", sets: false, config: "defer-runtime-data", description: "Defer the runtime's data that built-in modules the traced run did not import read (CJK codec maps), written back before their first import (default: true)", help: ["ship the runtime's data segment whole; by default the CJK", "codec maps of codec modules the traced run did not import", "ship apart, written back before their first import"] },
  { flag: "no-split-runtime", key: "splitRuntime", kind: "boolean", sets: false, config: "split-runtime", description: "Split the runtime's wasm by what the traced run ran, the rest loaded by need (default: true)", help: ["ship the runtime's wasm whole; by default the functions the", "traced run did not run move to a module loaded on their first", "call or prefetched after the first result"] },
  { flag: "server-config", arg: "NAME", key: "serverConfig", kind: "enums", values: SERVER_CONFIG_KINDS, config: "server-config", description: "Also write what these servers need to send the bundle right: types, sidecars as encodings, caching, CORS", help: ["also write what a server needs to send the bundle right", "(wasm and module types, the .br/.gz sidecars as encodings,", "caching, CORS): nginx (nginx.conf, nginx-brotli.conf),", "netlify or cloudflare (_headers), apache (.htaccess), or all;", "comma-separated for several"] },
  { flag: "service-worker", key: "serviceWorker", kind: "boolean", config: "service-worker", description: "Also write sw.js, registered by index.html: later visits start from the cache and work offline", help: ["also write sw.js, registered by index.html: a second visit", "starts from the browser's cache and works offline"] },
  { flag: "config", arg: "FILE", key: "cli.config", kind: "path", help: ["settings (TOML or JSON; default: [tool.pyodide-packer] in the", "pyproject.toml beside the app); flags override them"] },
  { flag: "budget", arg: "SIZE", key: "cli.budget", kind: "size", config: "budgets.total", description: "Before the app's first result (deferred function bodies excluded)", help: ["fail (exit 1) when the total brotli bytes a page downloads", 'before the app\'s first result exceed SIZE ("1.5MB")'] },
  { flag: "budget-all", arg: "SIZE", key: "cli.budgetAll", kind: "size", config: "budgets.all", description: "Everything, deferred function bodies included", help: ["the same for everything, deferred function bodies included"] },
  { flag: "budget-page", arg: "SIZE", key: "cli.budgetPage", kind: "size", config: "budgets.page", description: "Before the app's first result, the runtime included: the whole page", help: ["the same for the whole page before the first result,", "the runtime (its split's primary wasm) included"] },
  { flag: "compare", arg: "REPORT.json", key: "cli.compare", kind: "path", config: "compare", description: "A previous report.json to compare against", help: ["print per-package changes against a previous report.json"] },
  { flag: "max-growth", arg: "LIMIT", key: "cli.maxGrowth", kind: "string", config: "max-growth", description: 'Fail when the total grows by more than this ("5%" or "20kB")', help: ['with --compare, fail when the total grows by more ("5%", "20kB")'] },
  { flag: "reporter", arg: "NAME", key: "cli.reporter", kind: "enum", values: ["console", "json", "markdown"], help: ["console (default), json or markdown"] },
  { flag: "json", key: "cli.json", kind: "boolean", help: ["the same as --reporter json"] },
  { flag: "quiet", short: "q", key: "cli.quiet", kind: "boolean", help: ["no progress and no table: warnings, errors and the last line"] },
  { flag: "verbose", short: "v", key: "cli.verbose", kind: "boolean", help: ["time each step"] },
  { flag: "help", short: "h", key: "cli.help", kind: "boolean", help: ["this help"] },
  { flag: "version", short: "V", key: "cli.version", kind: "boolean", help: ["print pyodide-packer's version"] },
] as const satisfies readonly OptionEntry[];

/** Config keys with no flag: a budget per input. */
export const CONFIG_ONLY = {
  "budgets.stdlib": { kind: "size" },
  "budgets.packages": { kind: "sizes", description: "Package name → limit" },
} as const;

/** The schema's words for a size. */
const SIZE_DESCRIPTION = 'Bytes: a number, or a string such as "1.5MB", "800kB" (1 kB = 1000 B)';

type Entry = (typeof OPTIONS)[number];
type ValueOf<E> = E extends { kind: "enum"; values: readonly (infer V)[] }
  ? V
  : E extends { kind: "enums" }
    ? ServerConfigKind[]
    : E extends { kind: "strings" | "paths" }
      ? string[]
      : E extends { kind: "boolean" }
        ? boolean
        : E extends { kind: "seconds" | "size" }
          ? number
          : string;
type Under<P extends string, E> = E extends { key: `${P}.${infer K}` } ? K : never;

/** The options pack() takes that the table declares, by key. */
export type TableOptions = { [E in Entry as E["key"] extends `${string}.${string}` ? never : E["key"]]?: ValueOf<E> };

/** The command line's own options (cli.*), by key. */
export type CliOptions = { [E in Entry as Under<"cli", E>]?: ValueOf<E> };

/** Every transforms.* key names a field of TransformOptions, of its type. */
type TransformKeys = { [E in Entry as Under<"transforms", E>]: ValueOf<E> };
type Checked<T extends Partial<TransformOptions>> = T;
/** A compile error unless every transforms.* key is a TransformOptions field of its type. */
export type TransformsMatchTable = Checked<TransformKeys>;

/** The CLI's `--flag ARG` column: 23 characters, else the help starts on the next line. */
function usageLines(entry: OptionEntry): string[] {
  const name = `${entry.short ? `-${entry.short}, ` : ""}--${entry.flag}${entry.arg ? ` ${entry.arg}` : ""}`;
  const [first, ...rest] = entry.help;
  const indent = " ".repeat(25);
  const head = name.length <= 22 ? [`  ${name.padEnd(22)} ${first}`] : [`  ${name}`, `${indent}${first}`];
  return [...head, ...rest.map((line) => `${indent}${line}`)];
}

/** --help's option lines, in the table's order. */
export function usageOptions(): string {
  return OPTIONS.flatMap(usageLines).join("\n");
}

/** One entry per flag (--scenario has two for its help), for the parser. */
function byFlag(): OptionEntry[] {
  const seen = new Set<string>();
  return (OPTIONS as readonly OptionEntry[]).filter((e) => !seen.has(e.flag) && Boolean(seen.add(e.flag)));
}

/** node:util parseArgs's options for the table. */
export function argvOptions(): Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> {
  return Object.fromEntries(
    byFlag().map((e) => [
      e.flag,
      {
        type: e.kind === "boolean" ? "boolean" : "string",
        ...(e.kind === "strings" || e.kind === "paths" ? { multiple: true } : {}),
        ...(e.short ? { short: e.short } : {}),
      },
    ]),
  );
}

/** Sets a dotted key ("transforms.prefer") in target. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head, ...rest] = key.split(".");
  if (rest.length === 0) target[head!] = value;
  else setKey(((target[head!] ??= {}) as Record<string, unknown>), rest.join("."), value);
}

/** What parseArgs gave, read by the table: key → value, only for the flags given. Bad values throw bad(detail). */
export function fromArgv(values: Record<string, unknown>, bad: (detail: string) => Error, read: { size(value: string): number | undefined; kinds(value: string): string[] | undefined }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A flag that turns a default off wins over the one that turns it on (--no-lazy-bodies, --lazy-bodies).
  const entries = byFlag().sort((a, b) => Number(a.sets === false) - Number(b.sets === false));
  for (const e of entries) {
    const raw = values[e.flag];
    if (raw === undefined) continue;
    const flag = `--${e.flag}`;
    let value: unknown = raw;
    if (e.kind === "boolean") value = e.sets ?? true;
    else if (e.commas) value = (raw as string[]).flatMap((r) => r.split(/,(?=\s*[A-Za-z0-9])/));
    else if (e.kind === "seconds") {
      value = Number(raw);
      if (!Number.isFinite(value) || (value as number) <= 0) throw bad(`${flag} takes seconds > 0, not ${raw}`);
    } else if (e.kind === "size") {
      value = read.size(raw as string);
      if (value === undefined) throw bad(`${flag} takes a size such as 1.5MB, not ${raw}`);
    } else if (e.kind === "enum" && !e.values!.includes(raw as string)) {
      throw bad(`${flag} must be ${e.values!.join(" or ")}, not ${raw}`);
    } else if (e.kind === "enums") {
      value = read.kinds(raw as string);
      if (value === undefined) throw bad(`${flag} takes ${e.values!.join(", ")} or all (comma-separated), not ${raw}`);
    }
    setKey(out, e.key, value);
  }
  return out;
}

type Schema = Record<string, unknown>;

function schemaOf(e: { kind: OptionKind | "sizes"; values?: readonly string[]; description?: string }): Schema {
  const size = { description: SIZE_DESCRIPTION, type: ["string", "number"] };
  const base: Schema =
    e.kind === "boolean"
      ? { type: "boolean" }
      : e.kind === "seconds"
        ? { type: "number" }
        : e.kind === "strings" || e.kind === "paths"
          ? { type: "array", items: { type: "string" } }
          : e.kind === "enum"
            ? { enum: e.values }
            : e.kind === "enums"
              ? { type: "array", items: { enum: e.values } }
              : e.kind === "size"
                ? size
                : e.kind === "sizes"
                  ? { type: "object", additionalProperties: size }
                  : { type: "string" };
  return { ...base, ...(e.description ? { description: e.description } : {}) };
}

/** What the schema says of the tables inside the config. */
const TABLES: Record<string, Schema> = {
  transforms: {},
  budgets: { description: "Limits on brotli bytes a page downloads (besides the runtime, but for page)" },
};

/** The config file's JSON Schema, from the table's config keys. */
export function configSchema(): Schema {
  const properties: Record<string, Schema> = {};
  const keyed = [
    ...(OPTIONS as readonly OptionEntry[]).filter((e) => e.config !== undefined).map((e) => [e.config!, e] as const),
    ...Object.entries(CONFIG_ONLY).map(([key, e]) => [key, e] as const),
  ];
  for (const [key, e] of keyed) {
    const [head, child] = key.split(".") as [string, string | undefined];
    if (child === undefined) {
      properties[head] = schemaOf(e);
      continue;
    }
    const table = (properties[head] ??= { type: "object", additionalProperties: false, ...TABLES[head], properties: {} }) as { properties: Record<string, Schema> };
    table.properties[child] = schemaOf(e);
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "pyodide-packer configuration",
    type: "object",
    additionalProperties: false,
    properties,
  };
}

/** A config table's value at a dotted key ("transforms.prefer"). */
function valueAt(table: Record<string, unknown>, key: string): unknown {
  return key.split(".").reduce<unknown>((at, part) => (at && typeof at === "object" ? (at as Record<string, unknown>)[part] : undefined), table);
}

/**
 * A validated config table read by the table: key → value (paths resolved against base,
 * sizes in bytes), plus "budgets.stdlib" and "budgets.packages". A bad size throws bad(detail).
 */
export function fromConfigTable(table: Record<string, unknown>, resolvePath: (p: string) => string, bad: (detail: string) => Error, size: (value: string | number) => number | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sizeAt = (key: string, value: unknown) => {
    const bytes = size(value as string | number);
    if (bytes === undefined) throw bad(`${key} is not a size: ${JSON.stringify(value)}`);
    return bytes;
  };
  for (const e of (OPTIONS as readonly OptionEntry[]).filter((o) => o.config !== undefined)) {
    const value = valueAt(table, e.config!);
    if (value === undefined) continue;
    const read =
      e.kind === "path" ? resolvePath(value as string) : e.kind === "paths" ? (value as string[]).map(String).map(resolvePath) : e.kind === "size" ? sizeAt(e.config!, value) : value;
    setKey(out, e.key, read);
  }
  const stdlib = valueAt(table, "budgets.stdlib");
  if (stdlib !== undefined) out["budgets.stdlib"] = sizeAt("budgets.stdlib", stdlib);
  const packages = valueAt(table, "budgets.packages") as Record<string, unknown> | undefined;
  if (packages) out["budgets.packages"] = Object.fromEntries(Object.entries(packages).map(([k, v]) => [k, sizeAt(`budgets.packages.${k}`, v)]));
  return out;
}
