// report.html opened in headless Chromium, served with no other file: the totals and the
// largest package come from the DOM, and the treemaps hold the package's files.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { ANCHOR_APPS, WHEELS_029 } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { launchChromium } from "../../runtime/host/chromium-host.ts";
import { startServer, type StaticServer } from "../../runtime/host/server.ts";
import type { PackReport } from "./report.ts";

describe("report.html", () => {
  let report: PackReport;
  let server: StaticServer;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  const requests: string[] = [];
  beforeAll(async () => {
    const r = await packCli([join(ANCHOR_APPS, "jinja2", "app.py"), "--find-links", WHEELS_029, "--runner", "node"]);
    expect(r.code).toBe(0);
    report = r.report();
    const alone = tempDir("report-html");
    copyFileSync(join(r.out, "report.html"), join(alone, "report.html"));
    server = await startServer({ "/": alone }, { onRequest: (p) => requests.push(p) });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it("shows the right totals and the largest package, with nothing fetched but itself", async () => {
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(`${server.url}/report.html`);
    await page.waitForSelector("html[data-ready]");
    const text = (id: string) => page.$eval(`#${id}`, (el) => el.textContent);
    const kB = (n: number) => (n / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    expect(await text("total-out")).toBe(kB(report.total.brotli.out));
    expect(await text("total-in")).toBe(kB(report.total.brotli.in));
    expect(await text("largest")).toBe("Jinja2");
    const paths = await page.$$eval("#after .cell", (cells) => cells.map((c) => (c as HTMLElement).dataset.path));
    expect(paths).toEqual(expect.arrayContaining(["stdlib", "Jinja2", "Jinja2/jinja2"]));
    expect(requests.filter((p) => p !== "/report.html" && p !== "/favicon.ico")).toEqual([]);
    // What a visitor downloads: the runtime (its split's primary) included, the deferred
    // bodies and the runtime's deferred module apart.
    expect(report.runtime.deferred?.brotli).toBeGreaterThan(0);
    const deferred = [report.stdlib, ...report.packages].reduce((n, r) => n + (r.deferred?.brotli ?? 0), (report.lazyAsyncio?.brotli ?? 0) + report.runtime.deferred!.brotli + (report.runtime.data?.brotli ?? 0));
    expect(await text("download-first")).toBe(kB(report.runtime.brotli + report.total.brotli.out));
    expect(await text("download-runtime")).toBe(kB(report.runtime.brotli));
    expect(deferred).toBeGreaterThan(0);
    expect(await text("download-later")).toBe(kB(deferred));
    const segments = await page.$$eval("#bar-after .seg", (s) => s.map((e) => [(e as HTMLElement).dataset.name, e.className.trim()]));
    expect(segments).toEqual(expect.arrayContaining([["Pyodide runtime", "seg runtime"], ["Jinja2", "seg"], ["later: function bodies", "seg later"], ["later: asyncio", "seg later"], ["later: runtime's rest", "seg later"]]));
    // Kept and pruned apart in the stock map: Jinja2 environment ran, its extensions (ext) did not.
    const pruned = await page.$$eval("#before .cell", (cells) => Object.fromEntries(cells.map((c) => [(c as HTMLElement).dataset.path, c.classList.contains("pruned")])));
    expect(pruned["Jinja2/jinja2/environment.pyc"]).toBe(false);
    expect(pruned["Jinja2/jinja2/ext.pyc"]).toBe(true);
  });
});
