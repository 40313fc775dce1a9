// Bytes on the wire and time to first result in headless Chromium: stock Pyodide
// (runtime + full stdlib + loadPackage of every wheel) vs the packed bundle, served from
// one local server that sends brotli (precompressed .br, as nginx brotli_static), each
// run in a fresh browser context (cold cache), unthrottled and throttled through the
// DevTools protocol (20 Mbit/s down, 5 up, 40 ms RTT).
// Usage: npm run build && node benchmarks/load-time.mjs [--quick] [app ...]
//   --quick: 1 run, unthrottled only, bundles not validated (the full mode validates).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { writeSidecars } from "../dist/packer/output/bundle.js";
import { defaultCacheDir } from "../dist/analyzers/fetch-cache.js";
import { SizeMeter } from "../dist/packer/output/sizes.js";
import { launchChromium } from "../dist/runtime/host/chromium-host.js";
import { findDist } from "../dist/runtime/host/pyodide-dist.js";
import { ANCHOR_APPS, APPS_314, formatSpread, kB, median, REPO as repo, spread } from "./apps.mjs";
import { CONDITIONS, load, serve } from "./page-loads.mjs";

const APPS = [...ANCHOR_APPS, APPS_314.plotly, APPS_314.docutils];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const runs = quick ? 1 : 5;
const packRuns = quick ? 1 : 3;
const conditions = quick ? ["unthrottled"] : Object.keys(CONDITIONS);
const meter = new SizeMeter(defaultCacheDir());

/** A folder a stock page would deploy: runtime, full stdlib, the wheels, the app, with sidecars. */
async function stockFolder(dist, packages, app) {
  const dir = mkdtempSync(join(tmpdir(), "bench-stock-"));
  mkdirSync(join(dir, "pyodide"));
  mkdirSync(join(dir, "wheels"));
  mkdirSync(join(dir, "app"));
  const files = ["stock.html", "stock.json", "app/app.py"];
  for (const f of [...dist.runtimeFiles, "python_stdlib.zip", "pyodide-lock.json"]) {
    copyFileSync(join(dist.dir, f), join(dir, "pyodide", f));
    files.push(`pyodide/${f}`);
  }
  for (const p of packages) {
    copyFileSync(p.path, join(dir, "wheels", basename(p.path)));
    files.push(`wheels/${basename(p.path)}`);
  }
  copyFileSync(app, join(dir, "app", "app.py"));
  copyFileSync(join(repo, "benchmarks", "stock.html"), join(dir, "stock.html"));
  writeFileSync(join(dir, "stock.json"), JSON.stringify({ wheels: packages.map((p) => `wheels/${basename(p.path)}`), main: "app/app.py" }));
  await writeSidecars(dir, files, meter);
  return dir;
}

const harnessStarted = performance.now();
const chromium = await launchChromium();
const rows = [];
for (const spec of APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const dist = findDist(spec.pyodide, repo);
  // Pack wall time, median of 3 (1 with --quick), as a user runs it: trace, transforms,
  // write, validation in Chromium, report. The first output is the bundle measured below.
  const packTimes = [];
  const outs = [];
  let packages;
  for (let i = 0; i < packRuns; i++) {
    const out = mkdtempSync(join(tmpdir(), "bench-bundle-"));
    const started = performance.now();
    ({ packages } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, validate: !quick }));
    packTimes.push(Math.round(performance.now() - started));
    outs.push(out);
  }
  const out = outs[0];
  for (const extra of outs.slice(1)) rmSync(extra, { recursive: true, force: true });
  const stock = await stockFolder(dist, packages, spec.app);
  const row = { app: spec.name, pyodide: dist.version, pack: spread(packTimes), sides: {} };
  const sides = [["stock", await serve(stock), "stock.html"], ["bundle", await serve(out), "index.html"]];
  const results = {};
  // Stock and bundle runs alternate, so that a slow stretch of the machine hits both.
  for (const condition of conditions) {
    for (let i = 0; i < runs; i++) {
      for (const [side, served, page] of sides) {
        const r = await load(chromium.browser, served, page, dist.runtimeFiles, condition);
        if (r.ok === false || r.outcome?.ok === false) throw new Error(`${spec.name} ${side}: ${r.error ?? r.outcome?.error}`);
        (results[`${side} ${condition}`] ??= []).push(r);
      }
    }
  }
  for (const [side] of sides) {
    for (const condition of conditions) {
      const runsOf = results[`${side} ${condition}`];
      const totals = runsOf.map((r) => r.timings.total);
      const phases = Object.fromEntries(Object.keys(runsOf[0].timings).map((k) => [k, median(runsOf.map((r) => r.timings[k]))]));
      row.sides[`${side} ${condition}`] = { ...spread(totals), phases, bytes: runsOf[0].bytes };
    }
  }
  for (const [, served] of sides) await served.close();
  rows.push(row);
  rmSync(out, { recursive: true, force: true });
  rmSync(stock, { recursive: true, force: true });
  console.error(`done ${spec.name}`);
}
await chromium.close();
meter.save();

// Packs and loads, after the build: what the 15-minute (3 with --quick) budget is for.
const harnessSeconds = Math.round((performance.now() - harnessStarted) / 1000);
writeFileSync(join(repo, "benchmarks", quick ? "load-time-quick.json" : "load-time.json"), JSON.stringify({ date: new Date().toISOString().slice(0, 10), runs, harnessSeconds, rows }, null, 2) + "\n");
console.log(`Harness wall time (packs and loads): ${Math.floor(harnessSeconds / 60)} min ${harnessSeconds % 60} s.\n`);
const cell = (s) => (s ? formatSpread(s) : "–");
console.log(`Bytes on the wire (brotli as sent), kB: runtime + app's files; time to first result, ms from navigation, median (min–max) of ${runs}.\n`);
console.log(`| app | Pyodide | stock kB | bundle kB | ${conditions.map((c) => `stock ${c} | bundle ${c}`).join(" | ")} |`);
console.log(`|---|---|---:|---:|${conditions.map(() => "---:|---:").join("|")}|`);
for (const r of rows) {
  const b = (side) => r.sides[`${side} unthrottled`].bytes;
  const bytes = (side) => `${kB(b(side).runtime)} + ${kB(b(side).rest)}`;
  console.log(`| ${r.app} | ${r.pyodide} | ${bytes("stock")} | ${bytes("bundle")} | ${conditions.map((c) => `${cell(r.sides[`stock ${c}`])} | ${cell(r.sides[`bundle ${c}`])}`).join(" | ")} |`);
}
console.log("\nPhases (unthrottled medians, ms): stock boot / packages (fetch, install, dlopen every .so) / run; bundle runtime / bundle fetch and unpack / dynamic libraries / import and run. Pack wall time, s, median (min–max).\n");
console.log("| app | stock boot | stock packages | stock run | bundle runtime | bundle fetch+unpack | bundle .so | bundle run | pack s |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
const seconds = (ms) => (ms / 1000).toFixed(1);
for (const r of rows) {
  const s = r.sides["stock unthrottled"].phases;
  const b = r.sides["bundle unthrottled"].phases;
  const p = r.pack;
  console.log(`| ${r.app} | ${s.boot} | ${s.packages} | ${s.run} | ${b.runtime} | ${b.bundle} | ${b.dynlibs} | ${b.run} | ${seconds(p.median)} (${seconds(p.min)}–${seconds(p.max)}) |`);
}
