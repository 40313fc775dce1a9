import type { StagedInputs } from "./inputs.ts";
import type { TraceResult } from "../runtime/host/host.ts";

/** What the traced run used, by input. */
export interface Usage {
  /** Stdlib zip entry names of imported modules. */
  stdlib: Set<string>;
  /** Package key → FS paths of its files that were opened or imported. */
  packages: Map<string, Set<string>>;
  /** App files opened or imported, and the main file. */
  app: Set<string>;
  /** Loaded dynamic libraries that belong to an input, in load order. */
  dynlibs: { path: string; global: boolean; owner: string }[];
  /** Imported modules whose file belongs to no input (kept out of the bundle). */
  unowned: string[];
  /**
   * Folders the bundle must hold even where it keeps nothing inside: the subfolders of a
   * folder the app listed, so that the listing names them as stock does.
   */
  dirs: string[];
  /** Files that ship only because the app listed their folder: nothing opened or imported them. */
  listedOnly: string[];
  /**
   * Stdlib zip entry names of what starting asyncio imported where it waited through the
   * run (TraceResult.asyncioStart): shipped apart, read when the app starts asyncio.
   */
  asyncioStart: Set<string>;
  /**
   * FS paths (as code names its file) of the inputs' files whose lines the app read
   * (TraceResult.sourceRead): they ship as they are, not minified or compiled.
   */
  sourceRead: Set<string>;
  /**
   * FS paths of the inputs' modules whose docstrings a docstring reader looked at
   * (TraceResult.docsRead) → that reader: they keep their docstrings.
   */
  docsRead: Map<string, string>;
}

/**
 * Merges the FS trace and the module list: the FS shows every file a wheel or the app
 * had opened (data files, .so, dist-info), sys.modules shows the stdlib modules that
 * zipimport read without the FS.
 */
export function traceUsage(trace: TraceResult, inputs: StagedInputs): Usage {
  const owner = new Map<string, string>();
  for (const { pkg, files } of inputs.packages) for (const path of files.keys()) owner.set(path, pkg.key);
  const usage: Usage = {
    stdlib: new Set(),
    packages: new Map(inputs.packages.map(({ pkg }) => [pkg.key, new Set<string>()])),
    app: new Set([inputs.main]),
    dynlibs: [],
    unowned: [],
    dirs: [],
    listedOnly: [],
    asyncioStart: new Set(),
    sourceRead: new Set(),
    docsRead: new Map(),
  };
  const scenarios = new Set(inputs.scenarios);
  const use = (path: string): boolean => {
    if (scenarios.has(path)) return true;
    const key = owner.get(path);
    if (key) usage.packages.get(key)!.add(path);
    else if (inputs.app.has(path)) usage.app.add(path);
    else return false;
    return true;
  };
  for (const path of trace.opened) use(path);
  // A folder the app listed lists what stock lists: its files ship, its subfolders exist.
  const listing = listedEntries(trace.listed ?? [], [...owner.keys(), ...inputs.app.keys()]);
  for (const path of listing.files) use(path);
  usage.dirs = listing.dirs;
  const zipPrefix = inputs.stdlibMount + "/";
  const stdlibEntry = (file: string | null, origin: string | null): string | undefined => {
    // Frozen code never reads its file; importlib points __file__ of its frozen
    // _bootstrap modules at the zip all the same.
    if (!file || origin === "frozen" || !file.startsWith(zipPrefix)) return undefined;
    const entry = file.slice(zipPrefix.length);
    return inputs.stdlib.has(entry) ? entry : undefined;
  };
  for (const [name, file, origin] of trace.modules) {
    if (!file || origin === "frozen") continue;
    if (file.startsWith(zipPrefix)) {
      const entry = stdlibEntry(file, origin);
      if (entry) usage.stdlib.add(entry);
    } else if (!use(file) && !isFrozenStdlibPath(file, inputs.stdlibMount)) {
      usage.unowned.push(name);
    }
  }
  // A module found but failed inside (an ImportError the app caught) left no trace in
  // sys.modules: its file ships, so that the bundle fails the same way on its own.
  const inSitePackages = new Map<string, string>();
  for (const path of owner.keys()) {
    const at = path.indexOf("/site-packages/");
    if (at >= 0) inSitePackages.set(path.slice(at + 15), path);
  }
  for (const name of trace.failedImports ?? []) {
    const base = name.replaceAll(".", "/");
    for (const relative of [`${base}.py`, `${base}.pyc`, `${base}/__init__.py`, `${base}/__init__.pyc`]) {
      if (inputs.stdlib.has(relative)) usage.stdlib.add(relative);
      const path = inSitePackages.get(relative);
      if (path) use(path);
    }
  }
  /** A path's entry in the stdlib zip, if it is under its mount. */
  const zipEntry = (path: string) => (path.startsWith(zipPrefix) ? path.slice(zipPrefix.length) : undefined);
  // A file whose lines were read ships as it is; one the run did not import ships too.
  for (const path of trace.sourceRead ?? []) {
    const entry = zipEntry(path);
    if (entry === undefined ? !use(path) : !inputs.stdlib.has(entry)) continue;
    if (entry !== undefined) usage.stdlib.add(entry);
    usage.sourceRead.add(path);
  }
  for (const [path, reader] of trace.docsRead ?? []) {
    const entry = zipEntry(path);
    if (entry === undefined ? owner.has(path) || inputs.app.has(path) : inputs.stdlib.has(entry)) usage.docsRead.set(path, reader);
  }
  for (const [, file, origin] of trace.asyncioStart ?? []) {
    const entry = stdlibEntry(file, origin);
    if (entry) usage.asyncioStart.add(entry);
  }
  const touched = new Set([...trace.opened, ...trace.modules.map(([, file]) => file), ...usage.sourceRead, inputs.main]);
  usage.listedOnly = listing.files.filter((path) => !touched.has(path));
  for (const lib of trace.dynlibs) {
    const key = owner.get(lib.path);
    if (key) usage.dynlibs.push({ ...lib, owner: key });
  }
  return usage;
}

/**
 * The files and subfolders directly inside each listed folder, among paths (FS paths of
 * files). A Python package is no such subfolder: made empty, it would import as a
 * namespace package instead of coming from the fallback.
 */
export function listedEntries(listed: readonly string[], paths: Iterable<string>): { files: string[]; dirs: string[] } {
  const folders = new Set(listed.map((d) => d.replace(/\/+$/, "")));
  const files: string[] = [];
  const dirs = new Set<string>();
  const all = [...paths];
  const packages = new Set(all.filter((p) => /\/__init__\.pyc?$/.test(p)).map((p) => p.slice(0, p.lastIndexOf("/"))));
  for (const path of all) {
    // Each ancestor of path that was listed holds path itself or the subfolder leading to it.
    for (let cut = path.lastIndexOf("/"), child = path; cut > 0; child = path.slice(0, cut), cut = path.lastIndexOf("/", cut - 1)) {
      if (!folders.has(path.slice(0, cut))) continue;
      if (child === path) files.push(path);
      else dirs.add(child);
    }
  }
  return { files: files.sort(), dirs: [...dirs].filter((d) => !packages.has(d)).sort() };
}

/** Frozen modules report a __file__ under /lib/pythonX.Y/ that does not exist. */
function isFrozenStdlibPath(file: string, stdlibMount: string): boolean {
  const version = /python(\d)(\d+)\.zip$/.exec(stdlibMount);
  return version !== null && file.startsWith(`/lib/python${version[1]}.${version[2]}/`) && !file.includes("/site-packages/");
}
