// Pyodide 314 in headless Chromium: the stdlib-only anchor app, plotly with dependencies
// from Requires-Dist, and docutils, with default transforms and with every one on.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { ANCHOR_APPS, APPS, WHEELS_PURE } from "../../fixtures/paths.ts";
import type { ReportRow } from "../report/report.ts";

const anchor = (name: string) => join(ANCHOR_APPS, name, "app.py");
const row = (rows: ReportRow[], name: string) => rows.find((r) => r.name.toLowerCase() === name)!;

describe("Pyodide 314 in Chromium", () => {
  it("stdlib_only packs and validates", async () => {
    const r = await packCli([anchor("stdlib_only"), "--pyodide", "314"]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.pyodide.version).toMatch(/^314\./);
    expect(report.validation.ok).toBe(true);
  });

  it("plotly, with dependencies from Requires-Dist, shrinks by well over half", async () => {
    const r = await packCli([join(APPS, "plotly", "app.py"), "--pyodide", "314", "--find-links", WHEELS_PURE]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.packages.map((p) => p.name).sort()).toEqual(["narwhals", "packaging", "plotly"]);
    const plotly = row(report.packages, "plotly");
    expect(plotly.files.out).toBeLessThan(plotly.files.in / 4);
    expect(plotly.brotli.out).toBeLessThan(plotly.brotli.in / 4);
    expect(report.validation.stdout).toBe("bar [3, 1, 2] counts\n");
  });
});

describe("Pyodide 314 in Chromium with every transform on", () => {
  const everything = ["--prefer", "speed", "--pyc-app", "--strip-lines"];

  it.each([
    ["plotly", "bar [3, 1, 2] counts\n"],
    ["docutils", "Title\n<p>Some <em>emphasis</em> and a list:</p>\n<ul class=\"simple\">\n<li><p>one</p></li>\n<li><p>two</p></li>\n</ul>\n"],
  ])("%s validates", async (name, stdout) => {
    // plotly's default pack is the Requires-Dist test above.
    for (const extra of name === "plotly" ? [everything] : [[], everything]) {
      const r = await packCli([join(APPS, name, "app.py"), "--pyodide", "314", "--find-links", WHEELS_PURE, ...extra]);
      expect(r.errors).toEqual([]);
      expect(r.code).toBe(0);
      const report = r.report();
      expect(report.validation).toMatchObject({ ok: true, stdout });
      expect(Object.keys(report.transforms.savings.stdlib!)).toEqual(["minify", "pyc", "shake"]);
      expect(report.stdlib.deferred!.functions).toBeGreaterThan(1000);
    }
  });
});
