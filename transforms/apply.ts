import type { PyodideDist } from "../runtime/host/pyodide-dist.ts";
import { runPythonTools, type LineTable, type ToolJob } from "../runtime/host/python-tools.ts";
import { pathGlob } from "../analyzers/globs.ts";
import { pythonParser } from "../analyzers/parser.mjs";
import { minifyBytes, type DocstringPolicy, type MinifyResult } from "./minify.ts";
import { ContentCache } from "../analyzers/content-cache.ts";
import type { Parser } from "web-tree-sitter";
import type { BundlePlan } from "./select.ts";

export interface TransformOptions {
  /** Strip comments and docstrings from .py, keeping line numbers (default on). */
  minify: boolean;
  /**
   * speed (default): ship .pyc compiled by the runtime, so no import compiles source (a
   * page's Python start-up alone imports ~120 stdlib modules); size: ship minified .py.
   */
  prefer: "size" | "speed";
  /** Compile the app's modules too (the main file always stays .py). */
  pycApp: boolean;
  /** Drop docstrings from .pyc that wheels ship (default on). */
  optimizePyc: boolean;
  /** Drop line tables from .pyc (tracebacks lose line numbers). */
  stripLines: boolean;
  /** Keep column positions in .pyc location tables (tracebacks keep their ^^^ markers). */
  keepColumns: boolean;
  /** Modules whose docstrings stay, as path globs ("**\/argparse.py"). */
  keepDocstrings: string[];
  /**
   * Ship each function that never ran in the traced run as a stub whose body is
   * fetched on first call (or prefetched after the first result): .pyc only (default on).
   */
  lazyBodies: boolean;
  /** Modules that keep every body, as path globs (code that reads __code__ or co_code). */
  keepBodies: string[];
}

export const DEFAULT_TRANSFORMS: TransformOptions = {
  minify: true,
  prefer: "speed",
  pycApp: false,
  optimizePyc: true,
  stripLines: false,
  keepColumns: false,
  keepDocstrings: [],
  lazyBodies: true,
  keepBodies: [],
};

export type TransformName = "minify" | "pyc" | "pyc-strip" | "shake";

/** What the traced run executed (TraceResult.ran), and modules it may have run unseen. */
export interface CodeCoverage {
  ran: [string, string, number][];
  /** FS paths of source files whose code may have run before the monitor started. */
  unseen: string[];
}

/** Raw bytes one transform took out of one input (stdlib, a package or the app). */
export interface TransformSaving {
  files: number;
  before: number;
  after: number;
}

export interface TransformWarning {
  code: "MINIFY_FALLBACK" | "COMPILE_FAILED" | "PYC_STRIP_FAILED" | "SHAKE_FAILED";
  path: string;
  detail: string;
}

export interface TransformResult {
  plan: BundlePlan;
  /** Input name ("stdlib", package name, "app") → transform → saving. */
  savings: Record<string, Partial<Record<TransformName, TransformSaving>>>;
  /** Input name → functions shipped as stubs (lazy bodies). */
  stubbed: Record<string, number>;
  /** FS paths of the sources shipped as they are because the traced run read their lines. */
  sourceRead: string[];
  /**
   * Modules that keep their docstrings where the policy would have stripped them: read by
   * a docstring reader in the traced run (help, pydoc, inspect.getdoc), or named by
   * --keep-docstrings. FS path → why.
   */
  keptDocstrings: Record<string, string>;
  warnings: TransformWarning[];
}

/** One file of the plan: where it sits, under which input, its bytes. */
interface Slot {
  input: string;
  /** Top-level package or module: the unit that keeps or loses its docstrings. */
  unit: string;
  /** Key in its map (zip entry for the stdlib, FS path otherwise). */
  key: string;
  /** FS path, the filename compiled code reports. */
  path: string;
  data: Uint8Array;
  map: Map<string, Uint8Array>;
  /** A pruned module the fallback ships: transformed alike, but no body deferred and nothing counted. */
  fallback?: boolean;
}

