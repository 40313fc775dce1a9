import { describe, expect, it } from "vitest";
import type { ResolvedPackage } from "./resolve.ts";
import type { StagedInputs } from "./inputs.ts";
import type { TraceResult } from "../runtime/host/host.ts";
import { planBundle } from "../transforms/select.ts";
import { listedEntries, traceUsage } from "./trace-usage.ts";

const b = (s: string) => new TextEncoder().encode(s);
const SP = "/lib/python3.13/site-packages";

const pkg = (key: string): ResolvedPackage => ({
  name: key,
  key,
  version: "1.0",
  fileName: `${key}.whl`,
  path: `/wheels/${key}.whl`,
  installDir: "site",
  origin: "/wheels",
  depends: [],
});

const inputs: StagedInputs = {
  packages: [
    {
      pkg: pkg("demo"),
      files: new Map([
        [`${SP}/demo/__init__.pyc`, b("i")],
        [`${SP}/demo/used.cpython-313-wasm32-emscripten.so`, b("u")],
        [`${SP}/demo/unused.cpython-313-wasm32-emscripten.so`, b("x")],
        [`${SP}/demo/data.json`, b("{}")],
        [`${SP}/demo/never.pyc`, b("n")],
        [`${SP}/demo-1.0.dist-info/METADATA`, b("m")],
      ]),
    },
    { pkg: pkg("other"), files: new Map([[`${SP}/other/__init__.pyc`, b("o")]]) },
  ],
  stdlib: new Map([
    ["json/__init__.py", b("j")],
    ["json/decoder.py", b("d")],
    ["importlib/_bootstrap.py", b("b")],
    ["xml/__init__.py", b("x")],
  ]),
  stdlibMount: "/lib/python313.zip",
  app: new Map([
    ["/home/pyodide/app.py", b("print()")],
    ["/home/pyodide/helper.py", b("")],
    ["/home/pyodide/notes.txt", b("")],
  ]),
  main: "/home/pyodide/app.py",
  scenarios: [],
  scenarioFiles: new Map(),
};

/** Shaped like a 0.29.3 trace of an app importing demo (which reads data.json) and json. */
const trace: TraceResult = {
  pyodideVersion: "0.29.3",
  pythonVersion: "3.13.2",
  stdout: "",
  stderr: "",
  outcome: { ok: true, exitCode: 0 },
  opened: [
    "/home/pyodide/app.py",
    `${SP}/demo/__init__.pyc`,
    `${SP}/demo/used.cpython-313-wasm32-emscripten.so`,
    `${SP}/demo/data.json`,
    "/home/pyodide/helper.py",
    "/dev/urandom",
  ],
  dynlibs: [{ path: `${SP}/demo/used.cpython-313-wasm32-emscripten.so`, global: false }],
  modules: [
    ["codecs", "/lib/python3.13/codecs.py", "frozen"],
    ["demo", `${SP}/demo/__init__.pyc`, `${SP}/demo/__init__.pyc`],
    ["helper", "/home/pyodide/helper.py", "/home/pyodide/helper.py"],
    // importlib sets the frozen _bootstrap's __file__ to the zip's copy, never read.
    ["importlib._bootstrap", "/lib/python313.zip/importlib/_bootstrap.py", "frozen"],
    ["json", "/lib/python313.zip/json/__init__.py", "/lib/python313.zip/json/__init__.py"],
    ["json.decoder", "/lib/python313.zip/json/decoder.py", "/lib/python313.zip/json/decoder.py"],
    ["sys", null, "built-in"],
    ["mystery", "/tmp/mystery.py", "/tmp/mystery.py"],
  ],
  scenarios: [],
  ran: [],
  earlyModules: [],
  phases: {},
  requests: [],
  listed: [],
};

describe("traceUsage", () => {
  const usage = traceUsage(trace, inputs);

  it("takes stdlib modules from sys.modules (zipimport bypasses the FS), not frozen ones", () => {
    expect([...usage.stdlib].sort()).toEqual(["json/__init__.py", "json/decoder.py"]);
  });

  it("takes package files the FS opened, data files included", () => {
    expect([...usage.packages.get("demo")!].sort()).toEqual([
      `${SP}/demo/__init__.pyc`,
      `${SP}/demo/data.json`,
      `${SP}/demo/used.cpython-313-wasm32-emscripten.so`,
    ]);
    expect(usage.packages.get("other")!.size).toBe(0);
  });

  it("keeps the main file and the app files it used", () => {
    expect([...usage.app].sort()).toEqual(["/home/pyodide/app.py", "/home/pyodide/helper.py"]);
  });

  it("keeps loaded .so in load order with their owner", () => {
    expect(usage.dynlibs).toEqual([{ path: `${SP}/demo/used.cpython-313-wasm32-emscripten.so`, global: false, owner: "demo" }]);
  });

  it("reports modules from outside every input, and not frozen ones", () => {
    expect(usage.unowned).toEqual(["mystery"]);
  });
});

