// Clicks the trace never saw (fixtures/apps/missed-branches): each branch needs what pack
// pruned (a stdlib module, a package's module or data file, a function's deferred body)
// and gets it from the bundle's own chunks. Run from the bundle in Chromium (main thread
// and Web Worker, from a server that sends the .br sidecars as nginx's brotli_static
// does) and in Node, each prints what stock Pyodide 0.29.3 prints, and fetches at most 3×
// the brotli bytes of the stock files it uses that the bundle lacks, and never a whole
// archive. After the prefetch, a miss on the page waits for a fetch (JSPI).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundleByHand, packCli, runMainByHand } from "../../fixtures/e2e-helpers.ts";
import { APPS, REPO } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { buildPureWheel } from "../../fixtures/wheels.mjs";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { NodeHost } from "../../runtime/host/node-host.ts";
import { findDist } from "../../runtime/host/pyodide-dist.ts";

const app = join(APPS, "missed-branches", "app.py");

/** What stock Pyodide 0.29.3 prints for each branch (the wheel unpacked, the app run). */
const STOCK: Record<string, string> = {
  fractions: "fractions: 11/12\n",
  statistics: "statistics: (3, 2.5)\n",
  csv: `csv: ('a,"b,c","d""e"', [['x', 'y'], ['1', '2']])\n`,
  difflib: "difflib: --- x\n+++ y\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n",
  email: 'email: Content-Type: text/plain; charset="us-ascii"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nSubject: hi\n\nhello\n',
  minidom: 'minidom: <a><b x="1"/></a>\n',
  package: "package: hello from docdemo.extra\n",
  data: "data: hello from docdemo/message.txt\n",
  stub: "stub: (0.5833333333333334, 0.4, 0.49999999999999994)\n",
};
const BRANCHES = Object.keys(STOCK);
/** Below this, a file's container (zip headers, its path) outweighs it: such a branch may fetch up to this. */
const TINY = 1024;

const brotli = (data: Uint8Array) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

let wheels: string;
let out: string;
/** Stock files by FS path: the stdlib's sources and the wheel's files. */
let stock: Map<string, Uint8Array>;
/** What the bundle itself holds, by FS path. */
let bundled: Set<string>;

beforeAll(async () => {
  wheels = tempDir("wheels");
  buildPureWheel("docdemo", "1.0", wheels);
  const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels]);
  expect(r.errors).toEqual([]);
  out = r.out;
  const dist = findDist("0.29.3", REPO);
  stock = new Map();
  for (const [name, data] of Object.entries(unzipSync(new Uint8Array(readFileSync(dist.stdlibZip))))) stock.set(`/lib/python3.13/${name}`, data);
  const wheel = readdirSync(wheels).find((f) => f.endsWith(".whl"))!;
  for (const [name, data] of Object.entries(unzipSync(new Uint8Array(readFileSync(join(wheels, wheel)))))) stock.set(`/lib/python3.13/site-packages/${name}`, data);
  bundled = new Set([
    ...Object.keys(unzipSync(new Uint8Array(readFileSync(join(out, "python_stdlib.zip"))))).map((name) => `/lib/python3.13/${name.replace(/c$/, "")}`),
    ...Object.keys(unzipSync(new Uint8Array(readFileSync(join(out, "bundle.zip"))))).map((name) => `/${name.replace(/c$/, "")}`),
  ]);
}, 300_000);

/** The stock files of the modules a branch imported (its stderr) and the files it read that the bundle lacks, and their brotli bytes. */
function lacking(branch: string, stderr: string): { files: string[]; brotli: number } {
  const modules = /imported: (.*)/.exec(stderr)![1]!.split(" ").filter(Boolean);
  const files: string[] = [];
  for (const module of modules) {
    const path = module.replaceAll(".", "/");
    const candidates = ["/lib/python3.13/", "/lib/python3.13/site-packages/"].flatMap((root) => [`${root}${path}.py`, `${root}${path}/__init__.py`]);
    const found = candidates.find((c) => stock.has(c));
    if (found && !bundled.has(found)) files.push(found);
  }
  if (branch === "data") files.push("/lib/python3.13/site-packages/docdemo/message.txt");
  // The deferred body: the module whose function the branch called first.
  if (branch === "stub") files.push("/lib/python3.13/colorsys.py");
  return { files, brotli: files.reduce((n, f) => n + brotli(stock.get(f)!), 0) };
}