function topLevel(relative: string): string {
  return relative.split("/")[0]!;
}

function slotsOf(plan: BundlePlan, stdlibMount: string) {
  const stdlib = new Map(plan.stdlib.kept);
  // What starting asyncio imports, written apart, is stdlib like the rest.
  const asyncioStart = new Map(plan.stdlib.asyncioStart ?? []);
  const packages = plan.packages.map((p) => ({ ...p, kept: new Map(p.kept) }));
  const pruned = { stdlib: new Map(plan.pruned?.stdlib ?? []), packages: new Map([...(plan.pruned?.packages ?? [])].map(([key, map]) => [key, new Map(map)])) };
  const stdlibSlots = (map: Map<string, Uint8Array>, fallback: boolean) =>
    [...map].map(([key, data]): Slot => ({ input: "stdlib", unit: `stdlib:${topLevel(key)}`, key, path: `${stdlibMount}/${key}`, data, map, fallback }));
  const packageSlots = (name: string, map: Map<string, Uint8Array>, fallback: boolean) =>
    [...map].map(([key, data]): Slot => ({ input: name, unit: `${name}:${topLevel(key.split("/site-packages/")[1] ?? key)}`, key, path: key, data, map, fallback }));
  const slots: Slot[] = [
    ...[stdlib, asyncioStart].flatMap((map) => stdlibSlots(map, false)),
    ...packages.flatMap((p) => packageSlots(p.pkg.name, p.kept, false)),
    ...stdlibSlots(pruned.stdlib, true),
    ...packages.flatMap((p) => packageSlots(p.pkg.name, pruned.packages.get(p.pkg.key) ?? new Map(), true)),
  ];
  return { stdlib, asyncioStart, packages, pruned, slots };
}

/** Bump when minify's output changes for the same input. */
const MINIFY_CACHE = "minify-2";

/** A minify result on disk: the bytes (base64) only when they changed. */
interface CachedMinify extends Omit<MinifyResult, "source"> {
  base64?: string;
}

/**
 * minifyBytes, remembered by content: a warm pack minifies nothing again (the stdlib's
 * ~120 start-up modules take ~1.5 s). Unchanged input comes back as the same array,
 * which is how callers tell.
 */
function cachedMinify(parser: Parser, data: Uint8Array, docstrings: DocstringPolicy, cache: ContentCache<CachedMinify>): MinifyResult & { bytes: Uint8Array } {
  const variant = docstrings === "auto" ? "" : `:${docstrings}-docstrings`;
  const hit = cache.get(data, variant);
  if (hit) {
    const { base64, ...rest } = hit;
    const bytes = base64 === undefined ? data : new Uint8Array(Buffer.from(base64, "base64"));
    return { ...rest, source: "", bytes };
  }
  const result = minifyBytes(parser, data, { docstrings });
  const { source: _source, bytes, ...rest } = result;
  cache.set(data, { ...rest, ...(bytes === data ? {} : { base64: Buffer.from(bytes).toString("base64") }) }, variant);
  return result;
}

/**
 * Minify, compile and strip, inside the runtime that will run the bundle. Docstrings go.
 * Where a module of a package's top-level package reads `__doc__` (numpy passes them to
 * add_docstring, which takes only a str), that package's become "" instead. The stdlib's
 * go even where it reads `__doc__` (typing, inspect): CPython keeps its stdlib working
 * under `python -OO`, which drops them all. An app that reads `__doc__` keeps everyone's,
 * and --keep-docstrings keeps those of the modules it names.
 * Every minified module is compiled before it is kept; one that fails keeps its original.
 */
