// A real page in headless Chromium: the files an app fetches from its own page's base URL
// are served during the trace as they will be deployed, and ship beside index.html; what
// a user does on the page (--scenario FILE.mjs) is traced and replayed on the bundle.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readStoredZip } from "../../runtime/page/loader.mjs";
import { packCli, readTree } from "../../fixtures/e2e-helpers.ts";
import { APPS, WHEELS_PURE } from "../../fixtures/paths.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { buildPureWheel } from "../../fixtures/wheels.mjs";

const PAGE_FILES = join(APPS, "page-files", "app.py");

/** The output's files that are not pack's own: what the page's assets added. */
function assetNames(out: string): string[] {
  const own = /^(?:index\.html|loader\.mjs|loader\/|pyodide\/|pyodide-adapter\.mjs|worker\.mjs|manifest\.json|bundle\.zip|python_stdlib\.zip|bodies\/|fallback\/|report\.(?:json|html))/;
  return [...readTree(out).keys()].filter((name) => !own.test(name)).sort();
}

describe("the page's own files", () => {
  it.each(["0.29.3", "314"])("an app that fetches a CSV (pyfetch) and a JSON (open_url) beside it packs, validates and ships exactly those (%s)", async (version) => {
    const r = await packCli([PAGE_FILES, "--pyodide", version]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.validation).toMatchObject({ ok: true, stdout: "Points: 3 points, total 12\n" });
    expect(assetNames(r.out)).toEqual(["data/points.csv", "data/points.csv.br", "data/points.csv.gz", "info.json", "info.json.br", "info.json.gz"]);
    const size = (name: string) => statSync(join(APPS, "page-files", name)).size;
    expect(report.assets.files.map((f) => [f.name, f.reason, f.bytes])).toEqual([
      ["data/points.csv", "fetched (fetch)", size("data/points.csv")],
      ["info.json", "fetched (xhr)", size("info.json")],
    ]);
    expect(report.assets.external).toEqual([]);
    expect(report.assets.failed).toEqual([]);
    // app.py, the two fetched files and data/unused.csv were staged; the last one alone did not ship.
    expect(report.appFolder).toEqual({ staged: { files: 4, bytes: expect.any(Number) }, unused: { files: 1, bytes: size("data/unused.csv") } });
    expect(r.stdout).toContain(`app folder: 1 file staged beside the app (${(size("data/unused.csv") / 1000).toFixed(1)} kB) did not run or open; left out`);
    expect(r.stdout).toMatch(/^assets: 2 files the page fetched, copied beside index\.html, [\d.]+ kB brotli \(data\/points\.csv [\d.]+, info\.json [\d.]+\)/m);
  });

  it("warns about a file the page did not find and lists other origins, neither copied nor fatal", async () => {
    const dir = tempDir("page-missing");
    writeFileSync(
      join(dir, "app.py"),
      [
        "import js",
        "from pyodide.http import pyfetch",
        'missing = await pyfetch("missing.json")',
        "try:",
        '    await js.fetch("http://elsewhere.invalid/data.json")',
        "except Exception:",
        '    print("no network")',
        'print("missing", missing.status)',
        "",
      ].join("\n"),
    );
    const r = await packCli([join(dir, "app.py")]);
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([
      "pack: warning: the page's request for /missing.json failed during the trace (HTTP 404); the app saw that failure, and so will the bundle's",
    ]);
    const report = r.report();
    expect(report.validation.stdout).toBe("no network\nmissing 404\n");
    expect(report.assets.external).toEqual([{ url: "http://elsewhere.invalid/data.json", host: "elsewhere.invalid", via: "fetch" }]);
    expect(r.stdout).toContain("assets: requests to other origins, not copied: elsewhere.invalid (1)");
    expect(assetNames(r.out)).toEqual([]);
  });

  it("serves --assets DIR at the page's base instead of the app folder, and --include adds its files", async () => {
    const dir = tempDir("page-assets");
    mkdirSync(join(dir, "py"));
    mkdirSync(join(dir, "public", "img"), { recursive: true });
    writeFileSync(join(dir, "py", "app.py"), 'from pyodide.http import open_url\nprint(open_url("hello.txt").read())\n');
    writeFileSync(join(dir, "public", "hello.txt"), "from public/");
    writeFileSync(join(dir, "public", "img", "logo.svg"), "<svg/>");
    writeFileSync(join(dir, "public", "img", "unused.png"), "png");
    const r = await packCli([join(dir, "py", "app.py"), "--assets", join(dir, "public"), "--include", "img/*.svg"]);
    expect(r.errors).toEqual([]);
    expect(r.report().validation.stdout).toBe("from public/\n");
    expect(r.report().assets.files.map((f) => [f.name, f.reason])).toEqual([
      ["hello.txt", "fetched (xhr)"],
      ["img/logo.svg", "--include"],
    ]);
    expect(assetNames(r.out).filter((n) => !/\.(br|gz)$/.test(n))).toEqual(["hello.txt", "img/logo.svg"]);
  });

  it("refuses a fetched file that would take a name the output writes itself: exit 2, nothing written", async () => {
    const dir = tempDir("page-conflict");
    writeFileSync(join(dir, "app.py"), 'from pyodide.http import open_url\nprint(len(open_url("manifest.json").read()))\n');
    writeFileSync(join(dir, "manifest.json"), "{}");
    const r = await packCli([join(dir, "app.py")]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([
      "pack: the page fetched manifest.json, a name the output writes itself; rename the file in the app folder (or pass --assets DIR with another folder)",
    ]);
    expect(existsSync(r.out)).toBe(false);
  });
});

describe("what the user does: --scenario FILE.mjs", () => {
  const CLICK = join(APPS, "click");

  it.each(["0.29.3", "314"])("a click handler's import is traced, and the bundle runs the replayed click with no fallback (%s)", async (version) => {
    const r = await packCli([join(CLICK, "app.py"), "--scenario", join(CLICK, "click.mjs"), "--pyodide", version]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    // Validation replays the click on the bundle with its fallback off, and compares what
    // the handler printed: fractions must be in the bundle itself.
    expect(report.validation).toMatchObject({ ok: true, stdout: "ready\n" });
    const stdlib = readStoredZip(new Uint8Array(readFileSync(join(r.out, "python_stdlib.zip")))).map((e) => e.name);
    expect(stdlib).toContain("fractions.pyc");
    expect(report.static.untraced.map((u) => u.module)).not.toContain("fractions");
  });

  it("validation fails when the replayed click needs what the bundle left out", async () => {
    const r = await packCli([join(CLICK, "app.py"), "--scenario", join(CLICK, "click.mjs"), "--exclude", "fractions"]);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^pack: the bundle does not reproduce the traced run: scenario click\.mjs: .*fractions/);
  });

  it("without the scenario the handler's import is untraced, and the report says where it is", async () => {
    const r = await packCli([join(CLICK, "app.py")]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.static.untraced.find((u) => u.module === "fractions")).toMatchObject({ from: "__main__", line: 8 });
    const stdlib = readStoredZip(new Uint8Array(readFileSync(join(r.out, "python_stdlib.zip")))).map((e) => e.name);
    expect(stdlib).not.toContain("fractions.pyc");
  });

  it("a scenario that fails stops the pack with one line naming it, exit 2, nothing written", async () => {
    const dir = tempDir("page-scenario-fails");
    writeFileSync(join(dir, "bad.mjs"), 'export async function scenario({ page }) {\n  await page.click("#nothing-here");\n}\n');
    const r = await packCli([join(CLICK, "app.py"), "--scenario", join(dir, "bad.mjs")]);
    expect(r.code).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^pack: a page scenario failed in the trace: bad\.mjs: .*#nothing-here.*; fix the scenario \(or the app\) and pack again$/);
    expect(existsSync(r.out)).toBe(false);
  });

  it("a scenario written against the shipped page (its #output) runs in the trace, in validation and on the page, main thread and ?worker", async () => {
    // The trace runs the page that ships, with its #output, so one scenario serves both.
    const r = await packCli([join(CLICK, "app.py"), "--scenario", join(CLICK, "output.mjs")]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "ready\n" });
    const hello = await packCli([join(APPS, "hello", "app.py"), "--scenario", join(APPS, "hello", "output.mjs")]);
    expect(hello.errors).toEqual([]);
    expect(hello.code).toBe(0);
    const host = new ChromiumHost();
    try {
      const clicked = await host.runBundle(r.out, 120_000, { pageScenarios: [join(CLICK, "output.mjs")] });
      expect(clicked.scenarios).toEqual([{ path: join(CLICK, "output.mjs"), outcome: { ok: true, exitCode: 0 }, stdout: "clicked: 1/2\n" }]);
      // In a worker the app has no DOM to put a button in; what it prints still reaches #output.
      const inWorker = await host.runBundle(hello.out, 120_000, { search: "?worker", pageScenarios: [join(APPS, "hello", "output.mjs")] });
      expect(inWorker.scenarios?.[0]?.outcome).toEqual({ ok: true, exitCode: 0 });
    } finally {
      await host.close();
    }
  });

  it("a page scenario on the node runner is a usage error", async () => {
    const r = await packCli([join(CLICK, "app.py"), "--scenario", join(CLICK, "click.mjs"), "--runner", "node"]);
    expect(r.code).toBe(2);
    expect(r.errors[0]).toMatch(/click\.mjs drives a page, which only --runner chromium has/);
  });
});

