// Every Python file pack runs inside Pyodide (the loader's, the trace's, the tools') is
// checked as Python by the runtimes that run it: each compiles in 0.29.3 and in 314.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../fixtures/paths.ts";
import { findDist } from "./pyodide-dist.ts";
import { runPythonTools } from "./python-tools.ts";

const FOLDERS = ["runtime/page/python", "runtime/trace", "runtime/worker"];
const files = FOLDERS.flatMap((folder) =>
  readdirSync(join(REPO, folder))
    .filter((name) => name.endsWith(".py"))
    .map((name) => `${folder}/${name}`),
);

describe("pack's own Python", () => {
  it("is in files, not in JavaScript strings", () => {
    expect(files).toEqual(expect.arrayContaining(["runtime/page/python/bodies.py", "runtime/page/python/run.py", "runtime/trace/tracer.py", "runtime/trace/monitor.py", "runtime/worker/compiler.py"]));
    for (const file of readdirSync(join(REPO, "runtime/page/loader"))) {
      // A template string that starts a line of Python: "import ..." right after a backtick.
      expect(readFileSync(join(REPO, "runtime/page/loader", file), "utf8"), file).not.toMatch(/`\s*\n(?:import|from|def|class) /);
    }
  });

  it.each(["0.29.3", "314"])("compiles in Pyodide %s", async (version) => {
    const dist = findDist(version, REPO);
    const results = await runPythonTools(dist, files.map((path) => ({ op: "check" as const, path, data: readFileSync(join(REPO, path)) })));
    expect(Object.fromEntries(files.map((path, i) => [path, results[i]]))).toEqual(Object.fromEntries(files.map((path) => [path, { ok: true }])));
  });
});
