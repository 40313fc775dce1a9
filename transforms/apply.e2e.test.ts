// The transforms run inside real Pyodide (0.29.3): compile checks, .pyc compile and strip.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../fixtures/paths.ts";
import { tempDir } from "../fixtures/temp.ts";
import { findDist } from "../runtime/host/pyodide-dist.ts";
import { runPythonTools } from "../runtime/host/python-tools.ts";
import type { ResolvedPackage } from "../analyzers/resolve.ts";
import { applyTransforms, DEFAULT_TRANSFORMS } from "./apply.ts";
import type { BundlePlan } from "./select.ts";

const dist = findDist("0.29.3", REPO);
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const SP = "/lib/python3.13/site-packages";
const SIZE = { ...DEFAULT_TRANSFORMS, prefer: "size" as const };

function planOf(stdlib: Record<string, string>, pkgFiles: Record<string, Uint8Array | string> = {}): BundlePlan {
  const files = new Map(Object.entries(pkgFiles).map(([k, v]) => [k, typeof v === "string" ? enc(v) : v]));
  const pkg: ResolvedPackage = { name: "demo", key: "demo", version: "1", fileName: "demo.whl", path: "/x", installDir: "site", origin: "/", depends: [] };
  return {
    stdlib: { files: new Map(), kept: new Map(Object.entries(stdlib).map(([k, v]) => [k, enc(v)])) },
    packages: [{ pkg, files, kept: files }],
    app: new Map([["/home/pyodide/app.py", enc("print(1)  # keep me\n")]]),
    main: "/home/pyodide/app.py",
    dynlibs: [],
    bodies: new Map(),
  };
}

async function pyc(source: string, path: string) {
  const [r] = await runPythonTools(dist, [{ op: "compile", path, data: enc(source) }]);
  return (r as { data: Uint8Array }).data;
}

describe("applyTransforms", () => {
  it("minifies the stdlib and packages, never the app", async () => {
    const plan = planOf({ "m.py": '"""Doc."""\nX = 1  # note\n' }, { [`${SP}/demo/__init__.py`]: "# c\nY = 2\n" });
    const { plan: out, savings, warnings } = await applyTransforms(plan, dist, "/lib/python313.zip", SIZE);
    expect(dec(out.stdlib.kept.get("m.py")!)).toBe("\nX = 1\n");
    expect(dec(out.packages[0]!.kept.get(`${SP}/demo/__init__.py`)!)).toBe("\nY = 2\n");
    expect(dec(out.app.get("/home/pyodide/app.py")!)).toBe("print(1)  # keep me\n");
    expect(savings.stdlib!.minify).toEqual({ files: 1, before: 25, after: 7 });
    expect(warnings).toEqual([]);
  });

  it("strips the stdlib's docstrings even where it reads __doc__, unless the app reads it", async () => {
    // typing and inspect read __doc__; the stdlib copes with None (python -OO).
    const typing = '"""Typing."""\ndef f():\n    """F."""\n    return f.__doc__\n';
    const pkg = { [`${SP}/demo/__init__.py`]: '"""Demo."""\nD = __doc__\n' };
    const { plan: out } = await applyTransforms(planOf({ "typing.py": typing }, pkg), dist, "/lib/python313.zip", SIZE);
    expect(dec(out.stdlib.kept.get("typing.py")!)).toBe("\ndef f():\n\n    return f.__doc__\n");
    // A package that reads __doc__ gets "" in place of its docstrings, not None.
    expect(dec(out.packages[0]!.kept.get(`${SP}/demo/__init__.py`)!)).toBe('""\nD = __doc__\n');
    const reading = planOf({ "typing.py": typing }, pkg);
    reading.app.set("/home/pyodide/app.py", enc("import typing\nprint(typing.f())\n"));
    reading.app.set("/home/pyodide/helper.py", enc("def doc(x):\n    return x.__doc__\n"));
    const { plan: kept } = await applyTransforms(reading, dist, "/lib/python313.zip", SIZE);
    expect(dec(kept.stdlib.kept.get("typing.py")!)).toBe(typing);
  });

  it("keeps the original of a module that no longer compiles after minifying", async () => {
    // tree-sitter-python still parses Python 2's print statement; CPython does not.
    const tricky = '"""Doc."""\nprint "hello"  # py2\n';
    const { plan: out, warnings } = await applyTransforms(planOf({ "t.py": tricky }), dist, "/lib/python313.zip", SIZE);
    expect(dec(out.stdlib.kept.get("t.py")!)).toBe(tricky);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "MINIFY_FALLBACK", path: "/lib/python313.zip/t.py" });
    expect(warnings[0]!.detail).toMatch(/^SyntaxError: .* \(line 2\) after minifying; kept as it was$/);
  });

  it("by default (prefer speed) ships .pyc in place of .py", async () => {
    const { plan: out } = await applyTransforms(planOf({ "json/__init__.py": "X = 1\n" }), dist, "/lib/python313.zip", DEFAULT_TRANSFORMS);
    expect([...out.stdlib.kept.keys()]).toEqual(["json/__init__.pyc"]);
    const bytes = out.stdlib.kept.get("json/__init__.pyc")!;
    expect([...bytes.subarray(4, 8)]).toEqual([1, 0, 0, 0]);
  });

  it("strips docstrings from wheels' .pyc, and empties them where the package reads __doc__", async () => {
    const doc = (c: string) => `"""${c.repeat(400)}"""\n`;
    const plain = await pyc(`${doc("x")}def f():\n    ${doc("y")}    return 1\n`, `${SP}/demo/a.pyc`);
    const reader = await pyc(`${doc("z")}def g(h):\n    return h.__doc__\n`, `${SP}/other/b.pyc`);
    const plan = planOf({}, { [`${SP}/demo/a.pyc`]: plain, [`${SP}/other/b.pyc`]: reader });
    const { plan: out, savings } = await applyTransforms(plan, dist, "/lib/python313.zip", { ...DEFAULT_TRANSFORMS, keepColumns: true });
    expect(out.packages[0]!.kept.get(`${SP}/demo/a.pyc`)!.length).toBeLessThan(plain.length - 700);
    const emptied = out.packages[0]!.kept.get(`${SP}/other/b.pyc`)!;
    expect(emptied.length).toBeLessThan(reader.length - 350);
    expect(savings.demo!["pyc-strip"]!.files).toBe(2);
    // The reader's module docstring is "" (not None), and so is its functions'.
    const { loadPyodide } = await import(join(dist.dir, "pyodide.mjs"));
    const py = await loadPyodide({ indexURL: dist.dir + "/" });
    py.FS.writeFile("/tmp/b.pyc", emptied);
    expect(py.runPython("import sys; sys.path.insert(0, '/tmp'); import b; repr((b.__doc__, b.g(b)))")).toBe("('', '')");
    // --keep-docstrings keeps them whole.
    const { plan: kept } = await applyTransforms(plan, dist, "/lib/python313.zip", { ...DEFAULT_TRANSFORMS, keepDocstrings: ["**/other/**"] });
    expect(dec(kept.packages[0]!.kept.get(`${SP}/other/b.pyc`)!)).toContain("z".repeat(400));
  });
});

