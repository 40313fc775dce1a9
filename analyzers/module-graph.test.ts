import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import type { StagedInputs } from "./inputs.ts";
import type { ResolvedPackage } from "./resolve.ts";
import { buildGraph, ImportCache, moduleIndex, moduleNameOf, staticClosure, type ModuleGraph } from "./module-graph.ts";
import { pythonParser } from "./parser.mjs";

const SP = "/lib/python3.13/site-packages";
const b = (s: string) => new TextEncoder().encode(s);
const pkg = (key: string): ResolvedPackage => ({ name: key, key, version: "1", fileName: "", path: "", installDir: "site", origin: "", depends: [] });

describe("moduleNameOf", () => {
  it.each([
    ["json/decoder.py", { name: "json.decoder", isPackage: false }],
    ["json/__init__.py", { name: "json", isPackage: true }],
    ["numpy/_core/_multiarray_umath.cpython-313-wasm32-emscripten.so", { name: "numpy._core._multiarray_umath", isPackage: false }],
    ["markupsafe/_speedups.abi3.so", { name: "markupsafe._speedups", isPackage: false }],
    ["pkg/mod.pyc", { name: "pkg.mod", isPackage: false }],
    ["_sysconfigdata__emscripten_wasm32-emscripten.py", { name: "_sysconfigdata__emscripten_wasm32-emscripten", isPackage: false }],
  ])("%s", (path, expected) => {
    expect(moduleNameOf(path)).toEqual(expected);
  });
  it.each(["pkg-1.0.dist-info/METADATA", "data/x.json", "not-a-name/m.py"])("%s is no module", (path) => {
    expect(moduleNameOf(path)).toBeUndefined();
  });
});

describe("module graph", () => {
  let parser: Parser;
  let graph: ModuleGraph;
  beforeAll(async () => {
    parser = await pythonParser();
    const inputs: StagedInputs = {
      packages: [
        {
          pkg: pkg("demo"),
          files: new Map([
            [`${SP}/demo/__init__.py`, b("from . import core\nfrom .util import helper\n")],
            [`${SP}/demo/core.py`, b("import json\ndef lazy():\n    from ..demo import extra\n")],
            [`${SP}/demo/util.py`, b("def helper(): pass\n")],
            [`${SP}/demo/extra.py`, b("try:\n    import optional_dep\nexcept ImportError:\n    pass\n")],
          ]),
        },
        { pkg: pkg("other"), files: new Map([[`${SP}/other/__init__.py`, b("import demo\n")]]) },
      ],
      stdlib: new Map([
        ["json/__init__.py", b("from .decoder import JSONDecoder\n")],
        ["json/decoder.py", b("import re\n")],
        ["re/__init__.py", b("")],
      ]),
      stdlibMount: "/lib/python313.zip",
      app: new Map([["/home/pyodide/app.py", b("import demo\nif False:\n    import other\n")]]),
      main: "/home/pyodide/app.py",
      scenarios: [],
      scenarioFiles: new Map(),
    };
    graph = await buildGraph(moduleIndex(inputs, SP), parser, new ImportCache(), async () => []);
  });

  const targets = (module: string) => graph.nodes.get(module)!.edges.map((e) => [e.targets, e.unresolved ?? null]);

  it("resolves relative imports, submodules named in from-imports, and parents", () => {
    expect(targets("demo")).toEqual([
      [["demo", "demo.core"], null],
      [["demo", "demo.util"], null],
    ]);
    expect(targets("demo.core")).toEqual([
      [["json"], null],
      [["demo", "demo.extra"], null],
    ]);
    expect(targets("json")).toEqual([[["json", "json.decoder"], null]]);
  });

  it("keeps an import of a missing module as unresolved", () => {
    expect(targets("demo.extra")).toEqual([[[], "optional_dep"]]);
  });

  it("reaches lazy imports but never adds a package the trace did not use", () => {
    const closure = staticClosure(graph, ["__main__", "demo"], (input) => input !== "other");
    expect([...closure.keys()].sort()).toEqual(["demo.core", "demo.extra", "demo.util", "json", "json.decoder", "re"]);
    expect(closure.get("demo.extra")).toEqual({ from: "demo.core", line: 3 });
  });
});
