// Loading a page in headless Chromium as a first-time visitor would, for the benchmarks
// that time it (load-time.mjs, runtime-split.mjs, runtime-data.mjs): one local server per folder that
// sends the .br sidecar of every file (as nginx brotli_static), a fresh browser context
// per load (cold cache), and DevTools network emulation for the throttled runs.
import { startServer } from "../dist/runtime/host/server.js";

export const CONDITIONS = {
  unthrottled: undefined,
  throttled: { download: 20e6 / 8, upload: 5e6 / 8, latency: 40 },
};

/** A server for one folder for all of an app's runs; each load reads what it sent. */
export async function serve(dir) {
  const served = { sent: [] };
  const server = await startServer({ "/": dir }, { precompressed: true, onRequest: (path, _e, bytes) => served.sent.push([path, bytes]) });
  return Object.assign(served, { url: server.url, close: () => server.close() });
}

/**
 * Opens page in a fresh context and waits for its first result: the page's result, and
 * the bytes sent for it by then, split into the runtime's files (runtimeFiles under
 * /pyodide/) and the rest. options.before runs in the page before it loads (the
 * loader's options); options.after gets the tab once the result is there.
 */
export async function load(browser, served, page, runtimeFiles, condition, options = {}) {
  served.sent = [];
  const context = await browser.createBrowserContext();
  try {
    const tab = await context.newPage();
    if (CONDITIONS[condition]) await tab.emulateNetworkConditions(CONDITIONS[condition]);
    if (options.pageOptions) await tab.evaluateOnNewDocument((o) => Object.assign(window, { pyodidePackerOptions: o }), options.pageOptions);
    await tab.goto(`${served.url}/${page}`);
    await tab.waitForSelector("html[data-status]", { timeout: 600_000 });
    const result = await tab.evaluate(() => window.pyodidePackerResult);
    const sent = [...served.sent];
    const runtime = sent.filter(([p]) => p.startsWith("/pyodide/") && runtimeFiles.includes(p.slice("/pyodide/".length)));
    const sum = (xs) => xs.reduce((n, [, b]) => n + b, 0);
    const after = options.after ? await options.after(tab) : undefined;
    return { ...result, bytes: { runtime: sum(runtime), rest: sum(sent) - sum(runtime) }, after };
  } finally {
    await context.close();
  }
}

/**
 * Two (or more) packs of one app side by side: each side's output served by its own
 * server, its page loaded runs times per condition, the sides alternating. extra(served)
 * runs more loads before the servers close. Returns the loads by "side condition".
 */
export async function loadSides(browser, outs, runs, runtimeFiles, extra = async () => {}) {
  const served = Object.fromEntries(await Promise.all(Object.entries(outs).map(async ([side, out]) => [side, await serve(out)])));
  const loads = {};
  try {
    for (const condition of Object.keys(CONDITIONS)) {
      for (let i = 0; i < runs; i++) {
        for (const side of Object.keys(outs)) {
          const r = await load(browser, served[side], "index.html", runtimeFiles, condition);
          if (!r.outcome?.ok) throw new Error(`${side}: ${r.outcome?.error}`);
          (loads[`${side} ${condition}`] ??= []).push(r);
        }
      }
    }
    await extra(served);
  } finally {
    for (const s of Object.values(served)) await s.close();
  }
  return loads;
}