/** What a run fetched beyond the page itself: the fallback's and the bodies' requests, with the bytes sent. */
function recorder() {
  const fetched: { path: string; bytes: number }[] = [];
  return { fetched, onRequest: (path: string, _encoding: string | undefined, bytes: number) => /^\/(fallback|bodies)\//.test(path) && fetched.push({ path, bytes }) };
}

function expectFrugal(branch: string, stderr: string, fetched: { path: string; bytes: number }[]) {
  const bytes = fetched.reduce((n, f) => n + f.bytes, 0);
  const { brotli: reference, files } = lacking(branch, stderr);
  expect(files.length, branch).toBeGreaterThan(0);
  expect(fetched.length, branch).toBeGreaterThan(0);
  expect(bytes, `${branch}: ${bytes} B fetched (${fetched.map((f) => `${f.path} ${f.bytes}`).join(", ")}) for ${reference} B brotli of ${files.join(" ")}`).toBeLessThanOrEqual(Math.max(3 * reference, TINY));
  // Never a whole archive: no stdlib, no wheel, no input's bodies.
  for (const { path } of fetched) expect(path).toMatch(/^\/(fallback\/(index|stdlib|files|docdemo-1\.0)\/|bodies\/stdlib\/)[^/]+\.(zip|json)(\.br)?$/);
}

describe("missed branches in Chromium", () => {
  const host = new ChromiumHost();
  afterAll(() => host.close());

  it.each(BRANCHES.flatMap((b) => [[b, "main thread"], [b, "Web Worker"]]))("%s on the %s: stock's output, a few chunks", async (branch, where) => {
    const { fetched, onRequest } = recorder();
    const search = where === "Web Worker" ? `?${branch}&worker` : `?${branch}`;
    const run = await host.runBundle(out, 120_000, { search, prefetch: false, server: { precompressed: true, onRequest } });
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe(STOCK[branch]);
    expectFrugal(branch, run.stderr, fetched);
    // Before the prefetch, waiting (JSPI) would fetch the runtime's rest and asyncio too:
    // a synchronous read of the few kB, and nothing else.
    for (const use of run.fallbacks!) expect(use.waited, use.wanted).toBe(false);
    if (branch === "stub") expect(run.bodies).toMatchObject({ loaded: [], files: [expect.stringMatching(/^bodies\/stdlib\/[0-9a-f]{8}\.zip$/)] });
  });

  it("after the prefetch, a click's import waits for its chunks by fetch (JSPI), not a synchronous request", async () => {
    const { fetched, onRequest } = recorder();
    const run = await host.runBundle(out, 120_000, { pageScenarios: [join(APPS, "missed-branches", "after-prefetch.mjs")], server: { precompressed: true, onRequest } });
    expect(run.scenarios?.[0]?.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.scenarios?.[0]?.stdout).toBe("leap: True\nmisses: calendar waited\n");
    expect(fetched.map((f) => f.path)).toContain("/fallback/stdlib/calendar.zip");
  });

  it("the plain branch fetches none of it", async () => {
    const { fetched, onRequest } = recorder();
    const run = await host.runBundle(out, 120_000, { prefetch: false, server: { precompressed: true, onRequest } });
    expect(run.stdout).toBe("plain\n");
    expect(fetched).toEqual([]);
  });
});

describe("missed branches in Node", () => {
  it.each(BRANCHES)("%s: stock's output from the chunks", async (branch) => {
    const host = new NodeHost();
    process.env.MISSED_BRANCH = branch;
    try {
      const run = await host.runBundle(out, 120_000, { prefetch: false });
      expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
      expect(run.stdout).toBe(STOCK[branch]);
      if (branch !== "stub") expect(run.fallbacks!.length).toBeGreaterThan(0);
      // No JSPI in Node 20: synchronous reads.
      for (const use of run.fallbacks!) expect(use.waited).toBe(false);
    } finally {
      delete process.env.MISSED_BRANCH;
    }
  });

  it("on 314, whose sys.path lacks the folder beside the stdlib's zip, the chunks' modules are found there all the same", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--pyodide", "314", "--runner", "node"]);
    expect(r.errors).toEqual([]);
    const host = new NodeHost();
    for (const branch of ["fractions", "email", "minidom"]) {
      process.env.MISSED_BRANCH = branch;
      try {
        const run = await host.runBundle(r.out, 120_000, { prefetch: false });
        expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
        expect(run.stdout).toBe(STOCK[branch]);
      } finally {
        delete process.env.MISSED_BRANCH;
      }
    }
  });

  it("after the prefetch, the likely misses need no request", async () => {
    const { pyodide, manifest, fallbacks, prefetchBodies } = await loadBundleByHand(out);
    expect(manifest.fallback!.prefetch).toEqual(expect.arrayContaining(["fallback/index/fractions.json", "fallback/stdlib/fractions.zip", "fallback/index/csv.json", "fallback/stdlib/csv.zip"]));
    await prefetchBodies();
    // Gone from the deploy folder: a miss that needed a request now would fail.
    const moved = `${out}.moved`;
    rmSync(moved, { recursive: true, force: true });
    const { renameSync } = await import("node:fs");
    renameSync(join(out, "fallback"), moved);
    try {
      const { outcome, stdout } = await runMainByHand(pyodide, manifest.main, { MISSED_BRANCH: "fractions" });
      expect(outcome).toEqual({ ok: true, exitCode: 0 });
      expect(stdout).toBe(STOCK.fractions);
      expect(fallbacks.map((f) => f.wanted)).toContain("fractions");
    } finally {
      renameSync(moved, join(out, "fallback"));
    }
    expect(existsSync(join(out, "fallback", "stdlib", "fractions.zip"))).toBe(true);
  });
});
