// The loader's fallback: a trace bundle whose untraced branch imports pruned modules
// (fixtures/apps/untraced-branch: xml from the stdlib, docdemo.extra from a wheel) runs
// that branch in Chromium on the main thread and in a Web Worker, and in Node, logging
// one warning per pruned module it had to put back; without the fallback the import
// fails naming the module and the fix.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS, REPO, WHEELS_029 } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { buildPureWheel } from "../../fixtures/wheels.mjs";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { NodeHost } from "../../runtime/host/node-host.ts";
import { findDist } from "../../runtime/host/pyodide-dist.ts";
import { startServer } from "../../runtime/host/server.ts";

const app = join(APPS, "untraced-branch", "app.py");
const XML = "<p>hello from docdemo.extra</p>\n";
const warning = (wanted: string, archive: string) =>
  `pyodide-packer: ${wanted} was pruned from this bundle and loaded from ${archive}; re-pack with a --scenario that uses it or --include ${wanted}`;
const PRUNED_XML =
  "ModuleNotFoundError: No module named 'xml': pyodide-packer pruned it because the traced run did not import it; re-pack with a --scenario that imports it or --include xml";

let wheels: string;
beforeAll(() => {
  wheels = tempDir("wheels");
  buildPureWheel("docdemo", "1.0", wheels);
});

describe("fallback in Chromium", () => {
  const host = new ChromiumHost();
  afterAll(() => host.close());
  let out: string;

  it("is on by default, kept in fallback/ and costed in the report; validation runs without it", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    out = r.out;
    const report = r.report();
    expect(report.fallback.mode).toBe("local");
    // Chunks, never the archives as published.
    expect(report.fallback.archives).toEqual(expect.arrayContaining(["fallback/stdlib/xml.dom.zip", "fallback/docdemo-1.0/docdemo.zip"]));
    expect(report.fallback.archives.filter((a) => /python_stdlib|\.whl$/.test(a))).toEqual([]);
    expect(report.fallback.chunks.count).toBe(report.fallback.archives.length);
    expect(readdirSync(join(out, "fallback")).sort()).toEqual(["docdemo-1.0", "files", "index", "stdlib"]);
    expect(r.stdout).toMatch(/^fallback: [\d,.]+ kB in fallback\/ \([\d,]+ chunks, largest [\d,.]+ kB\), fetched only the chunks a pruned piece needs/m);
    expect(report.validation.stdout).toBe("plain\n");
  });

  it.each([
    ["main thread", "?xml"],
    ["Web Worker", "?xml&worker"],
  ])("runs the untraced branch on the %s with one warning per pruned module", async (_, search) => {
    const run = await host.runBundle(out, 120_000, { search });
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe(XML);
    // One warning per miss, each naming its module's chunk: xml.dom's holds the package
    // and the modules beside it (minidom, and expatbuilder, which parseString imports
    // later without a miss, and whose import of xml.parsers misses).
    expect(run.fallbacks!.map((f) => f.warning)).toEqual([
      warning("xml", "fallback/stdlib/xml.zip"),
      warning("xml.dom", "fallback/stdlib/xml.dom.zip"),
      warning("docdemo.extra", "fallback/docdemo-1.0/docdemo.zip"),
      warning("xml.parsers", "fallback/stdlib/xml.parsers.zip"),
    ]);
  });

  it("puts back a pruned data file when the app opens it", async () => {
    const run = await host.runBundle(out, 120_000, { search: "?data" });
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe("hello from docdemo/message.txt\n");
    expect(run.fallbacks!.map((f) => [f.wanted, f.archive])).toEqual([["/lib/python3.13/site-packages/docdemo/message.txt", expect.stringMatching(/^fallback\/files\/[0-9a-f]{8}\.zip$/)]]);
  });

  it("fetches nothing for 20,000 files nobody has, beside one pack pruned", async () => {
    const run = await host.runBundle(out, 120_000, { search: "?misses" });
    expect(run.stdout).toBe("0 of 20000 found\n");
    expect(run.fallbacks).toEqual([]);
    expect(run.requests!.map((r) => r.path).filter((p) => p?.startsWith("/fallback/"))).toEqual([]);
  });

  it("fetches nothing when the traced branch runs", async () => {
    const run = await host.runBundle(out, 120_000, { search: "?worker" });
    expect(run.stdout).toBe("plain\n");
    expect(run.fallbacks).toEqual([]);
  });

  it("off: nothing kept but the index, and the import fails naming the module and the fix", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--fallback", "off"]);
    expect(r.code).toBe(0);
    expect(r.report().fallback).toMatchObject({ mode: "off", archives: [] });
    expect(readdirSync(join(r.out, "fallback")).sort()).toEqual(["index"]);
    for (const search of ["?xml", "?xml&worker"]) {
      const run = await host.runBundle(r.out, 120_000, { search });
      expect(run.outcome.ok).toBe(false);
      expect(run.outcome.error).toContain(PRUNED_XML);
    }
  });
});

