import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { pythonParser } from "./parser.mjs";
import { extractImports, type ImportEdge } from "./imports.mjs";

let parser: Parser;
beforeAll(async () => {
  parser = await pythonParser();
});

const edges = (source: string) => extractImports(parser, source).edges;
const plain = { lazy: false, optional: false, typeOnly: false };
const edge = (e: Partial<ImportEdge>): ImportEdge => ({ module: "", level: 0, names: [], line: 1, ...plain, ...e });

describe("extractImports", () => {
  it("reads import and from-import with aliases", () => {
    expect(edges("import a.b, c as d\nfrom e.f import g, h as i\n")).toEqual([
      edge({ module: "a.b" }),
      edge({ module: "c" }),
      edge({ module: "e.f", names: ["g", "h"], line: 2 }),
    ]);
  });

  it("reads relative imports with their level", () => {
    expect(edges("from . import x\nfrom .m import y\nfrom ..pkg.sub import (z,\n    w)\n")).toEqual([
      edge({ module: "", level: 1, names: ["x"] }),
      edge({ module: "m", level: 1, names: ["y"], line: 2 }),
      edge({ module: "pkg.sub", level: 2, names: ["z", "w"], line: 3 }),
    ]);
  });

  it("reads star imports", () => {
    expect(edges("from os.path import *\n")).toEqual([edge({ module: "os.path", names: ["*"] })]);
  });

  it("marks imports inside functions and methods as lazy", () => {
    const source = "def f():\n    import json\nclass C:\n    def m(self):\n        from xml.dom import minidom\n";
    expect(edges(source)).toEqual([
      edge({ module: "json", line: 2, lazy: true }),
      edge({ module: "xml.dom", names: ["minidom"], line: 5, lazy: true }),
    ]);
  });

  it("marks imports under try/except ImportError as optional, not those under other handlers", () => {
    const source = "try:\n    import ujson as json\nexcept ImportError:\n    import json\ntry:\n    import a\nexcept KeyError:\n    pass\n";
    expect(edges(source)).toEqual([
      edge({ module: "ujson", line: 2, optional: true }),
      edge({ module: "json", line: 4 }),
      edge({ module: "a", line: 6 }),
    ]);
  });

  it("marks imports under if TYPE_CHECKING as type-only, and not their else branch", () => {
    const source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\nelse:\n    import array\nif typing.TYPE_CHECKING:\n    import pandas\n";
    expect(edges(source).map((e) => [e.module, e.typeOnly])).toEqual([
      ["typing", false],
      ["numpy", true],
      ["array", false],
      ["pandas", true],
    ]);
  });

  it("marks imports under if __name__ == '__main__' as lazy (they run as a script only), and not their else branch", () => {
    const source = "if __name__ == '__main__':\n    import doctest\nelse:\n    import array\nif \"__main__\" == __name__:\n    import pdb\nif __name__ == 'x':\n    import csv\n";
    expect(edges(source).map((e) => [e.module, e.lazy])).toEqual([
      ["doctest", true],
      ["array", false],
      ["pdb", true],
      ["csv", false],
    ]);
  });

  it("follows __import__ and importlib.import_module with literal arguments", () => {
    const source = "import importlib\nm = importlib.import_module('xml.dom.minidom')\nn = __import__(\"csv\")\no = importlib.import_module('.sub', 'pkg')\n";
    expect(edges(source).slice(1)).toEqual([
      edge({ module: "xml.dom.minidom", line: 2 }),
      edge({ module: "csv", line: 3 }),
      edge({ module: "pkg.sub", line: 4 }),
    ]);
  });

  it("reports imports it cannot follow with their line", () => {
    const result = extractImports(parser, "import importlib\n\ndef load(name):\n    return importlib.import_module(name)\nx = __import__(f'mod_{1}')\n");
    expect(result.dynamic).toEqual([
      { line: 4, code: "importlib.import_module(name)" },
      { line: 5, code: "__import__(f'mod_{1}')" },
    ]);
  });

  it("reads what it can of a module with a syntax error and says so", () => {
    const result = extractImports(parser, "import os\ndef broken(:\n    pass\nimport sys\n");
    expect(result.syntaxError).toBe(true);
    expect(result.edges.map((e) => e.module)).toContain("os");
  });

  it("ignores __future__ imports", () => {
    expect(edges("from __future__ import annotations\n")).toEqual([]);
  });
});
