// The runtime's wasm split by what ran (issue 31), in Chromium on both runtimes: the page
// boots on the primary module alone, and code the trace never ran (decimal, unicodedata,
// zlib, exceptions, ctypes) prints what stock Pyodide prints, whether its first call
// loads the deferred module synchronously or the prefetch loaded it first; function
// pointers keep their addresses across the split.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS, REPO, WHEELS_029 } from "../../fixtures/paths.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { findDist } from "../../runtime/host/pyodide-dist.ts";

const APP = join(APPS, "runtime-split");

/** What stock Pyodide prints for missed.py (in Node, on the released runtime). */
async function stockOutput(version: string): Promise<string> {
  const dist = findDist(version, REPO);
  const { loadPyodide } = (await import(join(dist.dir, "pyodide.mjs"))) as { loadPyodide: (o: object) => Promise<any> };
  const pyodide = await loadPyodide({ indexURL: `${dist.dir}/` });
  let out = "";
  pyodide.setStdout({ batched: (line: string) => (out += line + "\n") });
  pyodide.runPython(readFileSync(join(APP, "missed.py"), "utf8"));
  return out;
}

describe("the runtime's wasm, split", () => {
  const host = new ChromiumHost();
  afterAll(() => host.close());

  it.each(["0.29.3", "314"])("boots on the primary alone and loads the rest by need, synchronously or prefetched (%s)", async (version) => {
    const r = await packCli([join(APP, "app.py"), "--pyodide", version]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const { runtime, validation } = r.report();
    expect(validation).toMatchObject({ ok: true, stdout: "hello from a split runtime\n" });
    // Most of the wasm did not run: the page's runtime is well under the stock one.
    expect(runtime.deferred?.file).toBe("pyodide.asm.deferred.wasm");
    expect(runtime.deferred!.functions).toBeGreaterThan(5_000);
    expect(runtime.brotli).toBeLessThan(0.8 * runtime.stock!.brotli);
    expect(r.stdout).toMatch(/^runtime \(not counted\): [\d,.]+ kB brotli before the first result, stock [\d,.]+ kB; its wasm split: \d+ functions that did not run in pyodide\.asm\.deferred\.wasm/m);

    const stock = await stockOutput(version);
    const scenario = join(APP, "missed.mjs");
    // The prefetch off: the first call into the deferred module loads it, synchronously.
    const sync = await host.runBundle(r.out, 120_000, { prefetch: false, pageScenarios: [scenario] });
    expect(sync.outcome).toMatchObject({ ok: true });
    expect(sync.stdout).toBe("hello from a split runtime\n");
    expect(sync.scenarios?.[0]?.outcome).toMatchObject({ ok: true });
    expect(sync.scenarios?.[0]?.stdout).toBe(`deferred module before: not loaded\n${stock}deferred module after: call\n`);
    // The page as it ships: the prefetch loads it after the first result.
    const prefetched = await host.runBundle(r.out, 120_000, { pageScenarios: [scenario] });
    expect(prefetched.scenarios?.[0]?.stdout).toBe(`deferred module before: prefetch\n${stock}deferred module after: prefetch\n`);
    // No request left the server; the deferred module came as its sidecar (a server
    // that compresses nothing), once.
    expect(prefetched.requests?.filter((q) => q.path === undefined)).toEqual([]);
    expect(prefetched.requests?.filter((q) => q.status === 200 && /^\/pyodide\/pyodide\.asm\.deferred\.wasm\.(gz|br)$/.test(q.path ?? ""))).toHaveLength(1);
  });

  it("numpy's and contourpy's side modules reach what the trace missed (linalg, fft, random, a C++ exception) as on the whole runtime (0.29.3)", async () => {
    const app = join(APPS, "runtime-split-numpy");
    const scenario = join(app, "missed.mjs");
    const pack = (...extra: string[]) => packCli([join(app, "app.py"), "--pyodide", "0.29.3", "--find-links", WHEELS_029, ...extra]);
    const [split, whole] = [await pack(), await pack("--no-split-runtime")];
    expect([split.code, whole.code]).toEqual([0, 0]);
    const { runtime } = whole.report();
    expect(runtime.deferred).toBeUndefined();
    expect(runtime.files).toEqual(["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm"]);
    expect(JSON.parse(readFileSync(join(whole.out, "manifest.json"), "utf8")).runtimeSplit).toBeUndefined();
    expect(split.report().runtime.deferred!.functions).toBeGreaterThan(5_000);

    const onWhole = await host.runBundle(whole.out, 120_000, { pageScenarios: [scenario] });
    expect(onWhole.scenarios?.[0]?.outcome.error ?? "").toBe("");
    const printed = onWhole.scenarios?.[0]?.stdout ?? "";
    // contourpy throws a C++ exception (pybind11), caught and raised as Python's TypeError.
    expect(printed).toContain("TypeError Input z must be at least a (2, 2) shaped array");
    expect(printed).toContain("[[0.6, -0.7], [-0.2, 0.4]] 10.0");
    const missed = printed.replace(/^deferred module (before|after): .*\n/gm, "");
    const sync = await host.runBundle(split.out, 120_000, { prefetch: false, pageScenarios: [scenario] });
    expect(sync.scenarios?.[0]?.stdout).toBe(`deferred module before: not loaded\n${missed}deferred module after: call\n`);
    const prefetched = await host.runBundle(split.out, 120_000, { pageScenarios: [scenario] });
    expect(prefetched.scenarios?.[0]?.stdout).toBe(`deferred module before: prefetch\n${missed}deferred module after: prefetch\n`);
  });
});