export async function applyTransforms(
  plan: BundlePlan,
  dist: PyodideDist,
  stdlibMount: string,
  options: TransformOptions,
  cacheDir?: string,
  coverage?: CodeCoverage,
): Promise<TransformResult> {
  const { stdlib, asyncioStart, packages, pruned, slots } = slotsOf(plan, stdlibMount);
  const app = new Map(plan.app);
  const appSlots: Slot[] = [...app].map(([key, data]) => ({ input: "app", unit: "app", key, path: key, data, map: app }));
  const savings: TransformResult["savings"] = {};
  const warnings: TransformWarning[] = [];
  // The fallback's modules are transformed alike but neither counted nor warned about.
  const warn = (slot: Slot, warning: TransformWarning) => void (slot.fallback || warnings.push(warning));
  const save = (slot: Slot, name: TransformName, before: number, after: number) => {
    if (slot.fallback) return;
    const entry = ((savings[slot.input] ??= {})[name] ??= { files: 0, before: 0, after: 0 });
    entry.files++;
    entry.before += before;
    entry.after += after;
  };
  const keepGlobs = options.keepDocstrings.map(pathGlob);
  /** Units whose docstrings stay: --keep-docstrings, or all when the app reads __doc__. */
  const keepers = new Set(slots.filter((s) => keepGlobs.some((re) => re.test(s.path))).map((s) => s.unit));
  /** Modules whose docstrings the traced run read (help, pydoc, inspect.getdoc) keep them. */
  const docsRead = new Map(plan.docsRead ?? []);
  const keptDocstrings: Record<string, string> = {};
  for (const slot of slots.filter((s) => !s.fallback && /\.pyc?$/.test(s.key))) {
    const reader = docsRead.get(slot.path);
    if (reader !== undefined) keptDocstrings[slot.path] = `read by ${reader} in the traced run`;
    else if (keepers.has(slot.unit)) keptDocstrings[slot.path] = "--keep-docstrings";
  }
  /** Packages' units that read __doc__: their docstrings become "" (the stdlib's never). */
  const docReaders = new Set<string>();
  // A source whose lines the app read (inspect.getsource, a traceback, a warning) ships
  // as it is: a .pyc has no lines to read, and minified ones differ.
  const verbatim = new Set(plan.sourceRead ?? []);
  const sources = slots.filter((s) => s.key.endsWith(".py") && !verbatim.has(s.path));
  const pycs = slots.filter((s) => s.key.endsWith(".pyc"));

  // Pass 1: minify sources; the runtime checks that each minified module compiles and
  // tells which .pyc read __doc__.
  const parser = options.minify ? await pythonParser() : undefined;
  // An app that reads __doc__ may read anyone's: then every unit keeps its docstrings.
  const minifyCache = new ContentCache<CachedMinify>(cacheDir, MINIFY_CACHE);
  const appReadsDoc = parser !== undefined && appSlots.some((s) => s.key.endsWith(".py") && cachedMinify(parser, s.data, "auto", minifyCache).readsDoc);
  if (appReadsDoc) for (const s of slots) keepers.add(s.unit);
  const policy = (slot: Slot): DocstringPolicy =>
    keepers.has(slot.unit) || docsRead.has(slot.path) ? "keep" : slot.input === "stdlib" ? "strip" : docReaders.has(slot.unit) ? "empty" : "auto";
  const minify = (slot: Slot) => cachedMinify(parser!, slot.data, policy(slot), minifyCache);
  const minified = parser ? sources.map((slot) => ({ slot, result: minify(slot) })) : [];
  for (const m of minified) if (m.result.readsDoc && m.slot.input !== "stdlib") docReaders.add(m.slot.unit);
  const changed = minified.filter((m) => m.result.bytes !== m.slot.data);
  const readers = options.optimizePyc ? pycs.filter((s) => s.input !== "stdlib") : [];
  const pass1 = await runPythonTools(
    dist,
    [
      ...readers.map((s): ToolJob => ({ op: "reads-doc", path: s.path, data: s.data })),
      ...changed.map(({ slot, result }): ToolJob => ({ op: "check", path: slot.path, data: result.bytes })),
    ],
    cacheDir,
  );
  readers.forEach((s, i) => pass1[i]!.ok && pass1[i]!.data?.[0] === 1 && docReaders.add(s.unit));
  changed.forEach(({ slot, result }, i) => {
    const check = pass1[readers.length + i]!;
    if (!check.ok) {
      warn(slot, { code: "MINIFY_FALLBACK", path: slot.path, detail: `${check.error} after minifying; kept as it was` });
      return;
    }
    // A module whose docstrings went while another module of its unit reads __doc__ gets
    // them back as "": no edit that can break the syntax the check just confirmed.
    const final = policy(slot) === "empty" && result.docstrings > 0 && !result.readsDoc ? minify(slot) : result;
    if (final.bytes === slot.data) return;
    save(slot, "minify", slot.data.length, final.bytes.length);
    slot.data = final.bytes;
    slot.map.set(slot.key, final.bytes);
  });

  minifyCache.save();

  // Pass 2: compile sources to .pyc (prefer speed, --pyc-app) and strip wheels' .pyc:
  // columns (unless kept), line tables (--strip-lines), docstrings (emptied where read).
  const lines: LineTable = options.stripLines ? "none" : options.keepColumns ? "full" : "lines";
  const toCompile = options.prefer === "speed" ? [...sources] : [];
  if (options.pycApp) toCompile.push(...appSlots.filter((s) => s.key.endsWith(".py") && s.key !== plan.main && !verbatim.has(s.path)));
  // A .pyc's bytecode says nothing more about __doc__ than pass 1 did: "auto" is "strip" here.
  const pycDocstrings = (slot: Slot) => {
    if (!options.optimizePyc) return "keep";
    const chosen = policy(slot);
    return chosen === "auto" ? "strip" : chosen;
  };
  const toStrip = pycs.filter((s) => lines !== "full" || pycDocstrings(s) !== "keep");
  const jobs: ToolJob[] = [
    ...toCompile.map((s): ToolJob => ({ op: "compile", path: s.path, data: s.data, lines })),
    ...toStrip.map((s): ToolJob => ({
      op: "strip",
      path: s.path,
      data: s.data,
      lines,
      docstrings: pycDocstrings(s),
    })),
  ];
  const results = await runPythonTools(dist, jobs, cacheDir);
  /** Every .pyc the bundle ships after pass 2, by slot: its map key and bytes. */
  const shipped = new Map<Slot, { slot: Slot; key: string; data: Uint8Array }>(pycs.map((slot) => [slot, { slot, key: slot.key, data: slot.data }]));
  toCompile.forEach((slot, i) => {
    const result = results[i]!;
    if (!result.ok) {
      warn(slot, { code: "COMPILE_FAILED", path: slot.path, detail: `${result.error}; kept as source` });
      return;
    }
    slot.map.delete(slot.key);
    slot.map.set(`${slot.key}c`, result.data!);
    shipped.set(slot, { slot, key: `${slot.key}c`, data: result.data! });
    save(slot, "pyc", slot.data.length, result.data!.length);
  });
  toStrip.forEach((slot, i) => {
    const result = results[toCompile.length + i]!;
    if (!result.ok) {
      warn(slot, { code: "PYC_STRIP_FAILED", path: slot.path, detail: result.error });
      return;
    }
    slot.map.set(slot.key, result.data!);
    shipped.get(slot)!.data = result.data!;
    save(slot, "pyc-strip", slot.data.length, result.data!.length);
  });

  // The fallback's modules keep every body: a module needed after all is likely run.
  const shaken = [...shipped.values()].filter(({ slot }) => !slot.fallback);
  const { bodies, stubbed } = options.lazyBodies && coverage ? await shakeFunctions(shaken, dist, lines, options, coverage, cacheDir, warnings, save) : { bodies: new Map(), stubbed: {} };

  return {
    plan: { ...plan, stdlib: { ...plan.stdlib, kept: stdlib, asyncioStart }, packages, app, bodies, ...(plan.pruned ? { pruned } : {}) },
    savings,
    stubbed,
    // The app's sources ship as written anyway, unless --pyc-app.
    sourceRead: [...slots, ...(options.pycApp ? appSlots : [])].filter((s) => !s.fallback && s.key.endsWith(".py") && s.key !== plan.main && verbatim.has(s.path)).map((s) => s.path).sort(),
    keptDocstrings: Object.fromEntries(Object.entries(keptDocstrings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    warnings: warnings.sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/**
 * Pass 3: in every shipped .pyc, each function that never ran becomes a stub (compiler.py
 * shake_pyc) and its real code object moves to the input's deferred bodies. Modules that
 * may have run unseen, or that --keep-bodies names, keep every body.
 */
async function shakeFunctions(
  shipped: { slot: Slot; key: string; data: Uint8Array }[],
  dist: PyodideDist,
  lines: LineTable,
  options: TransformOptions,
  coverage: CodeCoverage,
  cacheDir: string | undefined,
  warnings: TransformWarning[],
  save: (slot: Slot, name: TransformName, before: number, after: number) => void,
): Promise<{ bodies: Map<string, Map<string, Uint8Array>>; stubbed: Record<string, number> }> {
  const stubbed: Record<string, number> = {};
  const byFile = new Map<string, string[]>();
  for (const [file, qualname, line] of coverage.ran) {
    const rows = byFile.get(file) ?? [];
    rows.push(`${file}\t${qualname}\t${line}`);
    byFile.set(file, rows);
  }
  const keepGlobs = options.keepBodies.map(pathGlob);
  const unseen = new Set(coverage.unseen);
  const source = (path: string) => path.replace(/\.pyc$/, ".py");
  const candidates = shipped.filter(({ slot }) => !unseen.has(source(slot.path)) && !keepGlobs.some((re) => re.test(slot.path)));
  // A .pyc names the file it was compiled from: this FS path, or (wheels built
  // elsewhere) its path inside site-packages.
  const ranRows = (path: string) => [source(path), source(path.split("/site-packages/")[1] ?? "")].flatMap((f) => byFile.get(f) ?? []);
  const results = await runPythonTools(
    dist,
    candidates.map(({ slot, data }): ToolJob => ({ op: "shake", path: slot.path, data, lines, ran: ranRows(slot.path).join("\n") })),
    cacheDir,
  );
  // Bodies are found by the file name their stubs carry (loader/bodies.mjs), so a name
  // two shipped .pyc share (in one input or two) keeps the second whole.
  const bodies = new Map<string, Map<string, Uint8Array>>();
  const named = new Set<string>();
  candidates.forEach(({ slot, key, data }, i) => {
    const result = results[i]!;
    if (!result.ok) {
      warnings.push({ code: "SHAKE_FAILED", path: slot.path, detail: `${result.error}; kept whole` });
      return;
    }
    const out = result.data!;
    const header = new DataView(out.buffer, out.byteOffset, 12);
    const [length, count, nameLength] = [0, 4, 8].map((at) => header.getUint32(at, true)) as [number, number, number];
    if (count === 0) return;
    const pyc = out.subarray(12, 12 + length);
    const filename = new TextDecoder().decode(out.subarray(12 + length, 12 + length + nameLength));
    // The archive and the FS name a file without its leading slash (as stripSlash writes it).
    const entry = filename.replace(/^\/+/, "");
    if (named.has(entry)) return;
    named.add(entry);
    slot.map.set(key, pyc);
    save(slot, "shake", data.length, pyc.length);
    const input = bodies.get(slot.input) ?? new Map<string, Uint8Array>();
    input.set(filename, out.subarray(12 + length + nameLength));
    bodies.set(slot.input, input);
    stubbed[slot.input] = (stubbed[slot.input] ?? 0) + count;
  });
  return { bodies, stubbed };
}
