// The static witness in Chromium: an untraced branch that imports a stdlib module and a
// package submodule runs from the safe bundle, fails from the trace bundle, and the
// report names what the trace did not see.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../fixtures/e2e-helpers.ts";
import { main } from "../packer/cli/cli.ts";
import { REPO } from "../fixtures/paths.ts";
import { APPS } from "../fixtures/paths.ts";
import { tempDir } from "../fixtures/temp.ts";
import { buildPureWheel } from "../fixtures/wheels.mjs";
import { readStoredZip } from "../runtime/page/loader.mjs";
import { ChromiumHost } from "../runtime/host/chromium-host.ts";

const app = join(APPS, "untraced-branch", "app.py");
const entries = (out: string, name: string) => readStoredZip(new Uint8Array(readFileSync(join(out, name)))).map((e) => e.name);

describe("strategy", () => {
  const host = new ChromiumHost();
  let wheels: string;
  beforeAll(() => {
    wheels = tempDir("wheels");
    buildPureWheel("docdemo", "1.0", wheels);
  });
  afterAll(() => host.close());

  it("safe keeps what the untraced branch imports, and the branch runs", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--strategy", "safe"]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.static.strategy).toBe("safe");
    expect(report.static.untraced.map((u) => u.module)).toEqual(expect.arrayContaining(["docdemo.extra", "xml.dom.minidom"]));
    const minidom = report.static.untraced.find((u) => u.module === "xml.dom.minidom")!;
    expect(minidom).toMatchObject({ input: "stdlib", from: "__main__", line: 11 });
    const run = await host.runBundle(r.out, 120_000, { search: "?xml" });
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe("<p>hello from docdemo.extra</p>\n");
  });

  it("trace leaves them out, names them in the report, and the branch fails", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--strategy", "trace"]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.static.untraced.map((u) => u.module)).toEqual(expect.arrayContaining(["docdemo.extra", "xml.dom.minidom"]));
    expect(entries(r.out, "python_stdlib.zip").some((e) => /^xml\/dom\/minidom\.pyc?$/.test(e))).toBe(false);
    expect(entries(r.out, "bundle.zip").some((e) => /docdemo\/extra\.pyc?$/.test(e))).toBe(false);
    // The bundle alone; the fallback that would rescue it is in packer/pipeline/fallback.e2e.test.ts.
    const run = await host.runBundle(r.out, 120_000, { search: "?xml", fallback: false });
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.error).toMatch(/ModuleNotFoundError: No module named 'xml/);
  });

  it("--include adds a module and what it imports", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--strategy", "trace", "--include", "xml.dom.minidom", "--include", "**/docdemo/extra.py"]);
    expect(r.code).toBe(0);
    expect(r.report().static.included).toEqual(["docdemo.extra", "xml.dom.minidom"]);
    expect(entries(r.out, "python_stdlib.zip")).toEqual(expect.arrayContaining(["xml/__init__.pyc", "xml/dom/__init__.pyc", "xml/dom/minidom.pyc"]));
    const run = await host.runBundle(r.out, 120_000, { search: "?xml" });
    expect(run.stdout).toBe("<p>hello from docdemo.extra</p>\n");
  });

  it("--exclude leaves a module out even under safe", async () => {
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--strategy", "safe", "--exclude", "docdemo.extra"]);
    expect(r.code).toBe(0);
    expect(r.report().static.excluded).toEqual(["docdemo.extra"]);
    expect(entries(r.out, "bundle.zip").some((e) => /docdemo\/extra\.pyc?$/.test(e))).toBe(false);
  });

  it("--scenario traces a second run and the bundle keeps the union, not the scenario", async () => {
    const smoke = join(APPS, "untraced-branch", "smoke_xml.py");
    const r = await packCli([app, "--requires", "docdemo", "--find-links", wheels, "--strategy", "trace", "--scenario", smoke]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const bundle = entries(r.out, "bundle.zip");
    expect(bundle.some((e) => e.endsWith("docdemo/extra.pyc"))).toBe(true);
    expect(bundle.some((e) => /smoke_xml\.pyc?$/.test(e))).toBe(false);
    expect(r.report().validation.stdout).toBe("plain\n");
    const run = await host.runBundle(r.out, 120_000, { search: "?xml" });
    expect(run.stdout).toBe("<p>hello from docdemo.extra</p>\n");
  });

  it("--why explains traced, static, scenario and missing modules", async () => {
    const why = async (module: string, ...extra: string[]) => {
      let stdout = "";
      const code = await main({
        argv: [app, "--requires", "docdemo", "--find-links", wheels, "--why", module, ...extra],
        cwd: REPO,
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: () => true },
      });
      expect(code).toBe(0);
      return stdout;
    };
    expect(await why("docdemo")).toMatch(/^docdemo is in the bundle: traced, the app imported it when it ran \(.*docdemo\/__init__.py\)\.\n$/);
    expect(await why("xml.dom.minidom", "--strategy", "safe")).toBe(
      "xml.dom.minidom is in the bundle: a traced module imports it (strategy safe):\n  __main__ (/home/pyodide/app.py:11) imports xml.dom.minidom\n",
    );
    expect(await why("xml.dom.minidom")).toContain("Use --strategy safe or --include xml.dom.minidom to keep it.");
    expect(await why("wave")).toMatch(/^wave is not in the bundle: the app did not import it and no traced module imports it/);
    expect(await why("nosuchmodule")).toMatch(/^nosuchmodule is in no input \(stdlib, docdemo, the app\)/);
    const smoke = join(APPS, "untraced-branch", "smoke_xml.py");
    expect(await why("xml.dom.minidom", "--strategy", "trace", "--scenario", smoke)).toMatch(/traced in scenario \/home\/pyodide\/smoke_xml.py/);
  });
});

