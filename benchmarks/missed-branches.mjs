// What a click the trace never saw costs (fixtures/apps/missed-branches): for each
// branch, the bytes its misses fetched (the fallback's and the deferred bodies' requests,
// as sent: .br sidecars; beside them, what else its new code needed: the runtime's
// deferred module, asyncio's start) and the app's run time on the page (the branch runs in it, so
// from the "click" to its output), unthrottled and at 20 Mbit/s, median of runs
// alternating between two output folders; and what each folder's fallback/ and bodies/
// add to the deploy folder. The page reads nothing ahead (prefetch off): a click before
// the prefetch has ended, the worst case.
// Usage: npm run build && node benchmarks/missed-branches.mjs [BEFORE_DIR [AFTER_DIR]] [--runs N]
// BEFORE_DIR: the same app packed by another build (an older commit) to compare with;
// AFTER_DIR: instead of packing it with this build.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { pack } from "../dist/packer/index.js";
import { buildPureWheel } from "../fixtures/wheels.mjs";
import { kB, median, REPO } from "./apps.mjs";
import { CONDITIONS, load, serve } from "./page-loads.mjs";

const BRANCHES = ["fractions", "statistics", "csv", "difflib", "email", "minidom", "package", "data", "stub"];
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 3;
const before = args[0];

const work = mkdtempSync(join(tmpdir(), "bench-missed-"));
let after = args[1];
if (!after) {
  const wheels = join(work, "wheels");
  mkdirSync(wheels);
  buildPureWheel("docdemo", "1.0", wheels);
  after = join(work, "out");
  await pack({ app: join(REPO, "fixtures", "apps", "missed-branches", "app.py"), cwd: REPO, requires: ["docdemo"], findLinks: [wheels], out: after });
}

/** Raw bytes under a folder and how many files, those that keep(name) says. */
function folder(dir, keep = () => true) {
  let bytes = 0;
  let files = 0;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(name)) {
        bytes += statSync(path).size;
        files++;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, files };
}
/** Sidecars left out: a server sends one of the three. */
const noSidecars = (name) => !/\.(br|gz)$/.test(name);

const outs = before ? { before, after } : { after };
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
const results = {};
try {
  const servers = Object.fromEntries(await Promise.all(Object.entries(outs).map(async ([name, dir]) => [name, await serve(dir)])));
  for (const condition of Object.keys(CONDITIONS)) {
    for (const branch of BRANCHES) {
      for (let run = 0; run < RUNS; run++) {
        // Alternating: the machine's noise falls on both alike.
        for (const name of Object.keys(outs)) {
          const served = servers[name];
          const { timings, stdout } = await load(browser, served, `index.html?${branch}`, [], condition, { pageOptions: { prefetch: false } });
          if (!stdout?.startsWith(`${branch}: `)) throw new Error(`${name} ${branch}: ${stdout}`);
          const sum = (re) => served.sent.filter(([p]) => re.test(p)).reduce((n, [, b]) => n + b, 0);
          const row = ((results[condition] ??= {})[branch] ??= {});
          (row[name] ??= { ms: [], bytes: [], runtime: [] }).ms.push(timings.run);
          row[name].bytes.push(sum(/^\/(fallback|bodies)\//));
          // What else new code can need: the runtime's deferred module, asyncio's start.
          row[name].runtime.push(sum(/^\/(pyodide\/pyodide\.asm\.deferred\.wasm|startup\/)/));
        }
      }
    }
  }
  await Promise.all(Object.values(servers).map((s) => s.close()));
} finally {
  await browser.close();
}

const names = Object.keys(outs);
console.log(`| branch | ${names.map((n) => `${n}: fallback + bodies kB (runtime's rest, asyncio)`).join(" | ")} | ${Object.keys(CONDITIONS).flatMap((c) => names.map((n) => `${n} ms, ${c}`)).join(" | ")} |`);
console.log(`|---|${names.map(() => "---:").join("|")}|${Object.keys(CONDITIONS).flatMap(() => names.map(() => "---:")).join("|")}|`);
for (const branch of BRANCHES) {
  const cells = names.map((n) => `${kB(median(results.unthrottled[branch][n].bytes))} (${kB(median(results.unthrottled[branch][n].runtime))})`);
  const times = Object.keys(CONDITIONS).flatMap((c) => names.map((n) => String(median(results[c][branch][n].ms))));
  console.log(`| ${branch} | ${cells.join(" | ")} | ${times.join(" | ")} |`);
}
console.log();
console.log("| output | fallback/ raw kB (files) | bodies/ raw kB (files) | whole folder raw kB, sidecars included |");
console.log("|---|---:|---:|---:|");
for (const [name, dir] of Object.entries(outs)) {
  const [f, b] = [folder(join(dir, "fallback"), noSidecars), folder(join(dir, "bodies"), noSidecars)];
  console.log(`| ${name} | ${kB(f.bytes)} (${f.files}) | ${kB(b.bytes)} (${b.files}) | ${kB(folder(dir).bytes)} |`);
}
rmSync(work, { recursive: true, force: true });
