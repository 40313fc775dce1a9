// Packs the anchor apps (and the 314.x apps) and prints a Markdown table of what a page
// downloads besides the runtime, stock vs bundle, with pack wall times: N times (default
// 3) a pack with an empty cache (cold: sizes measured from scratch) then one with that
// cache (warm), each given as median (min–max).
// Usage: npm run build && node benchmarks/pack-sizes.mjs [--runs N] [app-name ...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { ANCHOR_APPS, APPS_314, formatSpread, kB, REPO as repo, spread } from "./apps.mjs";

const APPS = [...ANCHOR_APPS, APPS_314.stdlib_only, APPS_314.plotly];
const triple = (t, side) => `${kB(t.bytes[side])} / ${kB(t.gzip[side])} / ${kB(t.brotli[side])}`;

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const only = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs");
const seconds = (xs) => formatSpread(spread(xs.map((x) => Number(x.toFixed(1)))));
console.log(`| app | Pyodide | stock raw / gzip / brotli kB | bundle raw / gzip / brotli kB | files | .so | pack s cold, median of ${runs} (min–max) | pack s warm |`);
console.log("|---|---|---|---|---|---|---|---|");
for (const spec of APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const times = { cold: [], warm: [] };
  let report;
  for (let run = 0; run < runs; run++) {
    const cacheDir = mkdtempSync(join(tmpdir(), "bench-cache-"));
    for (const kind of ["cold", "warm"]) {
      const out = mkdtempSync(join(tmpdir(), "bench-out-"));
      const started = performance.now();
      ({ report } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, cacheDir }));
      times[kind].push((performance.now() - started) / 1000);
      rmSync(out, { recursive: true, force: true });
    }
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const t = report.total;
  console.log(
    `| ${spec.name} | ${report.pyodide.version} | ${triple(t, "in")} | ${triple(t, "out")} | ${t.files.in} → ${t.files.out} | ${t.so.in} → ${t.so.out} | ${seconds(times.cold)} | ${seconds(times.warm)} |`,
  );
}
