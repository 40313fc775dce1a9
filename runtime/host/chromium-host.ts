import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import puppeteer, { type Browser, type HTTPRequest, type HTTPResponse, type Page } from "puppeteer-core";
import { PackError } from "./errors.ts";
import { assetPath } from "./assets.ts";
import { RUN_ENV, SignsOfLife, withTimeout, type AppRun, type BundleRunOptions, type Host, type PageRequest, type Progress, type TraceJob, type TraceResult } from "./host.ts";
import { fingerprint } from "./files.ts";
import { runPageScenario } from "./page-scenarios.ts";
import { resolveRequest, startServer, type Mounts, type ServerOptions } from "./server.ts";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Headless Chromium 156 renders the omnibox popup's WebUI in a hidden renderer for every
  // browser and every new window; it burns 0.6-0.75 s of CPU next to Pyodide's boot (on two
  // cores: median boot 3377 ms with it, 2768 ms without; benchmarks/RESULTS.md). No page
  // we load uses it; both need turning off, either alone leaves the renderer running.
  "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
];

export function chromiumPath(): string {
  return process.env.PYODIDE_PACKER_CHROMIUM ?? "/usr/bin/chromium";
}

/** Launches Debian's Chromium with a fresh profile; the caller closes it. */
/** A launched Chromium; lastWords: the last line of its stderr that tells of a fault, if any. */
export interface LaunchedChromium {
  browser: Browser;
  lastWords(): string | undefined;
  close(): Promise<void>;
}

/**
 * What Chromium prints to stderr as a renderer or the browser fails; not its crash
 * reporter's own complaints, which it prints whatever happens.
 */
export function tellsOfFault(line: string): boolean {
  return /FATAL|Check failed|out of memory|\bOOM\b|Received signal|renderer.*(crash|killed)/i.test(line) && !/crashpad/i.test(line);
}

