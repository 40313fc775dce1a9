// The runtime's wasm split by what ran (issue 31) against the same bundle with the
// runtime whole (--no-split-runtime): bytes a page downloads before its first result
// (runtime included), time to that result in Chromium unthrottled and at 20 Mbit/s, the
// first call into the deferred module before the prefetch (synchronous) and after it,
// and pack wall time with an empty cache (cold) and with that cache (warm).
// Usage: npm run build && node benchmarks/runtime-split.mjs [--runs N] [--pack-runs N] [app ...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { launchChromium } from "../dist/runtime/host/chromium-host.js";
import { ANCHOR_APPS, APPS_314, formatSpread, kB, REPO as repo, spread } from "./apps.mjs";
import { load, loadSides } from "./page-loads.mjs";

const APPS = [...ANCHOR_APPS, APPS_314.stdlib_only, APPS_314.plotly, APPS_314.docutils];
const args = process.argv.slice(2);
const numberAfter = (flag, fallback) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const runs = numberAfter("--runs", 5);
const packRuns = numberAfter("--pack-runs", 2);
const only = args.filter((a, i) => !a.startsWith("--") && !["--runs", "--pack-runs"].includes(args[i - 1]));
const SIDES = { whole: { splitRuntime: false }, split: {} };
/** Code of the runtime's wasm that no anchor app's trace runs: the first call into the deferred module. */
const MISSED = 'print(f"{complex(2, -3) ** 0.5:.3f}", bytes(range(256)).hex().encode("utf-16")[:4], float.fromhex("0x1.8p1"))';
/** Milliseconds of MISSED's first call on the page, and what loaded the deferred module. */
const firstCall = async (tab, waitForPrefetch) =>
  tab.evaluate(
    async (code, wait) => {
      const run = window.pyodidePackerResult;
      for (let waited = 0; wait && run.runtimeSplit?.loaded === "" && waited < 60_000; waited += 20) await new Promise((done) => setTimeout(done, 20));
      const before = run.runtimeSplit?.loaded;
      const started = performance.now();
      window.pyodidePackerPyodide.runPython(code);
      return { ms: Math.round(performance.now() - started), before, after: run.runtimeSplit?.loaded };
    },
    MISSED,
    waitForPrefetch,
  );

const chromium = await launchChromium();
const rows = [];
for (const spec of APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const row = { app: spec.name, packs: { whole: { cold: [], warm: [] }, split: { cold: [], warm: [] } }, loads: {}, calls: { sync: [], prefetched: [] } };
  const outs = {};
  // Pack times, the sides alternating: each run an empty cache, then a warm pack with it.
  for (let run = 0; run < packRuns; run++) {
    for (const [side, options] of Object.entries(SIDES)) {
      const cacheDir = mkdtempSync(join(tmpdir(), "bench-cache-"));
      for (const kind of ["cold", "warm"]) {
        const out = mkdtempSync(join(tmpdir(), "bench-out-"));
        const started = performance.now();
        const { report } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, cacheDir, ...options });
        row.packs[side][kind].push((performance.now() - started) / 1000);
        if (outs[side]) rmSync(out, { recursive: true, force: true });
        else outs[side] = { out, report };
      }
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  const runtimeFiles = outs.whole.report.runtime.files;
  const sides = Object.fromEntries(Object.entries(outs).map(([side, { out }]) => [side, out]));
  row.loads = await loadSides(chromium.browser, sides, runs, runtimeFiles, async (served) => {
    for (let i = 0; i < runs; i++) {
      const sync = await load(chromium.browser, served.split, "index.html", runtimeFiles, "unthrottled", { pageOptions: { prefetch: false }, after: (tab) => firstCall(tab, false) });
      const prefetched = await load(chromium.browser, served.split, "index.html", runtimeFiles, "unthrottled", { after: (tab) => firstCall(tab, true) });
      row.calls.sync.push(sync.after);
      row.calls.prefetched.push(prefetched.after);
    }
  });
  for (const { out } of Object.values(outs)) rmSync(out, { recursive: true, force: true });
  row.sizes = Object.fromEntries(Object.entries(outs).map(([side, { report }]) => [side, { app: report.total.brotli.out, runtime: report.runtime.brotli, deferred: report.runtime.deferred?.brotli ?? 0, functions: report.runtime.deferred?.functions ?? 0 }]));
  rows.push(row);
  console.error(`done ${spec.name}`);
}
await chromium.close();

const ms = (xs) => formatSpread(spread(xs.map((r) => r.timings.total)));
const s = (xs) => formatSpread(spread(xs.map((x) => Number(x.toFixed(1)))));
console.log(`Before the first result, brotli kB: runtime + app = page; time to first result, ms from navigation, median (min–max) of ${runs}.\n`);
console.log("| app | whole: page kB | split: page kB | split ÷ whole | deferred kB (functions) | whole unthrottled | split unthrottled | whole 20 Mbit/s | split 20 Mbit/s |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const page = (side) => r.sizes[side].app + r.sizes[side].runtime;
  const cell = (side) => `${kB(r.sizes[side].runtime)} + ${kB(r.sizes[side].app)} = ${kB(page(side))}`;
  console.log(
    `| ${r.app} | ${cell("whole")} | ${cell("split")} | ${(page("split") / page("whole")).toFixed(2)} | ${kB(r.sizes.split.deferred)} (${r.sizes.split.functions}) | ${ms(r.loads["whole unthrottled"])} | ${ms(r.loads["split unthrottled"])} | ${ms(r.loads["whole throttled"])} | ${ms(r.loads["split throttled"])} |`,
  );
}
console.log(`\nFirst call into the deferred module (\`${MISSED}\`), unthrottled, ms, median (min–max) of ${runs}; what had loaded it before and after. Pack wall time, s, median (min–max) of ${packRuns}, sides alternating.\n`);
console.log("| app | first call, prefetch off | first call after the prefetch | pack whole cold | pack split cold | pack whole warm | pack split warm |");
console.log("|---|---|---|---:|---:|---:|---:|");
const call = (xs) => `${formatSpread(spread(xs.map((x) => x.ms)))} (${xs[0].before || "none"} → ${xs[0].after})`;
for (const r of rows) {
  console.log(`| ${r.app} | ${call(r.calls.sync)} | ${call(r.calls.prefetched)} | ${s(r.packs.whole.cold)} | ${s(r.packs.split.cold)} | ${s(r.packs.whole.warm)} | ${s(r.packs.split.warm)} |`);
}
