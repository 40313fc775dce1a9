// For each anchor app on 0.29.3: brotli bytes a page downloads besides the runtime
// with transforms off, each alone, and all on (the default), next to pyodide-pack's
// figure; and the app's import-and-run time in Chromium from .py vs .pyc bundles.
// Usage: npm run build && node benchmarks/transforms.mjs [runs] [--times]
// (--times: only the two bundles whose import time is compared)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { ChromiumHost } from "../dist/runtime/chromium-host.js";
import { anchor, kB, median, PYODIDE_PACK, REPO as repo, WHEELS_029 } from "./apps.mjs";

const findLinks = [WHEELS_029];
const OFF = { minify: false, optimizePyc: false, prefer: "size" };
const CONFIGS = {
  off: OFF,
  minify: { ...OFF, minify: true },
  "pyc-strip": { ...OFF, optimizePyc: true },
  pyc: { ...OFF, prefer: "speed" },
  "all (default)": {},
  "all + pyc": { prefer: "speed" },
};
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const timesOnly = process.argv.includes("--times");

const host = new ChromiumHost();
const sizes = {};
const times = {};
for (const app of Object.keys(PYODIDE_PACK)) {
  sizes[app] = {};
  for (const [name, transforms] of Object.entries(CONFIGS)) {
    if (timesOnly && !name.startsWith("all")) continue;
    const out = mkdtempSync(join(tmpdir(), "bench-t-"));
    const { report } = await pack({ app: anchor(app), cwd: repo, findLinks, out, transforms, pyodide: "0.29.3" });
    sizes[app][name] = report.total.brotli.out;
    if (name === "all (default)" || name === "all + pyc") {
      const run = [];
      for (let i = 0; i < runs; i++) run.push((await host.runBundle(out, 120_000)).timings.run);
      (times[app] ??= {})[name] = run;
    }
    rmSync(out, { recursive: true, force: true });
  }
}
await host.close();

const names = Object.keys(CONFIGS).filter((n) => !timesOnly || n.startsWith("all"));
console.log(`| app | ${names.join(" | ")} | pyodide-pack | all on vs pyodide-pack |`);
console.log(`|---|${names.map(() => "---:").join("|")}|---:|---:|`);
for (const [app, row] of Object.entries(sizes)) {
  const ratio = Math.round((row["all (default)"] / 1000 / PYODIDE_PACK[app]) * 100);
  console.log(`| ${app} | ${names.map((n) => kB(row[n])).join(" | ")} | ${kB(PYODIDE_PACK[app] * 1000)} | ${ratio}% |`);
}
console.log(`\nimport + run in Chromium, ms, median (min–max) of ${runs}:\n`);
console.log("| app | .py (minified) | .pyc |");
console.log("|---|---:|---:|");
for (const [app, row] of Object.entries(times)) {
  const cell = (xs) => `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})`;
  console.log(`| ${app} | ${cell(row["all (default)"])} | ${cell(row["all + pyc"])} |`);
}
