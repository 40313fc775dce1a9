// For each anchor app on 0.29.3: brotli bytes a page downloads besides the runtime
// with transforms off, each alone, and all on (the default, .pyc; and with minified .py,
// --prefer size), next to pyodide-pack's figure; and the time to first result in
// Chromium of the .py and .pyc bundles: Python's start-up imports ~120 stdlib modules
// before the app runs, so the runtime phase counts, not only the app's imports.
// Usage: npm run build && node benchmarks/transforms.mjs [runs] [--times]
// (--times: only the two bundles whose load time is compared)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { ChromiumHost } from "../dist/runtime/host/chromium-host.js";
import { anchor, formatSpread, kB, median, PYODIDE_PACK, REPO as repo, spread, WHEELS_029 } from "./apps.mjs";

const findLinks = [WHEELS_029];
const OFF = { minify: false, optimizePyc: false, prefer: "size", keepColumns: true };
const CONFIGS = {
  off: OFF,
  minify: { ...OFF, minify: true },
  "pyc-strip": { ...OFF, optimizePyc: true },
  "no columns": { ...OFF, keepColumns: false },
  pyc: { ...OFF, prefer: "speed" },
  "all, .py": { prefer: "size" },
  "all (default)": {},
};
const TIMED = ["all, .py", "all (default)"];
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const timesOnly = process.argv.includes("--times");

const host = new ChromiumHost();
const sizes = {};
const times = {};
for (const app of Object.keys(PYODIDE_PACK)) {
  sizes[app] = {};
  for (const [name, transforms] of Object.entries(CONFIGS)) {
    if (timesOnly && !TIMED.includes(name)) continue;
    const out = mkdtempSync(join(tmpdir(), "bench-t-"));
    const { report } = await pack({ app: anchor(app), cwd: repo, findLinks, out, transforms, pyodide: "0.29.3" });
    sizes[app][name] = report.total.brotli.out;
    if (TIMED.includes(name)) {
      const run = [];
      for (let i = 0; i < runs; i++) run.push((await host.runBundle(out, 120_000)).timings);
      (times[app] ??= {})[name] = run;
    }
    rmSync(out, { recursive: true, force: true });
  }
}
await host.close();

const names = Object.keys(CONFIGS).filter((n) => !timesOnly || TIMED.includes(n));
console.log(`| app | ${names.join(" | ")} | pyodide-pack | all on vs pyodide-pack |`);
console.log(`|---|${names.map(() => "---:").join("|")}|---:|---:|`);
for (const [app, row] of Object.entries(sizes)) {
  const ratio = Math.round((row["all (default)"] / 1000 / PYODIDE_PACK[app]) * 100);
  console.log(`| ${app} | ${names.map((n) => kB(row[n])).join(" | ")} | ${kB(PYODIDE_PACK[app] * 1000)} | ${ratio}% |`);
}
console.log(`\nChromium, ms from navigation, median (min–max) of ${runs}: time to first result; runtime phase (Pyodide start-up with the stdlib) and run phase (the app's imports and run) medians:\n`);
console.log("| app | .py total | .pyc total | .py runtime / run | .pyc runtime / run |");
console.log("|---|---:|---:|---:|---:|");
for (const [app, row] of Object.entries(times)) {
  const cell = (ts) => formatSpread(spread(ts.map((t) => t.total)));
  const phases = (ts) => `${median(ts.map((t) => t.runtime))} / ${median(ts.map((t) => t.run))}`;
  const [py, pyc] = TIMED.map((n) => row[n]);
  console.log(`| ${app} | ${cell(py)} | ${cell(pyc)} | ${phases(py)} | ${phases(pyc)} |`);
}
