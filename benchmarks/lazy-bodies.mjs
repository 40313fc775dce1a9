// Lazy bodies, measured: each app packed with and without them (defaults otherwise,
// validated), the bytes a page downloads before the app's first result and those it
// defers, and the time to first result in headless Chromium for both bundles, loads
// alternating, unthrottled and at 20 Mbit/s; then the latency of a first call to a
// function whose body is deferred (fixtures/apps/lazy-bodies), with and without the
// prefetch done. With --against eager-asyncio the other side is the default bundle
// packed with --eager-asyncio instead (asyncio loaded at start-up, as stock Pyodide does),
// and "deferred" counts startup/asyncio.zip too.
// Usage: npm run build && node benchmarks/lazy-bodies.mjs [--runs N] [--against eager-asyncio] [app ...]
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { launchChromium } from "../dist/runtime/host/chromium-host.js";
import { startServer } from "../dist/runtime/host/server.js";
import { ANCHOR_APPS, APPS_314, formatSpread, kB, PYODIDE_PACK, REPO as repo, spread } from "./apps.mjs";

const APPS = [...ANCHOR_APPS, APPS_314.plotly, APPS_314.docutils];
const CONDITIONS = { unthrottled: undefined, "20 Mbit/s": { download: 20e6 / 8, upload: 5e6 / 8, latency: 40 } };
const args = process.argv.slice(2);
const valueOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const runs = Number(valueOf("--runs") ?? 5);
const against = valueOf("--against") ?? "whole";
if (!["whole", "eager-asyncio"].includes(against)) throw new Error(`--against takes whole or eager-asyncio, not ${against}`);
const only = args.filter((a, i) => !a.startsWith("--") && !["--runs", "--against"].includes(args[i - 1]));

/** The other side: no lazy bodies (whole), or asyncio at start-up (eager-asyncio). */
async function packed(spec, lazy) {
  const out = mkdtempSync(join(tmpdir(), "bench-lazy-"));
  const other = against === "whole" ? { transforms: { lazyBodies: lazy, ...spec.transforms } } : { transforms: spec.transforms, eagerAsyncio: !lazy };
  const { report } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, ...other });
  return { out, report };
}

async function timeToFirstResult(browser, url, condition, search = "") {
  const context = await browser.createBrowserContext();
  try {
    const tab = await context.newPage();
    if (CONDITIONS[condition]) await tab.emulateNetworkConditions(CONDITIONS[condition]);
    await tab.goto(`${url}/index.html${search}`);
    await tab.waitForSelector("html[data-status]", { timeout: 600_000 });
    const result = await tab.evaluate(() => window.pyodidePackerResult);
    if (!result.outcome.ok) throw new Error(result.outcome.error);
    return result.timings.total;
  } finally {
    await context.close();
  }
}

/** ms of a first call to lazydemo.fact after the first result: bodies fetched then, or prefetched before. */
async function firstCall(browser, url, prefetched) {
  const context = await browser.createBrowserContext();
  try {
    const tab = await context.newPage();
    await tab.goto(`${url}/first-call.html?${prefetched ? "prefetched" : "cold"}`);
    await tab.waitForSelector("html[data-status]", { timeout: 600_000 });
    const result = await tab.evaluate(() => window.firstCall);
    if (result.error) throw new Error(result.error);
    return result.ms;
  } finally {
    await context.close();
  }
}

const chromium = await launchChromium();
const rows = [];
for (const spec of APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const sides = { whole: await packed(spec, false), lazy: await packed(spec, true) };
  const servers = Object.fromEntries(await Promise.all(Object.entries(sides).map(async ([side, { out }]) => [side, await startServer({ "/": out }, { precompressed: true })])));
  const times = {};
  for (const condition of Object.keys(CONDITIONS)) {
    for (let i = 0; i < runs; i++) {
      for (const side of Object.keys(sides)) (times[`${side} ${condition}`] ??= []).push(await timeToFirstResult(chromium.browser, servers[side].url, condition));
    }
  }
  const size = (r) => ({ before: r.total.brotli.out, deferred: (r.total.deferred?.brotli ?? 0) + (r.lazyAsyncio?.brotli ?? 0), functions: r.total.deferred?.functions ?? 0 });
  rows.push({ app: spec.name, whole: size(sides.whole.report), lazy: size(sides.lazy.report), times: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, spread(v)])) });
  for (const s of Object.values(servers)) await s.close();
  for (const s of Object.values(sides)) rmSync(s.out, { recursive: true, force: true });
  console.error(`done ${spec.name}`);
}

// First-call latency: the fixture's check branch is what a click would run.
const calls = { cold: [], prefetched: [] };
if (against === "whole") {
  const fixture = { app: join(repo, "fixtures", "apps", "lazy-bodies", "app.py"), pyodide: "0.29.3", findLinks: [], transforms: { pycApp: true } };
  const { out } = await packed(fixture, true);
  copyFileSync(join(repo, "benchmarks", "first-call.html"), join(out, "first-call.html"));
  const server = await startServer({ "/": out }, { precompressed: true });
  for (let i = 0; i < runs; i++) for (const mode of ["cold", "prefetched"]) calls[mode].push(await firstCall(chromium.browser, server.url, mode === "prefetched"));
  await server.close();
  rmSync(out, { recursive: true, force: true });
}
await chromium.close();

console.log(`Brotli kB before the first result (deferred), and ms to first result in Chromium, median (min–max) of ${runs}, ${against} → lazy.\n`);
console.log(`| app | ${against} kB | lazy kB (+ deferred) | functions stubbed | × pyodide-pack | unthrottled ms | 20 Mbit/s ms |`);
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const base = PYODIDE_PACK[r.app];
  const ratio = base ? `${(r.lazy.before / 1000 / base).toFixed(2)} (was ${(r.whole.before / 1000 / base).toFixed(2)})` : "–";
  const t = (c) => `${formatSpread(r.times[`whole ${c}`])} → ${formatSpread(r.times[`lazy ${c}`])}`;
  console.log(`| ${r.app} | ${kB(r.whole.before)} | ${kB(r.lazy.before)} (+ ${kB(r.lazy.deferred)}) | ${r.lazy.functions.toLocaleString("en-US")} | ${ratio} | ${t("unthrottled")} | ${t("20 Mbit/s")} |`);
}
if (against === "whole") console.log(`\nFirst call to a function whose body is deferred (fixtures/apps/lazy-bodies, lazydemo.fact), ms, median (min–max) of ${runs}: bodies fetched by the call ${formatSpread(spread(calls.cold))}; prefetched ${formatSpread(spread(calls.prefetched))}.`);
