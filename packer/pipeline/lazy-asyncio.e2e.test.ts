// asyncio and Pyodide's event loop wait until the app uses them (runtime/assets/loader/
// startup.mjs), on both runtimes: an app that never does ships without the ~40 modules
// they would have loaded; one that does gets them started as Pyodide's start-up would
// have started them; a main file with top-level await runs in the event loop.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { readZip } from "../output/zip.ts";

const app = (name: string) => join(APPS, "lazy-asyncio", name);

function stdlibEntries(out: string): string[] {
  return [...readZip(new Uint8Array(readFileSync(join(out, "python_stdlib.zip"))), "python_stdlib.zip").keys()];
}

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
  });

  it("a module that uses asyncio, a submodule first, starts it and the event loop as start-up would", async () => {
    const r = await pack("uses.py");
    expect(r.errors).toEqual([]);
    expect(r.report().validation).toMatchObject({
      ok: true,
      stdout: "before: False\npolicy: WebLoopPolicy\nsame module: True asyncio.events\nloop: WebLoop\ncoroutine function: True\n",
    });
  });

  it("a main file with top-level await runs in Pyodide's event loop", async () => {
    const r = await pack("awaits.py");
    expect(r.errors).toEqual([]);
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "running loop: WebLoop\n" });
  });
});