describe("planBundle", () => {
  const plan = planBundle(inputs, traceUsage(trace, inputs));

  it("drops the unused .so and files nobody opened", () => {
    const demo = plan.packages.find((p) => p.pkg.key === "demo")!;
    expect([...demo.kept.keys()].some((p) => p.includes("unused"))).toBe(false);
    expect([...demo.kept.keys()].some((p) => p.endsWith("never.pyc"))).toBe(false);
    expect(demo.files.size).toBe(6);
  });

  it("keeps an untouched package empty and the stdlib pruned", () => {
    expect(plan.packages.find((p) => p.pkg.key === "other")!.kept.size).toBe(0);
    expect([...plan.stdlib.kept.keys()]).toEqual(["json/__init__.py", "json/decoder.py"]);
  });

  it("tells the files that ship only because the app listed their folder", () => {
    const listing = traceUsage({ ...trace, listed: ["/home/pyodide", `${SP}/demo`] }, inputs);
    expect(listing.listedOnly).toEqual(["/home/pyodide/notes.txt", `${SP}/demo/never.pyc`, `${SP}/demo/unused.cpython-313-wasm32-emscripten.so`]);
    expect(listing.app.has("/home/pyodide/notes.txt")).toBe(true);
    expect(traceUsage(trace, inputs).listedOnly).toEqual([]);
  });

  it("keeps the sources whose lines were read, as the plan's sourceRead, and ships them", () => {
    const read = ["/home/pyodide/helper.py", "/lib/python313.zip/xml/__init__.py", `${SP}/other/__init__.pyc`, "/lib/python313.zip/nowhere.py", "/tmp/elsewhere.py"];
    const usage = traceUsage({ ...trace, sourceRead: read }, inputs);
    expect([...usage.sourceRead]).toEqual(read.slice(0, 3));
    expect(usage.stdlib.has("xml/__init__.py")).toBe(true);
    expect(usage.app.has("/home/pyodide/helper.py")).toBe(true);
    expect(planBundle(inputs, usage).sourceRead).toEqual(["/home/pyodide/helper.py", `${SP}/other/__init__.pyc`, "/lib/python313.zip/xml/__init__.py"]);
  });

  it("keeps which inputs' modules had their docstrings read, and by what, as the plan's docsRead; it ships nothing more", () => {
    const docsRead: [string, string][] = [
      ["/lib/python313.zip/xml/__init__.py", "pydoc.getdoc"],
      [`${SP}/other/__init__.pyc`, "inspect.getdoc"],
      ["/lib/python313.zip/nowhere.py", "inspect.getdoc"],
      ["/tmp/elsewhere.py", "cmd.Cmd.do_help"],
    ];
    const usage = traceUsage({ ...trace, docsRead }, inputs);
    expect([...usage.docsRead]).toEqual(docsRead.slice(0, 2));
    expect(usage.stdlib.has("xml/__init__.py")).toBe(false);
    expect(planBundle(inputs, usage).docsRead).toEqual([
      [`${SP}/other/__init__.pyc`, "inspect.getdoc"],
      ["/lib/python313.zip/xml/__init__.py", "pydoc.getdoc"],
    ]);
  });
});

describe("listedEntries", () => {
  const files = [
    "/sp/catalog/__init__.py",
    "/sp/catalog/data/a.txt",
    "/sp/catalog/data/sub/c.txt",
    "/sp/catalog/data/sub/deeper/e.txt",
    "/sp/other/__init__.py",
    "/sp/other/mod.py",
    "/sp/top.py",
  ];

  it("gives a listed folder's files and subfolders, not what lies deeper", () => {
    expect(listedEntries(["/sp/catalog/data"], files)).toEqual({ files: ["/sp/catalog/data/a.txt"], dirs: ["/sp/catalog/data/sub"] });
  });

  it("leaves out subfolders that are Python packages (empty, they would import as namespace packages)", () => {
    expect(listedEntries(["/sp"], files)).toEqual({ files: ["/sp/top.py"], dirs: [] });
  });

  it("lists nothing for a folder nobody listed", () => {
    expect(listedEntries([], files)).toEqual({ files: [], dirs: [] });
  });
});
