// The anchor apps (../shared/anchor-apps) traced and validated in headless Chromium with
// real wheels on Pyodide 0.29.3, and bad input on the Chromium runner. Pyodide 314 is in
// pyodide-314.e2e.test.ts (a separate file, so the two run in parallel).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundledDynlibs, packCli } from "../../fixtures/e2e-helpers.ts";
import { ANCHOR_APPS, APPS, WHEELS_029 } from "../../fixtures/paths.ts";
import type { ReportRow } from "../report/report.ts";
import { resetCrashInjection } from "../../runtime/host/chromium-host.ts";

const anchor = (name: string) => join(ANCHOR_APPS, name, "app.py");
const row = (rows: ReportRow[], name: string) => rows.find((r) => r.name.toLowerCase() === name)!;

describe("Pyodide 0.29.3 in Chromium, wheels from ../shared/wheels/pyodide-0.29", () => {
  const pack029 = (app: string) => packCli([app, "--pyodide", "0.29.3", "--find-links", WHEELS_029]);

  it.each([
    ["stdlib_only", '{"a": [1, 2, 3], "top": [["the", 3], ["and", 2]]}\n'],
    ["jinja2", "<h1>Hi &amp; bye</h1><ul><li>1</li><li>2</li><li>3</li></ul>\n"],
    ["rich", "hi\n"],
    ["mpmath", "3.14159265358979323846264338328\n"],
  ])("%s packs, shrinks and validates", async (name, stdout) => {
    const r = await pack029(anchor(name));
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.runner).toBe("chromium");
    expect(report.validation).toMatchObject({ ok: true, outputMatches: true, stdout });
    expect(report.total.brotli.out).toBeLessThan(report.total.brotli.in / 2);
    for (const p of report.packages) expect(p.files.out, p.name).toBeLessThan(p.files.in);
    // jinja2 loads markupsafe's speedups extension: it stays.
    if (name === "jinja2") expect(row(report.packages, "markupsafe").so).toEqual({ in: 1, out: 1 });
  });

  it("numpy keeps only the .so files the app loads", async () => {
    const r = await pack029(anchor("numpy"));
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.validation.stdout).toBe("[12, 15, 18, 21]\n");
    expect(row(report.packages, "numpy").so).toEqual({ in: 13, out: 2 });
    expect(report.dynlibs.map((d) => d.path.split("/").pop())).toEqual([
      "_multiarray_umath.cpython-313-wasm32-emscripten.so",
      "_umath_linalg.cpython-313-wasm32-emscripten.so",
    ]);
    expect(bundledDynlibs(r.out)).toEqual(report.dynlibs.map((d) => d.path).sort());
  });

  it("keeps libopenblas when the app loads it", async () => {
    const r = await pack029(join(APPS, "openblas", "app.py"));
    expect(r.code).toBe(0);
    const report = r.report();
    expect(row(report.packages, "libopenblas").so).toEqual({ in: 1, out: 1 });
    expect(report.dynlibs).toEqual([{ path: "/usr/lib/libopenblas.so", global: false }]);
    expect(report.validation.stdout).toMatch(/^openblas threads: \d+\n$/);
  });

  it("drops libopenblas when nothing loads it", async () => {
    const r = await pack029(join(APPS, "numpy-openblas-unused", "app.py"));
    expect(r.code).toBe(0);
    expect(row(r.report().packages, "libopenblas")).toMatchObject({ files: { in: 1, out: 0 }, so: { in: 1, out: 0 } });
  });
});

describe("bad input on the Chromium runner", () => {
  it("stops an app that never ends and leaves nothing behind", async () => {
    const r = await packCli([join(APPS, "forever", "app.py"), "--timeout", "8"]);
    expect(r.code).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^pack: the app did not finish within 8 s; last sign of life \d+ s ago: running the app(, importing [\w.]+)?; make it end on its own, or raise --timeout$/);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  /** Packs the hello app with the renderer of the next `pages` pages crashed a second after they load. */
  async function packCrashing(pages: number) {
    process.env.PYODIDE_PACKER_CRASH_PAGES = String(pages);
    resetCrashInjection();
    try {
      return await packCli([join(APPS, "hello", "app.py")]);
    } finally {
      delete process.env.PYODIDE_PACKER_CRASH_PAGES;
      resetCrashInjection();
    }
  }

  it("runs a trace once more when its page crashes, with one warning", async () => {
    const r = await packCrashing(1);
    expect(r.code).toBe(0);
    expect(r.retried).toEqual([expect.stringMatching(/^pack: warning: during the trace, the page crashed \(Chromium's renderer is gone(; Chromium said: [^)]*)?\)(; last sign of life .*)?; running it once more$/)]);
    expect(r.errors).toEqual([]);
    expect(r.report().validation.ok).toBe(true);
  });

  it("fails with one line, exit 2 and nothing written when the page crashes again", async () => {
    const r = await packCrashing(2);
    expect(r.code).toBe(2);
    expect(r.retried).toHaveLength(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^pack: Chromium failed twice in a row: the page crashed \(Chromium's renderer is gone\).*; nothing was written/);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  it("names where an app stalled: its stage, and its last line of output", async () => {
    const r = await packCli([join(APPS, "stalls", "app.py"), "--timeout", "8"]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([expect.stringMatching(/^pack: the app did not finish within 8 s; last sign of life \d+ s ago: running the app after printing "step 2 of 3: 1\/2"; make it end on its own, or raise --timeout$/)]);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  it("gives an app that reads stdin end of file at once, not a prompt that never returns", async () => {
    const r = await packCli([join(APPS, "reads-stdin", "app.py"), "--timeout", "30"]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([
      "pack: the app raised EOFError at /home/pyodide/app.py:4: EOF when reading a line; pack needs an app that runs to completion",
    ]);
  });

  it("reports an exception with the line that raised it", async () => {
    const r = await packCli([join(APPS, "raises", "app.py")]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([
      "pack: the app raised ValueError at /home/pyodide/app.py:5: bad input 42; pack needs an app that runs to completion",
    ]);
  });
});

describe("validation in Chromium", () => {
  it("fails a bundle that misses a module the bundled run imports", async () => {
    const r = await packCli([join(APPS, "untraced-import", "app.py")]);
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      "pack: the bundle does not reproduce the traced run: module xml is missing from the bundle; nothing was written (use --no-validate to keep it anyway)",
    ]);
    expect(readdirSync(r.parent)).toEqual([]);
  });
});

