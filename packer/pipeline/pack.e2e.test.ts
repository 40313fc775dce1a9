// Real Pyodide (0.29.3 from npm) in a Node worker: the pipeline, determinism and every
// bad input. The Chromium runner is covered by anchor-apps.e2e.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readStoredZip } from "../../runtime/page/loader.mjs";
import { packCli, readTree } from "../../fixtures/e2e-helpers.ts";
import { APPS, REPO, WHEELS_029 } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { buildPureWheel } from "../../fixtures/wheels.mjs";
import { findDist } from "../../runtime/host/pyodide-dist.ts";

const app = (name: string) => join(APPS, name, "app.py");

describe("pack on the node runner", () => {
  it("writes a deployable folder whose report matches what it wrote", async () => {
    const r = await packCli([app("hello"), "--runner", "node"]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(readdirSync(r.out).filter((f) => !/\.(br|gz)$/.test(f)).sort()).toEqual([
      "bodies",
      "bundle.zip",
      "fallback",
      "index.html",
      "loader.mjs",
      "manifest.json",
      "pyodide",
      "python_stdlib.zip",
      "report.html",
      "report.json",
      "startup",
      "worker.mjs",
    ]);
    const report = r.report();
    expect(report.pyodide.version).toBe("0.29.3");
    expect(report.validation).toEqual({ ok: true, skipped: false, outputMatches: true, stdout: '{"greeting": "hello", "parts": [" w", "hell", "rld"]}\n' });
    const stdlib = readStoredZip(new Uint8Array(readFileSync(join(r.out, "python_stdlib.zip"))));
    expect(report.stdlib.files.out).toBe(stdlib.length);
    expect(report.stdlib.bytes.out).toBe(readFileSync(join(r.out, "python_stdlib.zip")).length);
    // The stdlib ships .pyc only (--prefer speed, the default).
    expect(stdlib.map((e) => e.name)).toContain("json/encoder.pyc");
    expect(stdlib.filter((e) => e.name.endsWith(".py"))).toEqual([]);
    expect(stdlib.map((e) => e.name)).not.toContain("xml/dom/minidom.pyc");
    expect(report.stdlib.files.out).toBeLessThan(report.stdlib.files.in / 3);
    expect(r.stdout).toMatch(/^\s+files\s+\.so\s+raw kB\s+gzip kB\s+brotli kB\s+saved\n/);
  });

  it("keeps the app's sibling module and the data file it read, not the others", async () => {
    const r = await packCli([app("app-files"), "--runner", "node"]);
    expect(r.code).toBe(0);
    const bundle = readStoredZip(new Uint8Array(readFileSync(join(r.out, "bundle.zip")))).map((e) => e.name);
    expect(bundle).toEqual(["home/pyodide/app.py", "home/pyodide/greeting.txt", "home/pyodide/helper.py"]);
    // __file__, __cached__ and sys.argv[0] as `python app.py` sets them.
    expect(r.report().validation.stdout).toBe("HELLO FROM A DATA FILE! app.py None\n");
  });

  it("gives byte-identical output for the same inputs", async () => {
    const args = [app("jinja2-app"), "--runner", "node", "--find-links", WHEELS_029];
    const first = await packCli(args);
    const second = await packCli(args);
    expect(first.code).toBe(0);
    const a = readTree(first.out);
    const b = readTree(second.out);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  });

  it("treats sys.exit(0) as success", async () => {
    const r = await packCli([app("exits-0"), "--runner", "node"]);
    expect(r.code).toBe(0);
    expect(r.report().validation.stdout).toBe("done\n");
  });
});

describe("bad input: one line, exit 2, nothing written", () => {
  it.each([
    ["syntax-error", [], /^pack: syntax error in \/home\/pyodide\/app.py:3: SyntaxError: '\(' was never closed; fix the app and pack again$/],
    ["raises", [], /^pack: the app raised ValueError at \/home\/pyodide\/app.py:5: bad input 42; pack needs an app that runs to completion$/],
    ["exits-3", [], /^pack: the app called sys.exit\(3\) after printing "usage: app.py FILE" to stderr; pack needs an app that exits with status 0$/],
    ["reads-stdin", [], /^pack: the app raised EOFError at \/home\/pyodide\/app.py:4: EOF when reading a line; pack needs an app that runs to completion$/],
    ["forever", ["--timeout", "5"], /^pack: the app did not finish within 5 s; last sign of life \d+ s ago: running the app(, importing [\w.]+)?; make it end on its own, or raise --timeout$/],
    ["stalls", ["--timeout", "5"], /^pack: the app did not finish within 5 s; last sign of life \d+ s ago: running the app after printing "step 2 of 3: 1\/2"; make it end on its own, or raise --timeout$/],
    ["unknown-package", [], /^pack: package "nosuchpkg" was not found \(looked in .*pyodide-lock.json\); pass --find-links DIR/],
  ])("%s", async (name, extra, message) => {
    const r = await packCli([app(name), "--runner", "node", ...extra]);
    expect(r.code).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(readdirSync(r.parent)).toEqual([]);
  });
});

describe("validation: the bundle must reproduce the traced run", () => {
  it.each([
    ["untraced-import", /^pack: the bundle does not reproduce the traced run: module xml is missing from the bundle; nothing was written/],
    ["output-differs", /^pack: the bundle does not reproduce the traced run: stdout differs at line 1: traced "stdlib zip is full", bundle "stdlib zip is pruned"; nothing was written/],
  ])("%s fails with exit 1 and writes nothing", async (name, message) => {
    const r = await packCli([app(name), "--runner", "node"]);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  it("an app that prints a set of strings validates, in Chromium: the trace and the validation share one hash seed", async () => {
    const r = await packCli([app("prints-set")]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report().validation.outputMatches).toBe(true);
  });

  it("--no-validate writes the bundle without running it", async () => {
    const r = await packCli([app("output-differs"), "--runner", "node", "--no-validate"]);
    expect(r.code).toBe(0);
    expect(r.report().validation).toEqual({ ok: true, skipped: true, outputMatches: false, stdout: "" });
  });
});

describe("transforms keep the app working", () => {
  it("a traceback through a minified package module names the original line, from .pyc and from .py", async () => {
    const wheels = tempDir("wheels");
    buildPureWheel("docdemo", "1.0", wheels);
    const pack = async (...extra: string[]) => {
      const r = await packCli([app("traceback"), "--runner", "node", "--requires", "docdemo", "--find-links", wheels, ...extra]);
      expect(r.errors).toEqual([]);
      expect(r.code).toBe(0);
      const report = r.report();
      expect(report.validation.stdout).toBe("fail 16 from docdemo\n");
      expect(report.transforms.savings.docdemo!.minify!.files).toBe(1);
      return readStoredZip(new Uint8Array(readFileSync(join(r.out, "bundle.zip"))));
    };
    // The default compiles the minified module; its .pyc keeps line numbers, not columns.
    expect((await pack()).some((e) => e.name.endsWith("docdemo/__init__.pyc"))).toBe(true);
    const bundle = await pack("--prefer", "size");
    const init = bundle.find((e) => e.name.endsWith("docdemo/__init__.py"))!;
    const text = new TextDecoder().decode(init.data);
    expect(text).not.toContain("A package whose docstrings");
    expect(text.split("\n")[15]).toBe('    raise ValueError("from docdemo")');
  });

  it("a source whose lines the app read ships as written: inspect.getsource and a printed traceback see the same text", async () => {
    const wheels = tempDir("wheels");
    buildPureWheel("docdemo", "1.0", wheels);
    const r = await packCli([app("reads-source"), "--runner", "node", "--requires", "docdemo", "--find-links", wheels]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    const init = "/lib/python3.13/site-packages/docdemo/__init__.py";
    expect(report.transforms.sourceRead).toEqual([init, "/lib/python313.zip/textwrap.py"]);
    expect(r.stdout).toContain("transforms: 2 sources kept as written, not minified or compiled, because the traced run read the lines");
    const lines = report.validation.stdout.split("\n");
    expect(lines[0]).toBe("def dedent(text):");
    // Compiled from its source at import, as stock does: the columns are there too.
    expect(lines.slice(2)).toEqual([
      "Traceback (most recent call last):",
      `  File "${init}", line 16, in fail`,
      '    raise ValueError("from docdemo")  # line 16',
      "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
      "ValueError: from docdemo",
      "",
    ]);
    const textwrap = (zip: string) => unzipSync(new Uint8Array(readFileSync(zip)), { filter: (f) => f.name === "textwrap.py" })["textwrap.py"];
    expect(textwrap(join(r.out, "python_stdlib.zip"))).toEqual(textwrap(join(findDist("0.29.3", REPO).dir, "python_stdlib.zip")));
    const bundle = readStoredZip(new Uint8Array(readFileSync(join(r.out, "bundle.zip"))));
    const sourceOf = bundle.find((e) => e.name === init.slice(1));
    expect(new TextDecoder().decode(sourceOf!.data)).toContain("A package whose docstrings");
  });
});