export async function launchChromium(): Promise<LaunchedChromium> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new PackError("BROWSER_NOT_FOUND", { path: executablePath });
  const profile = mkdtempSync(join(tmpdir(), "pyodide-packer-chromium-"));
  const browser = await puppeteer.launch({ executablePath, args: CHROMIUM_ARGS, userDataDir: profile });
  // Why a renderer went, where Chromium says: kept for the one line a crash reports.
  let lastWords: string | undefined;
  browser.process()?.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (tellsOfFault(line)) lastWords = line.trim().slice(0, 200);
  });
  return {
    browser,
    lastWords: () => lastWords,
    async close() {
      await browser.close().catch(() => browser.process()?.kill("SIGKILL"));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Fault injection for the tests of crash recovery: PYODIDE_PACKER_CRASH_PAGES=N crashes
 * the renderer of the next N pages this process opens, a second after they load.
 */
let crashesLeft: number | undefined;
function injectCrash(page: Page): void {
  crashesLeft ??= Number(process.env.PYODIDE_PACKER_CRASH_PAGES ?? 0) || 0;
  if (crashesLeft <= 0) return;
  crashesLeft--;
  setTimeout(() => {
    void page
      .createCDPSession()
      .then((cdp) => cdp.send("Page.crash"))
      .catch(() => {}); // the session dies with the page it crashed
  }, 1000).unref();
}

/** Resets the fault injection, for a test that sets PYODIDE_PACKER_CRASH_PAGES anew. */
export function resetCrashInjection(): void {
  crashesLeft = undefined;
}

/** Below the traced page's root: pack's own files (its page is /index.html, its loader /loader.mjs). */
const OWN = "/.pyodide-packer/";

/**
 * Collects what the page requests besides pack's own files, as each response arrives (or
 * the request fails): its path on the page's origin (or its URL elsewhere), status and
 * size. settle() waits, briefly, for the events of requests still in flight.
 */
function recordRequests(page: Page, into: PageRequest[], own = (path: string) => path === "/loader.mjs" || path.startsWith(OWN) || path.startsWith("/pyodide/")): { settle(): Promise<void> } {
  const pending = new Set<HTTPRequest>();
  const note = (request: HTTPRequest, response: HTTPResponse | null) => {
    pending.delete(request);
    const url = new URL(request.url());
    // The page itself is no request of the app's.
    if ((url.protocol !== "http:" && url.protocol !== "https:") || request.isNavigationRequest()) return;
    const sameOrigin = url.origin === new URL(page.url() || request.url()).origin;
    const path = decodeURIComponent(url.pathname);
    const via = request.resourceType();
    if (sameOrigin && (own(path) || (via === "other" && path === "/favicon.ico"))) return;
    into.push({
      ...(sameOrigin ? { path } : {}),
      url: url.href,
      status: response?.status() ?? 0,
      bytes: Number(response?.headers()["content-length"] ?? 0),
      via,
    });
  };
  page.on("request", (request) => pending.add(request));
  page.on("response", (response) => note(response.request(), response));
  page.on("requestfailed", (request) => note(request, null));
  return {
    async settle() {
      // DevTools sends network events apart from the evaluation's result: a response the
      // app has already seen may not have been reported yet.
      for (let waited = 0; pending.size > 0 && waited < 2000; waited += 20) await new Promise((done) => setTimeout(done, 20));
    },
  };
}

/** Where a bundle's runtime wasm is served (its manifest's runtime folder). */
function profiledWasmPath(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { runtime: string };
  return `/${manifest.runtime}pyodide.asm.wasm`;
}

/**
 * In the page: the runtime's functions that ran, read through pack's own adapter. A
 * string, since tsc would rewrite a function's import() into a helper the page lacks.
 */
function profiledFunctions(functions: number): string {
  return `import("${OWN}shared/pyodide-adapter.mjs").then((adapter) => adapter.functionsThatRan(window.pyodidePackerPyodide, ${functions}))`;
}

/** Runtime files a browser may keep between jobs: the code it compiles from them is most of a boot. */
const KEPT_RUNTIME_FILES = ["pyodide.asm.wasm", "pyodide.asm.js", "pyodide.asm.mjs"].map((name) => `/pyodide/${name}`);

/**
 * Pyodide in headless Chromium, pages served from 127.0.0.1. One browser serves every
 * job; a job that times out takes the browser down with it and the next one starts anew.
 *
 * Jobs share one origin and the browser's own fresh profile, and the runtime's wasm and
 * JS go out as immutable, so a later job (validation after the trace) reuses the code
 * Chromium compiled from them. The host checks what caching would skip: a job that would
 * serve other bytes at one of those paths gets a new origin, and so a cold cache.
 */
export class ChromiumHost implements Host {
  readonly name = "chromium";
  #chromium: Promise<LaunchedChromium> | undefined;
  /** This host's origin and what it told the browser to keep: path → fingerprint. */
  #origin: { port: number; kept: Map<string, string> } | undefined;

  start(): void {
    this.#launch().catch(() => {});
  }

  #launch() {
    return (this.#chromium ??= launchChromium());
  }

  /**
   * The page traced is the page that ships (pack's index.html, or --html), at the site's
   * root where it will be deployed, so that a page scenario finds the same elements and
   * what the app fetches by relative URL resolves as it will; only its ./loader.mjs is
   * pack's trace loader. Pack's own files are under /.pyodide-packer/ and the runtime
   * under /pyodide/, as in the output.
   */
  async trace(job: TraceJob): Promise<TraceResult> {
    return this.#onceMoreIfCrashed(() => this.#traceOnce(job), job.onCrash);
  }

  /**
   * A page whose renderer crashed, or a browser that dropped its DevTools connection, is
   * no fault of the app's: the job runs once more in a new browser, onCrash hearing why,
   * and a second crash fails it (HOST_CRASHED). Chromium 156 crashes a renderer now and
   * then while Pyodide runs, always at one instruction (benchmarks/RESULTS.md); a slow
   * app is never run again.
   */
  async #onceMoreIfCrashed<T>(job: () => Promise<T>, onCrash?: (detail: string) => void): Promise<T> {
    try {
      return await job();
    } catch (error) {
      if (!(error instanceof PackError && error.code === "HOST_CRASHED")) throw error;
      onCrash?.((error.args as { detail: string }).detail);
      return job();
    }
  }

  async #traceOnce(job: TraceJob): Promise<TraceResult> {
    const stageDir = dirname(job.archives[0] ?? assetPath("trace"));
    const mounts: Mounts = {
      ...(job.site ? { "/": job.site } : {}),
      "/index.html": job.html ?? assetPath("page/index.html"),
      "/loader.mjs": assetPath("trace/trace-loader.mjs"),
      "/pyodide/": job.profile?.dir ?? job.dist.dir,
      // What the trace page runs: its own room, the loader it shares with the page, and theirs.
      ...Object.fromEntries(["page", "trace", "shared"].map((room) => [`${OWN}${room}/`, assetPath(room)])),
      [`${OWN}stage/`]: stageDir,
    };
    const requests: PageRequest[] = [];
    let recorder: ReturnType<typeof recordRequests> | undefined;
    const signs = new SignsOfLife();
    const requestFor = (url: string) => ({
      indexURL: `${url}/pyodide/`,
      lockInfo: job.dist.lockInfo,
      archives: job.archives.map((a) => `${url}${OWN}stage/${basename(a)}`),
      main: job.main,
      scenarios: job.scenarios,
      pageScenarios: job.pageScenarios ?? [],
      tracerSource: job.tracerSource,
      monitorSource: job.monitorSource,
      lazyAsyncio: job.lazyAsyncio,
      runtimeFunctions: job.profile?.functions,
      env: RUN_ENV,
    });
    const record = async (page: Page) => {
      recorder = recordRequests(page, requests);
      await page.exposeFunction("pyodidePackerTraceRequest", () => requestFor(new URL(page.url()).origin));
      await page.exposeFunction("pyodidePackerProgress", (sign: Progress) => signs.note(sign));
      await page.exposeFunction("pyodidePackerPageScenario", (path: string) => runPageScenario(page, path));
      await page.exposeFunction("pyodidePackerInstall", async (requirements: string[], via: string) => {
        if (!job.install) throw new Error(`${via}(${requirements.join(", ")}): this trace installs nothing while the app runs`);
        const origin = new URL(page.url()).origin;
        return (await job.install(requirements, via)).map((archive) => `${origin}${OWN}stage/${basename(archive)}`);
      });
    };
    type Traced = Omit<TraceResult, "requests">;
    type TracePage = { pyodidePackerLastRun?: unknown; pyodidePackerTraceFailed?: string; pyodidePackerTraceFinish(): Promise<Traced> };
    const result = await this.#inPage(mounts, "/index.html", job.timeoutMs, {}, async (page) => {
      // The page runs the app when it will; the trace goes on until its runBundle() ends.
      signs.note({ stage: "waiting for the page to call runBundle() from ./loader.mjs" });
      await page.waitForFunction(
        () => (window as unknown as TracePage).pyodidePackerLastRun !== undefined || (window as unknown as TracePage).pyodidePackerTraceFailed !== undefined,
        { timeout: 0, polling: 100 },
      );
      const failed = await page.evaluate(() => (window as unknown as TracePage).pyodidePackerTraceFailed);
      if (failed !== undefined) throw new Error(failed);
      const traced = await page.evaluate(() => (window as unknown as TracePage).pyodidePackerTraceFinish());
      await recorder?.settle();
      return traced;
    }, record, signs);
    return { ...result, requests };
  }

  /**
   * server picks how the folder is served (plain by default, as a bare static host
   * would); search is the page's query string (?worker runs the app in a Web Worker).
   */
  async runBundle(dir: string, timeoutMs: number, options: BundleRunOptions & { server?: ServerOptions; search?: string } = {}): Promise<AppRun> {
    return this.#onceMoreIfCrashed(() => this.#runBundleOnce(dir, timeoutMs, options), options.onCrash);
  }

  async #runBundleOnce(dir: string, timeoutMs: number, options: BundleRunOptions & { server?: ServerOptions; search?: string }): Promise<AppRun> {
    const { profile } = options;
    const pageOptions = { fallback: options.fallback, bodies: options.bodies, prefetch: options.prefetch, deferredRuntime: options.deferredRuntime, runtimeData: options.runtimeData, pyodideOptions: { env: RUN_ENV } };
    // A profiled run serves the instrumented wasm in place of the bundle's, so that any
    // page (--html, ?worker) boots it.
    const mounts: Mounts = profile ? { "/": dir, [profiledWasmPath(dir)]: join(profile.dir, "pyodide.asm.wasm"), [`${OWN}shared/`]: assetPath("shared") } : { "/": dir };
    const requests: PageRequest[] = [];
    let recorder: ReturnType<typeof recordRequests> | undefined;
    const signs = new SignsOfLife();
    signs.note({ stage: "running the bundle" });
    const beforeLoad = (page: Page) => {
      recorder = recordRequests(page, requests, profile ? (path) => path.startsWith(OWN) : () => false);
      return page.evaluateOnNewDocument((o) => Object.assign(window, { pyodidePackerOptions: o }), pageOptions);
    };
    return this.#inPage(mounts, `/index.html${options.search ?? ""}`, timeoutMs, options.server ?? {}, async (page) => {
      type Ran = { pyodidePackerResult?: AppRun; pyodidePackerLastRun?: AppRun };
      // index.html sets data-status when its run is done; a page of the user's own has
      // its runBundle() leave the run behind.
      const result = () => page.evaluate(() => (window as unknown as Ran).pyodidePackerResult ?? (window as unknown as Ran).pyodidePackerLastRun!);
      await page.waitForFunction(
        () =>
          document.documentElement.dataset.status !== undefined ||
          ((window as unknown as Ran).pyodidePackerLastRun !== undefined && !document.querySelector('meta[name="generator"][content="pyodide-packer"]')),
        { timeout: 0, polling: 100 },
      );
      const run = await result();
      const withRequests = async (r: AppRun) => {
        await recorder?.settle();
        const runtimeRan = profile ? ((await page.evaluate(profiledFunctions(profile.functions))) as number[]) : undefined;
        return { ...r, requests, ...(runtimeRan ? { runtimeRan } : {}) };
      };
      if (!run.outcome.ok || !options.pageScenarios?.length) return withRequests(run);
      // Replayed as the trace ran them: what each printed is what the page's output
      // gained meanwhile.
      const scenarios: NonNullable<AppRun["scenarios"]> = [];
      for (const path of options.pageScenarios) {
        signs.note({ stage: `replaying the scenario ${basename(path)} on the bundle` });
        const before = (await result()).stdout.length;
        const outcome = await runPageScenario(page, path);
        scenarios.push({ path, outcome, stdout: (await result()).stdout.slice(before) });
        if (!outcome.ok) break;
      }
      // The app's own output stays what it printed before the scenarios.
      return withRequests({ ...(await result()), stdout: run.stdout, scenarios });
    }, beforeLoad, signs);
  }

  async close(): Promise<void> {
    const chromium = this.#chromium;
    this.#chromium = undefined;
    this.#origin = undefined;
    // A browser that failed to start has nothing to close; its job reported why.
    if (chromium) await chromium.then((c) => c.close(), () => {});
  }

  async #inPage<T>(
    mounts: Mounts,
    path: string,
    timeoutMs: number,
    serverOptions: ServerOptions,
    work: (page: Page, url: string) => Promise<T>,
    beforeLoad?: (page: Page) => Promise<unknown>,
    signs?: SignsOfLife,
  ) {
    const { browser, lastWords } = await this.#launch();
    const server = await this.#serve(mounts, serverOptions);
    const errors: string[] = [];
    let browserGone = false;
    let opened: Page | undefined;
    try {
      const page = (opened = await browser.newPage());
      // A first visit, always: a service worker an earlier bundle (--service-worker) left
      // on this origin would answer from its cache with that bundle's files.
      await page.setBypassServiceWorker(true);
      page.on("pageerror", (error) => errors.push(String((error as Error).message ?? error)));
      // A page whose renderer is gone, or a browser that closed the DevTools connection,
      // will never answer: say so now rather than at the timeout.
      let onGone: (reason: string) => void = () => {};
      const gone = new Promise<never>((_, reject) => {
        onGone = (reason) => reject(new PackError("HOST_CRASHED", { detail: `${reason}${signs?.describe() ? `; last sign of life ${signs.describe()}` : ""}` }));
      });
      page.once("error", () => {
        const said = lastWords();
        onGone(`the page crashed (Chromium's renderer is gone${said ? `; Chromium said: ${said}` : ""})`);
      });
      const disconnected = () => onGone("Chromium closed the DevTools connection");
      browser.once("disconnected", disconnected);
      const run = (async () => {
        await beforeLoad?.(page);
        await page.goto(server.url + path);
        injectCrash(page);
        return work(page, server.url);
      })();
      // Whichever loses the race below settles later, or never: nobody waits for it.
      run.catch(() => {});
      gone.catch(() => {});
      try {
        return await withTimeout(Promise.race([run, gone]), timeoutMs, () => new PackError("APP_TIMEOUT", { seconds: timeoutMs / 1000, sign: signs?.describe() }), signs?.appStarted);
      } finally {
        browser.off("disconnected", disconnected);
      }
    } catch (error) {
      if (error instanceof PackError) {
        if (error.code === "APP_TIMEOUT" || error.code === "HOST_CRASHED") {
          browserGone = true;
          await this.close();
        }
        throw error;
      }
      const detail = [(error as Error).message, ...errors].join("; ").split("\n")[0]!;
      throw new PackError("HOST_FAILED", { runner: "chromium", detail });
    } finally {
      if (!browserGone) await opened?.close().catch(() => {});
      await server.close();
    }
  }

  /** A server on this host's origin, or on a new one when a kept file would change. */
  async #serve(mounts: Mounts, options: ServerOptions) {
    const kept = new Map<string, string>();
    for (const path of KEPT_RUNTIME_FILES) {
      const file = resolveRequest(mounts, path);
      if (!file || !existsSync(file)) continue;
      // With precompression the browser may have been sent the sidecar: vouch for it too.
      const sidecar = options.precompressed && existsSync(`${file}.br`) ? fingerprint(`${file}.br`) : "";
      kept.set(path, `${fingerprint(file)}+${sidecar}`);
    }
    const origin = this.#origin;
    const changed = origin && [...kept].some(([path, print]) => (origin.kept.get(path) ?? print) !== print);
    const serverOptions = { ...options, port: changed ? undefined : origin?.port, immutable: new Set(kept.keys()) };
    let server = await startServer(mounts, serverOptions);
    const portOf = (s: { url: string }) => Number(new URL(s.url).port);
    // A new origin must not be the old port handed out again.
    while (changed && portOf(server) === origin.port) {
      const taken = server;
      server = await startServer(mounts, serverOptions);
      await taken.close();
    }
    const port = portOf(server);
    if (this.#origin?.port !== port) this.#origin = { port, kept: new Map() };
    for (const [path, print] of kept) this.#origin.kept.set(path, print);
    return server;
  }
}
