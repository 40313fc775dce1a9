// Compiled extensions built with emscripten (fixtures/packages/native) on both supported
// Pyodide lines, and the real numpy and contourpy wheels: the bundle keeps exactly the
// .so files the traced run loaded and preloads them in that order, with their flags.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundledDynlibs, packCli } from "../../fixtures/e2e-helpers.ts";
import { buildNativeFixtures } from "../../fixtures/packages/native/build.mjs";
import { APPS, WHEELS_029 } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import type { ReportRow } from "../report/report.ts";

const row = (rows: ReportRow[], name: string) => rows.find((r) => r.name.toLowerCase() === name)!;

let fixtures: Record<string, string>;
beforeAll(() => {
  fixtures = buildNativeFixtures();
});

describe.each([
  ["0.29.3", "py313", "3.13"],
  ["314", "py314", "3.14"],
])("emscripten fixtures on Pyodide %s in Chromium", (pyodide, target, python) => {
  const site = `/lib/python${python}/site-packages/nativedemo`;
  let out: string;

  it("packs and validates every load path: extension, NEEDED library, ctypes local and global", async () => {
    const r = await packCli([join(APPS, "native", "app.py"), "--pyodide", pyodide, "--find-links", fixtures[target]!]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    out = r.out;
    const report = r.report();
    expect(report.validation).toMatchObject({ ok: true, outputMatches: true, stdout: "5 hello 42 from libgreet\ncounter: 1 3 4\n" });
    // Load order as traced: _fast, then the library it names in NEEDED; libcounter
    // global because libtwice resolves counter_next through the global scope.
    expect(report.dynlibs).toEqual([
      { path: `${site}/_fast.abi3.so`, global: false },
      { path: "/usr/lib/libgreet.so", global: false },
      { path: `${site}/libcounter.so`, global: true },
      { path: `${site}/libtwice.so`, global: false },
    ]);
    // The extension nothing imports is dropped, the NEEDED library kept.
    expect(bundledDynlibs(out)).toEqual(report.dynlibs.map((d) => d.path).sort());
    expect(row(report.packages, "nativedemo").so).toEqual({ in: 4, out: 3 });
    expect(row(report.packages, "libgreet").so).toEqual({ in: 1, out: 1 });
  });

  if (pyodide === "0.29.3") {
    it("needs the global flag: loaded local, libcounter's symbol is missing and the page says so", async () => {
      const copy = join(tempDir("native-local"), "bundle");
      cpSync(out, copy, { recursive: true });
      const manifestPath = join(copy, "manifest.json");
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      for (const lib of manifest.dynlibs) lib.global = false;
      writeFileSync(manifestPath, JSON.stringify(manifest));
      const host = new ChromiumHost();
      try {
        const run = await host.runBundle(copy, 60_000);
        expect(run.outcome).toMatchObject({
          ok: false,
          errorType: "PyodideFatalError",
          error: "Pyodide fatal error: Dynamic linking error: cannot resolve symbol counter_next",
        });
      } finally {
        await host.close();
      }
    });
  }
});

describe("real compiled wheels from ../shared/wheels/pyodide-0.29", () => {

  it("contourpy keeps exactly the .so files it and numpy load", async () => {
    const r = await packCli([join(APPS, "contourpy", "app.py"), "--pyodide", "0.29.3", "--find-links", WHEELS_029]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.validation).toMatchObject({ ok: true, stdout: "1 61\n" });
    expect(report.dynlibs.map((d) => d.path.split("/").pop())).toEqual([
      "_multiarray_umath.cpython-313-wasm32-emscripten.so",
      "_umath_linalg.cpython-313-wasm32-emscripten.so",
      "_contourpy.cpython-313-wasm32-emscripten.so",
    ]);
    expect(bundledDynlibs(r.out)).toEqual(report.dynlibs.map((d) => d.path).sort());
    expect(row(report.packages, "numpy").so).toEqual({ in: 13, out: 2 });
    expect(row(report.packages, "contourpy").so).toEqual({ in: 1, out: 1 });
  });
});
