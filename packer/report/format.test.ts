import { describe, expect, it } from "vitest";
import { DEFAULT_TRANSFORMS } from "../../transforms/apply.ts";
import { formatFindings, formatReportTable } from "./format.ts";
import type { PackReport, ReportRow } from "./report.ts";

const row = (name: string, files: [number, number], so: [number, number], brotli: [number, number], version?: string): ReportRow => ({
  name,
  ...(version ? { version } : {}),
  files: { in: files[0], out: files[1] },
  so: { in: so[0], out: so[1] },
  soBytes: { in: so[0] * 1000, out: so[1] * 1000 },
  bytes: { in: brotli[0] * 2, out: brotli[1] * 3 },
  gzip: { in: brotli[0] + 10, out: brotli[1] + 10 },
  brotli: { in: brotli[0], out: brotli[1] },
});

const report: PackReport = {
  pyodide: { version: "0.29.3", python: "3.13.2" },
  runner: "chromium",
  main: "/home/pyodide/app.py",
  stdlib: row("stdlib", [538, 117], [0, 0], [2_362_900, 302_700]),
  packages: [row("numpy", [380, 85], [13, 2], [3_594_800, 1_287_000], "2.2.5")],
  total: row("total", [918, 202], [13, 2], [5_957_700, 1_593_800]),
  runtime: { files: ["pyodide.asm.wasm"], bytes: 9_739_600, gzip: 2_900_000, brotli: 2_313_700 },
  dynlibs: [],
  transforms: {
    options: DEFAULT_TRANSFORMS,
    savings: { stdlib: { minify: { files: 100, before: 2_000_000, after: 1_400_000 }, pyc: { files: 3, before: 60_000, after: 100_000 } }, numpy: { "pyc-strip": { files: 2, before: 5000, after: 4000 } } },
    stubbed: {},
    warnings: [],
  },
  assets: { files: [], external: [], failed: [] },
  installs: [],
  appFolder: { staged: { files: 14, bytes: 2_400_000 }, unused: { files: 12, bytes: 2_345_600 } },
  static: {
    strategy: "trace",
    untraced: [
      { module: "csv", input: "stdlib", path: "/lib/python313.zip/csv.py", bytes: 16_000, from: "inspect", line: 4 },
      { module: "numpy.f2py", input: "numpy", path: "/x/numpy/f2py/__init__.pyc", bytes: 2_500, from: "numpy", line: 9 },
    ],
    unfollowed: [{ module: "pkgutil", path: "/lib/python313.zip/pkgutil.py", line: 77, code: "importlib.import_module(name)" }],
    syntaxErrors: ["/x/numpy/broken.py"],
    included: [],
    excluded: [],
  },
  fallback: { mode: "local", archives: ["fallback/stdlib/fractions.zip", "fallback/numpy-2.2.5/numpy.linalg.zip"], remote: [], bytes: 9_500_000, chunks: { count: 2, largest: 6_000_000, median: 6_000_000 }, prefetch: { chunks: 1, bytes: 30_000 } },
  validation: { ok: true, skipped: false, outputMatches: true, stdout: "" },
};

describe("console views", () => {
  it("renders one row per input, the total and the runtime aside", () => {
    expect(formatReportTable(report)).toBe(
      [
        "                 files     .so              raw kB            gzip kB          brotli kB  saved",
        "───────────  ─────────  ──────  ──────────────────  ─────────────────  ─────────────────  ─────",
        "stdlib       538 → 117       –     4,725.8 → 908.1    2,362.9 → 302.7    2,362.9 → 302.7    87%",
        "numpy 2.2.5   380 → 85  13 → 2   7,189.6 → 3,861.0  3,594.8 → 1,287.0  3,594.8 → 1,287.0    64%",
        "───────────  ─────────  ──────  ──────────────────  ─────────────────  ─────────────────  ─────",
        "total        918 → 202  13 → 2  11,915.4 → 4,781.4  5,957.7 → 1,593.8  5,957.7 → 1,593.8    73%",
        "runtime (not counted, same with and without pack): 9,739.6 kB raw, 2,313.7 kB brotli",
      ].join("\n"),
    );
  });

  it("sums the app folder's unused files, and says nothing when it used them all", () => {
    const all = { ...report, appFolder: { staged: { files: 2, bytes: 900 }, unused: { files: 0, bytes: 0 } } };
    expect(formatFindings(all)).not.toContain("app folder");
  });

  it("says what ships only because the app listed its folder", () => {
    const listed = { ...report, appFolder: { ...report.appFolder, listed: { files: 80, bytes: 7_727_500, folders: ["/home/pyodide/examples", "/home/pyodide/x"] } } };
    expect(formatFindings(listed)).toContain(
      "app folder: 80 files (7,727.5 kB) ship only because the app listed their folder (/home/pyodide/examples and 1 more), so that the listing is stock's; --files GLOB stages fewer",
    );
  });

  it("summarises the static witness and the transforms", () => {
    expect(formatFindings(report)).toBe(
      [
        "static: modules that traced code can import but the run did not, left out (strategy trace; --strategy safe keeps them):",
        "  numpy: 1 modules, 2.5 kB raw",
        "  stdlib: 1 modules, 16.0 kB raw",
        "static: 1 dynamic imports in kept modules cannot be followed (list in report.json static.unfollowed), e.g.",
        "  /lib/python313.zip/pkgutil.py:77  importlib.import_module(name)",
        "warning: /x/numpy/broken.py does not parse; kept as it is, its imports only partly known",
        "transforms (raw bytes): minify -600.0 kB in 100 files, pyc +40.0 kB in 3 files, pyc-strip -1.0 kB in 2 files",
        "app folder: 12 files staged beside the app (2,345.6 kB) did not run or open; left out (--files GLOB stages fewer)",
        "fallback: 9,500.0 kB in fallback/ (2 chunks, largest 6,000.0 kB), fetched only the chunks a pruned piece needs; 1 chunk (30.0 kB) of likely misses read after the first result; --fallback off drops it",
      ].join("\n"),
    );
  });
});