describe("compiler.py in Pyodide", () => {
  it("finds readers of __doc__ in bytecode, not the module's own docstring store", async () => {
    const own = await pyc('"""Mine."""\nX = 1\n', "/a.py");
    const reads = await pyc("def f(g):\n    return g.__doc__\n", "/b.py");
    const results = await runPythonTools(dist, [
      { op: "reads-doc", path: "/a.pyc", data: own },
      { op: "reads-doc", path: "/b.pyc", data: reads },
    ]);
    expect(results.map((r) => (r as { data: Uint8Array }).data[0])).toEqual([0, 1]);
  });

  it("keeps a constant a function also returns when it strips the docstring", async () => {
    // In 3.13 "same" is both f's docstring and its return value: one const slot.
    const code = await pyc('def f():\n    "same"\n    return "same"\nprint(f())\n', "/c.py");
    const [stripped] = await runPythonTools(dist, [{ op: "strip", path: "/c.pyc", data: code }]);
    expect(dec((stripped as { data: Uint8Array }).data)).toContain("same");
  });

  // Every kind of location entry: multi-line calls (long form), a line jump back (negative
  // delta), long lines (wide columns), runs on one line longer than 8 code units, and
  // instructions with no location (the implicit return).
  const TABLES = [
    "import sys",
    "def f(a, b):",
    "    x = [i * 2 for i in range(a)",
    "         if i % 3]",
    "    while b > 0:",
    "        b -= 1",
    "    return (x,",
    "            {'k': a, 'v': b, 'w': [a, b, a + b, a * b, a - b, a ** b]})",
    `y = f(4, 2) + (${"'" + "z".repeat(300) + "',"})`,
    "def g():",
    "    try:",
    "        return {}['missing']",
    "    finally:",
    "        pass",
    "g()",
  ].join("\n");

  it.each(["0.29.3", "314"])("keeps every instruction's line and drops columns (%s)", async (version) => {
    const d = findDist(version, REPO);
    const [full, lines] = await runPythonTools(d, [
      { op: "compile", path: "/t.py", data: enc(TABLES) },
      { op: "compile", path: "/t.py", data: enc(TABLES), lines: "lines" },
    ]);
    const a = (full as { data: Uint8Array }).data;
    const b = (lines as { data: Uint8Array }).data;
    expect(b.length).toBeLessThan(a.length);
    const { loadPyodide } = await import(join(d.dir, "pyodide.mjs"));
    const py = await loadPyodide({ indexURL: d.dir + "/" });
    py.globals.set("full", a);
    py.globals.set("lines", b);
    const out = py.runPython(`
import marshal, traceback, types
def walk(code):
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from walk(c)
a, b = (marshal.loads(bytes(x.to_py())[16:]) for x in (full, lines))
same = all([p[0] for p in x.co_positions()] == [p[0] for p in y.co_positions()] for x, y in zip(walk(a), walk(b)))
columns = {p[2] for y in walk(b) for p in y.co_positions()}
try:
    exec(b, {"__name__": "t"})
except KeyError as e:
    where = [(fr.lineno, fr.colno) for fr in traceback.extract_tb(e.__traceback__)[1:]]
[same, sorted(map(str, columns)), where]
`).toJs();
    expect(out).toEqual([true, ["None"], [[15, undefined], [12, undefined]]]);
  });

  it("refuses a .pyc from another Python", async () => {
    const [r] = await runPythonTools(dist, [{ op: "strip", path: "/x.pyc", data: new Uint8Array(32) }]);
    expect(r).toEqual({ ok: false, error: "ValueError: built for another Python (magic number differs)" });
  });
});

describe("runtime tool results are cached by content", () => {
  it("answers a repeated batch without booting the runtime", async () => {
    const cacheDir = tempDir("tools-cache");
    const jobs = [
      { op: "check" as const, path: "/m.py", data: enc("x = 1\n") },
      { op: "check" as const, path: "/n.py", data: enc("def (:\n") },
      { op: "compile" as const, path: "/m.py", data: enc("x = 1\n") },
    ];
    const first = await runPythonTools(dist, jobs, cacheDir);
    const nowhere = { ...dist, dir: "/nonexistent/pyodide" };
    const second = await runPythonTools(nowhere, jobs, cacheDir);
    expect(second).toEqual(first);
    expect(first[1]).toMatchObject({ ok: false });
  });
});

