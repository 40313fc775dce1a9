// PyScript pages: bytes a first-time visitor downloads and time to PyScript's py:all-done
// in headless Chromium, stock PyScript vs the packed page, for each PyScript fixture.
// Stock: PyScript self-hosted (@pyscript/core's dist, as its "Running Offline" guide lays
// it out) with Pyodide 314 whole beside it (interpreter ./pyodide/pyodide.mjs) and the
// config's packages installed by micropip at every visit, from the runtime's lock (its
// micropip and mpmath entries pointed at ../shared/wheels/pure's, whose sha256 differs).
// Packed: `pack index.html`. Both served with .br sidecars from one local server per
// folder, a fresh browser context per load, unthrottled and at 20 Mbit/s, alternating.
// Usage: npm run build && node benchmarks/pyscript-pages.mjs [--runs N] [fixture ...]
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pack } from "../dist/packer/index.js";
import { writeSidecars } from "../dist/packer/output/bundle.js";
import { defaultCacheDir } from "../dist/analyzers/fetch-cache.js";
import { SizeMeter } from "../dist/packer/output/sizes.js";
import { launchChromium } from "../dist/runtime/host/chromium-host.js";
import { findDist } from "../dist/runtime/host/pyodide-dist.js";
import { formatSpread, kB, REPO, spread, WHEELS_PURE } from "./apps.mjs";
import { CONDITIONS, serve } from "./page-loads.mjs";

const FIXTURES = [
  { name: "hello (stdlib, files)", dir: join(REPO, "fixtures", "pyscript", "hello"), args: [] },
  { name: "digits (packages: mpmath)", dir: join(REPO, "fixtures", "pyscript", "digits"), args: ["--find-links", WHEELS_PURE] },
];
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const only = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs");
const meter = new SizeMeter(defaultCacheDir());
const PYSCRIPT = join(dirname(createRequire(join(REPO, "noop.js")).resolve("@pyscript/core/package.json")), "dist");

/** Every file under dir, by its path relative to it. */
function listFiles(dir, under = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, under) : [relative(under, path)];
  });
}

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The fixture as its author deploys it without pack: PyScript and Pyodide 314 self-hosted, whole. */
async function stockFolder(fixture, dist) {
  const dir = mkdtempSync(join(tmpdir(), "bench-pyscript-stock-"));
  cpSync(fixture.dir, dir, { recursive: true, filter: (p) => !p.endsWith(".mjs") });
  cpSync(PYSCRIPT, join(dir, "pyscript"), { recursive: true, filter: (p) => !p.endsWith(".map") });
  mkdirSync(join(dir, "pyodide"));
  for (const f of [...dist.runtimeFiles, "python_stdlib.zip"]) copyFileSync(join(dist.dir, f), join(dir, "pyodide", f));
  // The lock's micropip and mpmath, as the wheels this machine has.
  const lock = JSON.parse(readFileSync(join(dist.dir, "pyodide-lock.json"), "utf8"));
  for (const wheel of readdirSync(WHEELS_PURE).filter((w) => /^(micropip|mpmath)-/.test(w))) {
    const [name, version] = wheel.split("-");
    copyFileSync(join(WHEELS_PURE, wheel), join(dir, "pyodide", wheel));
    Object.assign(lock.packages[name], { file_name: wheel, version, sha256: sha256(join(WHEELS_PURE, wheel)) });
  }
  writeFileSync(join(dir, "pyodide", "pyodide-lock.json"), JSON.stringify(lock));
  // PyScript from ./pyscript/, its interpreter ./pyodide/pyodide.mjs (config by file or <py-config>).
  let page = readFileSync(join(dir, "index.html"), "utf8").replace(/https:\/\/pyscript\.net\/releases\/[^/]+\//g, "./pyscript/");
  const interpreter = 'interpreter = "./pyodide/pyodide.mjs"';
  const tomlFile = /config="([^"]+\.toml)"/.exec(page)?.[1];
  if (tomlFile) writeFileSync(join(dir, tomlFile), `${interpreter}\n${readFileSync(join(dir, tomlFile), "utf8")}`);
  else page = page.replace(/<py-config>/, `<py-config>\n    ${interpreter}`);
  writeFileSync(join(dir, "index.html"), page);
  await writeSidecars(dir, listFiles(dir), meter);
  return dir;
}