describe("fallback from the CDN", () => {
  it("cdn: the stdlib comes from the index URL (a local server standing in for Pyodide's CDN), the wheel's pruned files from fallback/", async () => {
    const requests: string[] = [];
    const cdn = await startServer({ "/": findDist("0.29.3", REPO).dir }, { cors: true, onRequest: (path) => requests.push(path) });
    const host = new ChromiumHost();
    try {
      const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--fallback", "cdn", "--index-url", `${cdn.url}/`]);
      expect(r.errors).toEqual([]);
      expect(r.code).toBe(0);
      const fallback = r.report().fallback;
      expect(fallback).toMatchObject({ mode: "cdn", remote: [`${cdn.url}/python_stdlib.zip`] });
      // docdemo is no lock package: its pruned files are chunks like local's.
      expect(fallback.archives).toEqual(expect.arrayContaining(["fallback/docdemo-1.0/docdemo.zip"]));
      expect(fallback.archives.filter((a) => a.startsWith("fallback/stdlib/"))).toEqual([]);
      expect(readdirSync(join(r.out, "fallback")).sort()).toEqual(["docdemo-1.0", "files", "index"]);
      expect(requests).toEqual([]);
      const run = await host.runBundle(r.out, 120_000, { search: "?xml" });
      expect(run.stdout).toBe(XML);
      expect(run.fallbacks!.map((f) => f.warning)).toEqual([
        warning("xml", `${cdn.url}/python_stdlib.zip`),
        warning("docdemo.extra", "fallback/docdemo-1.0/docdemo.zip"),
      ]);
      expect(requests).toEqual(["/python_stdlib.zip"]);
    } finally {
      await host.close();
      await cdn.close();
    }
  });
});

describe("fallback from the CDN for a package of the lock", () => {
  it("cdn: rich's pruned rich.table comes from its published wheel at the index URL", async () => {
    const requests: string[] = [];
    const dist = findDist("0.29.3", REPO);
    const mounts = { "/": WHEELS_029, "/python_stdlib.zip": join(dist.dir, "python_stdlib.zip") };
    const cdn = await startServer(mounts, { cors: true, onRequest: (path) => requests.push(path) });
    const host = new ChromiumHost();
    try {
      const lock = join(WHEELS_029, "pyodide-lock.json");
      const r = await packCli([join(APPS, "cdn-branch", "app.py"), "--lock", lock, "--index-url", `${cdn.url}/`, "--fallback", "cdn"]);
      expect(r.errors).toEqual([]);
      expect(r.code).toBe(0);
      const rich = readdirSync(WHEELS_029).find((f) => f.startsWith("rich-"))!;
      expect(r.report().fallback.remote).toEqual([`${cdn.url}/python_stdlib.zip`, `${cdn.url}/${rich}`]);
      const run = await host.runBundle(r.out, 120_000, { search: "?table" });
      expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
      expect(run.stdout).toBe("t\n");
      expect(run.fallbacks!.map((f) => f.wanted)).toContain("rich.table");
      expect(requests).toContain(`/${rich}`);
    } finally {
      await host.close();
      await cdn.close();
    }
  });
});

describe("fallback in Node", () => {
  it("puts the pruned modules back for a bundle run in a Node worker", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--runner", "node"]);
    expect(r.code).toBe(0);
    const host = new NodeHost();
    const previous = process.env.UNTRACED_BRANCH;
    process.env.UNTRACED_BRANCH = "xml";
    try {
      const run = await host.runBundle(r.out, 120_000);
      expect(run.stdout).toBe(XML);
      expect(run.fallbacks!.map((f) => f.wanted)).toEqual(["xml", "xml.dom", "docdemo.extra", "xml.parsers"]);
      const alone = await host.runBundle(r.out, 120_000, { fallback: false });
      expect(alone.outcome.error).toContain(PRUNED_XML);
    } finally {
      if (previous === undefined) delete process.env.UNTRACED_BRANCH;
      else process.env.UNTRACED_BRANCH = previous;
    }
  });
});

describe("an import that fails inside", () => {
  it.each([
    ["0.29.3", "chromium"],
    ["314", "node"],
  ] as const)("ships its module, so the bundle fails the same way without the fallback (%s, %s)", async (pyodide, runner) => {
    const r = await packCli([join(APPS, "failed-import", "app.py"), "--pyodide", pyodide, "--runner", runner]);
    expect(r.errors).toEqual([]);
    // Validation runs without the fallback: a pruned module would fail with its own name.
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "ModuleNotFoundError _multiprocessing\n" });
  });
});
