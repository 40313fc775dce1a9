// The runtime's data by need (issue 34) against the same bundle with the data segment
// whole (--no-defer-runtime-data), both with the runtime's wasm split: bytes a page
// downloads before its first result (runtime included), time to that result in Chromium
// unthrottled and at 20 Mbit/s, and the first use of the deferred tables (a codec and a
// character's name) before the prefetch (synchronous) and after it.
// Usage: npm run build && node benchmarks/runtime-data.mjs [--runs N] [app ...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { launchChromium } from "../dist/runtime/host/chromium-host.js";
import { ANCHOR_APPS, APPS_314, formatSpread, kB, REPO as repo, spread } from "./apps.mjs";
import { load, loadSides } from "./page-loads.mjs";

const APPS = [...ANCHOR_APPS, APPS_314.stdlib_only, APPS_314.plotly, APPS_314.docutils];
const args = process.argv.slice(2);
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 5;
const only = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs");
const SIDES = { whole: { deferRuntimeData: false }, deferred: {} };
/** What no anchor app's trace imports: a CJK codec's maps and the name database. */
const USE = "import unicodedata; print(unicodedata.name('é'), '日本'.encode('euc_jp'))";
/** Milliseconds of USE on the page, and which tables had been written back before and after it. */
const firstUse = async (tab, waitForPrefetch) =>
  tab.evaluate(
    async (code, wait) => {
      const run = window.pyodidePackerResult;
      for (let waited = 0; wait && !run.prefetched && waited < 60_000; waited += 20) await new Promise((done) => setTimeout(done, 20));
      const before = run.runtimeData?.filled.length ?? 0;
      const started = performance.now();
      window.pyodidePackerPyodide.runPython(code);
      return { ms: Math.round(performance.now() - started), before, after: run.runtimeData?.filled.length ?? 0 };
    },
    USE,
    waitForPrefetch,
  );

const chromium = await launchChromium();
const rows = [];
for (const spec of APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const row = { app: spec.name, packs: {}, loads: {}, uses: { sync: [], prefetched: [] } };
  const outs = {};
  const cacheDir = mkdtempSync(join(tmpdir(), "bench-cache-"));
  for (const [side, options] of Object.entries(SIDES)) {
    const out = mkdtempSync(join(tmpdir(), "bench-out-"));
    const started = performance.now();
    const { report } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, cacheDir, ...options });
    row.packs[side] = (performance.now() - started) / 1000;
    outs[side] = { out, report };
  }
  rmSync(cacheDir, { recursive: true, force: true });
  const runtimeFiles = outs.whole.report.runtime.files;
  const sides = Object.fromEntries(Object.entries(outs).map(([side, { out }]) => [side, out]));
  row.loads = await loadSides(chromium.browser, sides, runs, runtimeFiles, async (served) => {
    for (let i = 0; i < runs; i++) {
      const sync = await load(chromium.browser, served.deferred, "index.html", runtimeFiles, "unthrottled", { pageOptions: { prefetch: false }, after: (tab) => firstUse(tab, false) });
      const prefetched = await load(chromium.browser, served.deferred, "index.html", runtimeFiles, "unthrottled", { after: (tab) => firstUse(tab, true) });
      row.uses.sync.push(sync.after);
      row.uses.prefetched.push(prefetched.after);
    }
  });
  for (const { out } of Object.values(outs)) rmSync(out, { recursive: true, force: true });
  row.sizes = Object.fromEntries(Object.entries(outs).map(([side, { report }]) => [side, { app: report.total.brotli.out, runtime: report.runtime.brotli, data: report.runtime.data?.brotli ?? 0, modules: report.runtime.data?.modules.length ?? 0 }]));
  rows.push(row);
  console.error(`done ${spec.name}`);
}
await chromium.close();

const ms = (xs) => formatSpread(spread(xs.map((r) => r.timings.total)));
console.log(`Before the first result, brotli kB: runtime + app = page (both with the runtime's wasm split); time to first result, ms from navigation, median (min–max) of ${runs}.\n`);
console.log("| app | whole data: page kB | deferred data: page kB | deferred ÷ whole | deferred data kB (modules) | whole unthrottled | deferred unthrottled | whole 20 Mbit/s | deferred 20 Mbit/s | pack s, whole / deferred |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const page = (side) => r.sizes[side].app + r.sizes[side].runtime;
  const cell = (side) => `${kB(r.sizes[side].runtime)} + ${kB(r.sizes[side].app)} = ${kB(page(side))}`;
  console.log(
    `| ${r.app} | ${cell("whole")} | ${cell("deferred")} | ${(page("deferred") / page("whole")).toFixed(2)} | ${kB(r.sizes.deferred.data)} (${r.sizes.deferred.modules}) | ${ms(r.loads["whole unthrottled"])} | ${ms(r.loads["deferred unthrottled"])} | ${ms(r.loads["whole throttled"])} | ${ms(r.loads["deferred throttled"])} | ${r.packs.whole.toFixed(1)} / ${r.packs.deferred.toFixed(1)} |`,
  );
}
console.log(`\nFirst use of the deferred tables (\`${USE}\`), unthrottled, ms, median (min–max) of ${runs}; how many modules' tables had been written back before and after.\n`);
console.log("| app | first use, prefetch off | first use after the prefetch |");
console.log("|---|---|---|");
const use = (xs) => `${formatSpread(spread(xs.map((x) => x.ms)))} (${xs[0].before} → ${xs[0].after})`;
for (const r of rows) console.log(`| ${r.app} | ${use(r.uses.sync)} | ${use(r.uses.prefetched)} |`);