/** One visit in a fresh context: ms to py:all-done (since navigation), and the bytes (bodies as sent, brotli) and requests the page made by then. */
async function visit(browser, served, condition) {
  served.sent = [];
  const context = await browser.createBrowserContext();
  try {
    const tab = await context.newPage();
    if (CONDITIONS[condition]) await tab.emulateNetworkConditions(CONDITIONS[condition]);
    await tab.evaluateOnNewDocument(() => addEventListener("py:all-done", () => (window.benchAllDone = performance.now())));
    await tab.goto(`${served.url}/index.html`);
    await tab.waitForFunction(() => window.benchAllDone !== undefined, { timeout: 600_000, polling: 50 });
    // What the page asked for before py:all-done (a packed page prefetches right after;
    // the server's own count runs on until the poll above sees the event).
    return await tab.evaluate(() => {
      const done = window.benchAllDone;
      const before = performance.getEntriesByType("resource").filter((e) => e.startTime <= done);
      const [navigation] = performance.getEntriesByType("navigation");
      return { ms: Math.round(done), bytes: navigation.encodedBodySize + before.reduce((n, e) => n + e.encodedBodySize, 0), requests: 1 + before.length };
    });
  } finally {
    await context.close();
  }
}

const dist = findDist("314", REPO);
const chromium = await launchChromium();
const rows = [];
try {
  for (const fixture of FIXTURES.filter((f) => only.length === 0 || only.some((o) => f.name.startsWith(o)))) {
    const out = mkdtempSync(join(tmpdir(), "bench-pyscript-packed-"));
    await pack({ app: join(fixture.dir, "index.html"), out, pyodide: "314", ...(fixture.args.length ? { findLinks: [fixture.args[1]] } : {}) });
    const stock = await stockFolder(fixture, dist);
    const servers = { stock: await serve(stock), packed: await serve(out) };
    for (const condition of Object.keys(CONDITIONS)) {
      const seen = { stock: [], packed: [] };
      for (let i = 0; i < runs; i++) {
        for (const kind of i % 2 === 0 ? ["stock", "packed"] : ["packed", "stock"]) seen[kind].push(await visit(chromium.browser, servers[kind], condition));
      }
      const bytes = (kind) => seen[kind][0].bytes;
      const ms = (kind) => spread(seen[kind].map((v) => v.ms));
      rows.push({ fixture: fixture.name, condition, stock: { bytes: bytes("stock"), ms: ms("stock"), requests: seen.stock[0].requests }, packed: { bytes: bytes("packed"), ms: ms("packed"), requests: seen.packed[0].requests } });
      console.error(`${fixture.name} ${condition}: stock ${kB(bytes("stock"))} kB ${formatSpread(ms("stock"))} ms, packed ${kB(bytes("packed"))} kB ${formatSpread(ms("packed"))} ms`);
    }
    await servers.stock.close();
    await servers.packed.close();
    rmSync(stock, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
} finally {
  await chromium.close();
}

console.log(`| page | network | stock kB (requests) | packed kB (requests) | bytes | stock ms to py:all-done, median (min–max) | packed ms | speed-up |`);
console.log(`|---|---|---:|---:|---:|---|---|---:|`);
for (const r of rows) {
  console.log(
    `| ${r.fixture} | ${r.condition === "throttled" ? "20 Mbit/s" : "unthrottled"} | ${kB(r.stock.bytes)} (${r.stock.requests}) | ${kB(r.packed.bytes)} (${r.packed.requests}) | ${(r.packed.bytes / r.stock.bytes).toFixed(2)}× | ${formatSpread(r.stock.ms)} | ${formatSpread(r.packed.ms)} | ${(r.stock.ms.median / r.packed.ms.median).toFixed(2)}× |`,
  );
}