describe("installs while the app runs", () => {
  const INSTALLS = join(APPS, "installs", "app.py");

  it.each(["0.29.3", "314"])("micropip.install, loadPackage and loadPackagesFromImports resolve from --find-links; the bundle makes no install request (%s)", async (version) => {
    const r = await packCli([INSTALLS, "--pyodide", version, "--find-links", WHEELS_PURE]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    // micropip joined the requirements because the app imports it; six and attrs because it asked.
    expect(report.packages.map((p) => p.name).sort()).toEqual(["attrs", "micropip", "more_itertools", "six"]);
    expect(report.installs).toEqual([
      { requested: ["six"], via: "micropip.install", packages: ["six"] },
      { requested: ["attrs"], via: "loadPackage", packages: ["attrs"] },
      // By module name: json is the stdlib's and asks for nothing.
      { requested: ["json", "more_itertools"], via: "loadPackagesFromImports", packages: ["more_itertools"] },
    ]);
    expect(report.validation).toMatchObject({ ok: true, stdout: "six 1.17.0 attrs Point(x=1, y=2) chunks [[1, 2], [3]]\n" });
    expect(r.stdout).toContain("installs: micropip.install(six) while the app ran brought six");
    // Run again as a visitor would: every request is one of the bundle's own files.
    const host = new ChromiumHost();
    try {
      const run = await host.runBundle(r.out, 120_000, { fallback: false });
      expect(run.stdout).toBe("six 1.17.0 attrs Point(x=1, y=2) chunks [[1, 2], [3]]\n");
      const paths = run.requests!.map((q) => q.path);
      expect(paths.every((p) => p !== undefined && existsSync(join(r.out, p)))).toBe(true);
      expect(paths.filter((p) => /\.whl$|\/pypi\/|\/simple\//.test(p ?? ""))).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it("a package the app asks for that no source holds fails the pack naming it and the fix", async () => {
    const dir = tempDir("installs-unknown");
    writeFileSync(join(dir, "app.py"), 'import micropip\nawait micropip.install("no-such-package")\n');
    const r = await packCli([join(dir, "app.py"), "--find-links", WHEELS_PURE]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([expect.stringMatching(/^pack: package "no-such-package" was not found \(looked in .*\); pass --find-links DIR with its wheel/)]);
  });
});

describe("what the app looks at, not only what it opens", () => {
  let wheels: string;
  beforeAll(() => {
    wheels = tempDir("catalog-wheels");
    buildPureWheel("catalog", "1.0", wheels);
  });

  it.each(["0.29.3", "314"])("a package data folder listed but never opened lists the same names in the bundle (%s)", async (version) => {
    const r = await packCli([join(APPS, "lists-data", "app.py"), "--requires", "catalog", "--find-links", wheels, "--pyodide", version]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const listing = "['a.txt', 'b.txt', 'more', 'sub']\n";
    // Validation compared the bundle's listing with the traced one: the same names.
    expect(r.report().validation).toMatchObject({ ok: true, stdout: listing + listing });
    const bundle = readStoredZip(new Uint8Array(readFileSync(join(r.out, "bundle.zip")))).map((e) => e.name);
    const data = bundle.filter((n) => n.includes("/catalog/data/")).map((n) => n.replace(/^.*\/catalog\/data\//, ""));
    // Its files ship; its subfolders exist, empty: what is in them was neither listed nor opened.
    expect(data.sort()).toEqual(["a.txt", "b.txt", "more/", "sub/"]);
  });

  it("a file in a listed subfolder opened later comes from the fallback", async () => {
    const r = await packCli([join(APPS, "lists-data", "app.py"), "--requires", "catalog", "--find-links", wheels]);
    expect(r.code).toBe(0);
    const host = new ChromiumHost();
    try {
      // The page's Pyodide, after the app: read a file the trace never opened.
      const run = await host.runBundle(r.out, 120_000, { pageScenarios: [join(APPS, "lists-data", "read-later.mjs")] });
      expect(run.scenarios?.[0]?.outcome).toEqual({ ok: true, exitCode: 0 });
      expect(run.scenarios?.[0]?.stdout).toBe("gamma\n");
      // The chunk of the file's folder, named from its path.
      expect(run.fallbacks?.map((f) => [f.wanted, f.archive])).toEqual([["/lib/python3.13/site-packages/catalog/data/sub/c.txt", expect.stringMatching(/^fallback\/files\/[0-9a-f]{8}\.zip$/)]]);
    } finally {
      await host.close();
    }
  });
});

describe("the user's own page: --html FILE", () => {
  const OWN = join(APPS, "own-page");

  it("is the output's index.html; what its own script runs, clicked by a scenario, is traced and replayed", async () => {
    const r = await packCli([join(OWN, "app.py"), "--html", join(OWN, "page.html"), "--scenario", join(OWN, "summary.mjs")]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.out, "index.html"))).toEqual(readFileSync(join(OWN, "page.html")));
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "app ran\n" });
    // summary() imports statistics only when the page's script calls it.
    const stdlib = readStoredZip(new Uint8Array(readFileSync(join(r.out, "python_stdlib.zip")))).map((e) => e.name);
    expect(stdlib).toContain("statistics.pyc");
  });

  it("needs Chromium", async () => {
    const r = await packCli([join(OWN, "app.py"), "--html", join(OWN, "page.html"), "--runner", "node"]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual(["pack: --html loads a page, which only --runner chromium has; run pack --help for usage"]);
  });
});
