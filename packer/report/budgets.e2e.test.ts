// Budgets, --compare and the GitHub Actions outputs, through the CLI in-process with
// real packs (node runner).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import type { PackReport } from "./report.ts";

const hello = join(APPS, "hello", "app.py");

describe("budgets in CI", () => {
  it("passes under the budget", async () => {
    const r = await packCli([hello, "--runner", "node", "--budget", "1MB"]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("fails over the budget with one line per violation, and still writes the bundle", async () => {
    const config = join(tempDir("budget"), "packer.toml");
    writeFileSync(config, '[budgets]\nstdlib = "10kB"\n');
    const r = await packCli([hello, "--runner", "node", "--budget", "100kB", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/^pack: over budget: total is [\d.,]+ kB brotli, over its budget of 100 kB by [\d.,]+ kB$/);
    expect(r.errors[1]).toMatch(/^pack: over budget: stdlib is [\d.,]+ kB brotli, over its budget of 10 kB by/);
    expect(r.report().total.brotli.out).toBeGreaterThan(100_000);
  });

  it("compares with a previous report and fails on growth over --max-growth", async () => {
    const first = await packCli([hello, "--runner", "node"]);
    const previous = first.report();
    const shrunk: PackReport = { ...previous, total: { ...previous.total, brotli: { ...previous.total.brotli, out: previous.total.brotli.out - 50_000 } } };
    const path = join(tempDir("compare"), "previous.json");
    writeFileSync(path, JSON.stringify(shrunk));
    const r = await packCli([hello, "--runner", "node", "--compare", path, "--max-growth", "5%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/brotli kB vs previous report:\n  stdlib +[\d.,]+ → [\d.,]+  ±0.0  0.0%\n  total +[\d.,]+ → [\d.,]+  \+50.0  \+[\d.]+%/);
    expect(r.errors).toEqual([expect.stringMatching(/^pack: over budget: total grew by \+50.0 kB brotli \(\+[\d.]+%\), more than --max-growth 5%$/)]);
  });

  it("under GitHub Actions, annotates failures and writes the Markdown summary", async () => {
    const summary = join(tempDir("gha"), "summary.md");
    writeFileSync(summary, "");
    let stdout = "";
    const { main } = await import("../cli/cli.ts");
    const code = await main({
      argv: [hello, "--runner", "node", "--budget", "50kB", "--out", join(tempDir("gha"), "out")],
      cwd: process.cwd(),
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary },
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error title=pyodide-packer budget::total is [\d.,]+ kB brotli, over its budget of 50 kB/m);
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toMatch(/^### pyodide-packer: app.py on Pyodide 0.29.3\n\n\| \| files \| .so \| raw kB \| gzip kB \| brotli kB \| saved \|/);
    expect(markdown).toContain("- ❌ over budget: total is");
  });
});
