import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { checkBudgets, compareReports, growthExceeds, parseSize } from "../report/budgets.ts";
import { loadConfig } from "./config.ts";
import { CONFIG_SCHEMA, validateConfig } from "./config-schema.ts";
import type { PackReport } from "../report/report.ts";

function pyproject(body: string): string {
  const dir = tempDir("config");
  writeFileSync(join(dir, "pyproject.toml"), `[project]\nname = "app"\n\n[tool.pyodide-packer]\n${body}`);
  return dir;
}

describe("config", () => {
  it("reads [tool.pyodide-packer] with paths relative to the file", () => {
    const dir = pyproject('requires = ["numpy"]\nfind-links = ["wheels"]\nstrategy = "safe"\n[tool.pyodide-packer.transforms]\nprefer = "speed"\n[tool.pyodide-packer.budgets]\ntotal = "1.5MB"\npackages = { numpy = "1MB" }\n');
    const config = loadConfig(dir);
    expect(config.options).toEqual({ requires: ["numpy"], findLinks: [join(dir, "wheels")], strategy: "safe", transforms: { prefer: "speed" } });
    expect(config.budgets).toEqual({ total: 1_500_000, packages: { numpy: 1_000_000 } });
  });

  it("names an unknown key", () => {
    const dir = pyproject('requires = ["numpy"]\nfind_links = ["wheels"]\n');
    expect(() => loadConfig(dir)).toThrow(/^bad config in .*pyproject.toml \[tool.pyodide-packer\]: unknown key "find_links" \(known: requires, find-links,/);
  });

  it("names an unknown nested key and a wrong type", () => {
    const dir = pyproject('timeout = "10s"\n[tool.pyodide-packer.transforms]\nminfy = false\n');
    expect(() => loadConfig(dir)).toThrow(/timeout must be number, not string "10s" \(and 1 more\)$/);
    expect(validateConfig({ transforms: { minfy: false } })).toEqual([
      'unknown key "transforms.minfy" (known: minify, prefer, pyc-app, optimize-pyc, strip-lines, keep-columns, keep-docstrings, lazy-bodies, keep-bodies)',
    ]);
  });

  it("rejects a value outside an enum and a bad size", () => {
    expect(validateConfig({ runner: "firefox" })).toEqual(['runner must be one of chromium, node, not "firefox"']);
    const dir = pyproject('[tool.pyodide-packer.budgets]\ntotal = "lots"\n');
    expect(() => loadConfig(dir)).toThrow('budgets.total is not a size: "lots"');
  });

  it("is empty without a table, and an explicit missing file is an error", () => {
    const dir = tempDir("config");
    expect(loadConfig(dir)).toEqual({ options: {}, budgets: {} });
    expect(() => loadConfig(dir, join(dir, "nope.toml"))).toThrow(/nope.toml: file not found/);
  });

  it("publishes the schema it validates with", () => {
    const published = join(REPO, "schema", "pyodide-packer.schema.json");
    expect(existsSync(published)).toBe(true);
    expect(JSON.parse(readFileSync(published, "utf8"))).toEqual(CONFIG_SCHEMA);
  });
});

const report = (total: number, numpy: number): PackReport =>
  ({
    stdlib: { name: "stdlib", brotli: { in: 0, out: 100_000 } },
    packages: [{ name: "numpy", brotli: { in: 0, out: numpy } }],
    total: { name: "total", brotli: { in: 0, out: total } },
  }) as unknown as PackReport;

describe("budgets", () => {
  it.each([
    ["1.5MB", 1_500_000],
    ["800kB", 800_000],
    ["1MiB", 1_048_576],
    [2048, 2048],
    ["12", 12],
    ["lots", undefined],
  ])("parseSize(%j) = %j", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it("reports each limit exceeded", () => {
    expect(checkBudgets(report(1_600_000, 900_000), { total: 1_500_000, packages: { NumPy: 800_000 } })).toEqual([
      { code: "BUDGET_EXCEEDED", path: "total", args: { limit: 1_500_000, actual: 1_600_000 } },
      { code: "BUDGET_EXCEEDED", path: "numpy", args: { limit: 800_000, actual: 900_000 } },
    ]);
    expect(checkBudgets(report(1_000_000, 500_000), { total: 1_500_000 })).toEqual([]);
  });

  it("--budget-page counts the runtime a page downloads before the first result", () => {
    const withRuntime = { ...report(1_000_000, 500_000), runtime: { files: [], bytes: 0, gzip: 0, brotli: 1_700_000 } };
    expect(checkBudgets(withRuntime, { page: 2_500_000 })).toEqual([{ code: "BUDGET_EXCEEDED", path: "page with the runtime", args: { limit: 2_500_000, actual: 2_700_000 } }]);
    expect(checkBudgets(withRuntime, { page: 2_700_000, total: 1_000_000 })).toEqual([]);
    // A PyScript page's PyScript too.
    const withPyScript = { ...withRuntime, pyscript: { folder: "pyscript", files: ["pyscript/core.js"], bytes: 0, gzip: 0, brotli: 42_000 } };
    expect(checkBudgets(withPyScript, { page: 2_700_000 })).toEqual([{ code: "BUDGET_EXCEEDED", path: "page with the runtime", args: { limit: 2_700_000, actual: 2_742_000 } }]);
  });

  it("compares per row and checks growth", () => {
    const deltas = compareReports(report(1_000_000, 500_000), report(1_100_000, 600_000));
    expect(deltas.map((d) => [d.name, d.delta, d.percent])).toEqual([
      ["stdlib", 0, 0],
      ["numpy", 100_000, 20],
      ["total", 100_000, 10],
    ]);
    expect(growthExceeds(deltas.at(-1)!, "5%")).toBe(true);
    expect(growthExceeds(deltas.at(-1)!, "15%")).toBe(false);
    expect(growthExceeds(deltas.at(-1)!, "150kB")).toBe(false);
  });
});
