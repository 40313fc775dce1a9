// asyncio and Pyodide's event loop wait until the app uses them (runtime/page/loader/
// startup.mjs), on both runtimes: an app that never does ships without the ~40 modules
// they would have loaded; one that does gets them started as Pyodide's start-up would
// have started them; a main file with top-level await runs in the event loop; and one
// that starts asyncio only later (a click) reads what that needs from startup/asyncio.zip.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadBundleByHand, packCli, runMainByHand } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { readZip } from "../../runtime/host/zip.ts";

const app = (name: string) => join(APPS, "lazy-asyncio", name);

function stdlibEntries(out: string, zip = "python_stdlib.zip"): string[] {
  return [...readZip(new Uint8Array(readFileSync(join(out, zip))), zip).keys()];
}

const STARTED = "before: False\npolicy: WebLoopPolicy\nsame module: True asyncio.events\nloop: WebLoop\ncoroutine function: True\n";

describe.each([
  ["0.29.3", "chromium"],
  ["314", "node"],
] as const)("lazy asyncio on Pyodide %s (%s)", (pyodide, runner) => {
  const pack = (name: string, ...flags: string[]) => packCli([app(name), "--pyodide", pyodide, "--runner", runner, ...flags]);

  it("an app that never uses asyncio ships without what it would have loaded; --eager-asyncio ships it", async () => {
    const [lazy, eager] = await Promise.all([pack("plain.py"), pack("plain.py", "--eager-asyncio")]);
    expect(lazy.errors).toEqual([]);
    expect(eager.errors).toEqual([]);
    expect(lazy.report().validation).toMatchObject({ ok: true, stdout: '{"waiting": true, "asyncio": true}\n' });
    expect(eager.report().validation).toMatchObject({ ok: true, stdout: '{"waiting": false, "asyncio": true}\n' });
    const [lazyZip, eagerZip] = [stdlibEntries(lazy.out), stdlibEntries(eager.out)];
    // The lazy module's own file ships: the import system finds it at start-up.
    expect(lazyZip).toContain("asyncio/__init__.pyc");
    for (const name of ["asyncio/base_events.pyc", "asyncio/tasks.pyc", "selectors.pyc", "concurrent/futures/_base.pyc"]) {
      expect(eagerZip).toContain(name);
      expect(lazyZip).not.toContain(name);
    }
    expect(lazy.report().total.brotli.out).toBeLessThan(eager.report().total.brotli.out - 30_000);
    // What starting asyncio would import waits apart, out of the total.
    expect(stdlibEntries(lazy.out, "startup/asyncio.zip")).toEqual(expect.arrayContaining(["asyncio/base_events.pyc", "selectors.pyc"]));
    expect(lazy.report().lazyAsyncio).toMatchObject({ modules: expect.any(Number), brotli: expect.any(Number) });
    expect(lazy.report().lazyAsyncio!.modules).toBeGreaterThan(30);
    expect(lazy.stdout).toMatch(/^lazy asyncio: the run never started asyncio; \d+ modules starting it imports, [\d.]+ kB brotli, wait in startup\/asyncio\.zip/m);
    expect(eager.report().lazyAsyncio).toBeUndefined();
  });

  it("a module that uses asyncio, a submodule first, starts it and the event loop as start-up would", async () => {
    const r = await pack("uses.py");
    expect(r.errors).toEqual([]);
    expect(r.report().validation).toMatchObject({
      ok: true,
      stdout: STARTED + (runner === "chromium" ? "in a task: ('WebLoop', True)\n" : ""),
    });
  });

  it("a main file with top-level await runs in Pyodide's event loop", async () => {
    const r = await pack("awaits.py");
    expect(r.errors).toEqual([]);
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "running loop: WebLoop\n" });
  });
});

describe("asyncio started after the traced run", () => {
  const host = new ChromiumHost();
  afterAll(() => host.close());

  it("on a page, reads startup/asyncio.zip as it starts: no fallback", async () => {
    const r = await packCli([app("later.py")]);
    expect(r.errors).toEqual([]);
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "asyncio waits\n" });
    const run = await host.runBundle(r.out, 120_000, { search: "?later" });
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe(STARTED.replace("before: False\n", "") + "in a task: ('WebLoop', True)\n");
    expect(run.fallbacks).toEqual([]);
  });

  it("in Node, prefetched, needs nothing more when it starts", async () => {
    const r = await packCli([app("later.py"), "--runner", "node", "--pyodide", "314"]);
    expect(r.errors).toEqual([]);
    const { pyodide, manifest, fallbacks, prefetchBodies } = await loadBundleByHand(r.out);
    await prefetchBodies();
    // Gone from the deploy folder: a start that needed a read now would fail.
    rmSync(join(r.out, "startup"), { recursive: true });
    const { outcome, stdout } = await runMainByHand(pyodide, manifest.main, { LAZY_ASYNCIO_BRANCH: "later" });
    expect(outcome).toEqual({ ok: true, exitCode: 0 });
    expect(stdout).toBe(STARTED.replace("before: False\n", ""));
    expect(fallbacks).toEqual([]);
  });

  it("in Node, not prefetched, a start reads startup/asyncio.zip and no function bodies: what the start ran ships whole", async () => {
    const r = await packCli([app("plain.py"), "--runner", "node"]);
    expect(r.errors).toEqual([]);
    const { pyodide, manifest, fallbacks, bodies } = await loadBundleByHand(r.out);
    expect((await runMainByHand(pyodide, manifest.main)).outcome).toEqual({ ok: true, exitCode: 0 });
    // What a click handler's await does first: Pyodide's event loop, started.
    expect(pyodide.runPython("import asyncio; type(asyncio.get_event_loop()).__name__")).toBe("WebLoop");
    expect(fallbacks).toEqual([]);
    expect(bodies.loaded).toEqual([]);
  });
});
