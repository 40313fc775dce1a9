import type { CodeKey } from "../page/loader/bodies.mjs";
import type { RunOutcome } from "../page/loader/run.mjs";
import type { SplitUse } from "../page/loader/runtime-split.mjs";
import type { TraceResult as TracedRun } from "../trace/session.mjs";
import type { PyodideDist } from "./pyodide-dist.ts";

/** How a run of the app ended (runtime/page/loader/run.mjs declares it). */
export type { RunOutcome };

/** What one run of the app printed and how it ended. */
export interface AppRun {
  stdout: string;
  stderr: string;
  outcome: RunOutcome;
  /**
   * Milliseconds, when the host measured them: load (runtime, stdlib, bundle, .so) and
   * its parts runtime, bundle (rest of its fetch, unpacking) and dynlibs; run (imports
   * and the app); total (since navigation).
   */
  timings?: { runtime?: number; bundle?: number; dynlibs?: number; load?: number; run?: number; total?: number };
  /** A PyScript page's text when its scripts were all done (runtime/page/loader/pyscript.mjs). */
  page?: string;
  /** Every request the page made (Chromium bundle runs), in order. */
  requests?: PageRequest[];
  /** Page scenarios replayed after the app (Chromium), each with what it printed. */
  scenarios?: { path: string; outcome: RunOutcome; stdout: string }[];
  /** What the loader's fallback put back, with the warning it logged for each. */
  fallbacks?: { wanted: string; archive: string; warning: string; fetched: string[]; waited: boolean }[];
  /** Deferred function bodies (runtime/page/loader/bodies.mjs BodiesUse). */
  bodies?: { loaded: string[]; files: string[]; functions: number; refused: CodeKey[]; called: CodeKey[] };
  /** The runtime's deferred module, where the runtime is split (runtime/page/loader/runtime-split.mjs SplitUse). */
  runtimeSplit?: SplitUse;
  /** The runtime's deferred data (runtime/page/loader/runtime-data.mjs RuntimeDataUse). */
  runtimeData?: { filled: string[]; refused: string[] };
  /** With options.profile: the runtime wasm's defined functions that ran. */
  runtimeRan?: number[];
}

/**
 * The environment pack's hosts run an app in, traced or bundled: one string hash seed, so
 * that an app printing a set prints it in the same order in the trace and in the
 * validation (stock Pyodide draws a seed at every start, as CPython does).
 */
export const RUN_ENV: Readonly<Record<string, string>> = { PYTHONHASHSEED: "0" };

/** [co_filename, co_qualname, co_firstlineno]: a code object, as a .pyc's can be matched (runtime/page/loader/bodies.mjs). */
export type { CodeKey };

export interface BundleRunOptions {
  /** false: run the bundle alone, without its fallback (what validation proves). */
  fallback?: boolean;
  /**
   * false: load no deferred function body (a stub's call fails naming its function);
   * "record": load them, keeping every stub so that each call is reported.
   */
  bodies?: boolean | "record";
  /** Page scenarios (.mjs) to replay after the app, as the trace ran them. */
  pageScenarios?: string[];
  /** Boot this copy of the bundle's runtime, and tell which of its functions ran (AppRun.runtimeRan). */
  profile?: ProfiledRuntime;
  /** false: nothing is prefetched after the app's first result (the page's runBundle option). */
  prefetch?: boolean;
  /** false: the split runtime's deferred module is off (a stub's call fails, AppRun.runtimeSplit.refused). */
  deferredRuntime?: boolean;
  /** false: the runtime's deferred data stays out (importing a module that reads it fails, AppRun.runtimeData.refused). */
  runtimeData?: boolean;
  /** Hears why a page crashed, before it runs once more (Chromium; a second crash fails the run). */
  onCrash?: (detail: string) => void;
}

/** A request the traced page made besides pack's own files (Chromium only). */
export interface PageRequest {
  /** Path on the page's own origin ("/data.csv"); absent for another origin. */
  path?: string;
  url: string;
  /** HTTP status; 0 when no response came (refused, offline, blocked). */
  status: number;
  /** Content-Length of the response, 0 when it had none. */
  bytes: number;
  /** What made it, as Chromium tells: fetch (pyfetch, js.fetch), xhr (open_url), image, ... */
  via: string;
}

/** Everything one traced run saw (runtime/trace/session.mjs declares it), and what the page fetched. */
export interface TraceResult extends TracedRun {
  /** What the page fetched besides pack's own files, in request order. */
  requests: PageRequest[];
}

/** A copy of the runtime whose wasm records which of its functions ran (transforms/wasm-profile.ts). */
export interface ProfiledRuntime {
  /** Folder holding it, laid out as the runtime's own. */
  dir: string;
  /** Its wasm's defined functions. */
  functions: number;
}

export interface TraceJob {
  dist: PyodideDist;
  /** Boot this copy of the runtime, and tell which of its functions ran (TraceResult.runtimeRan). */
  profile?: ProfiledRuntime;
  /** Staged stored zips (absolute paths) installed before the app runs, in order. */
  archives: string[];
  /** FS path of the app's main file. */
  main: string;
  /** FS paths of scenario files run after it. */
  scenarios: string[];
  /** Page scenarios (.mjs, host paths) run after those, driving the page (Chromium). */
  pageScenarios?: string[];
  tracerSource: string;
  monitorSource: string;
  /** asyncio and Pyodide's event loop wait until the app uses them (loader/startup.mjs). */
  lazyAsyncio: boolean;
  timeoutMs: number;
  /** Folder served at the page's base URL, as it will be deployed (Chromium). */
  site?: string;
  /**
   * The user's own page (--html), served as /index.html in place of pack's trace page; its
   * loader.mjs is pack's trace loader, and the trace ends when its runBundle() has (Chromium).
   */
  html?: string;
  /**
   * What the app asks to install while it runs (micropip.install, pyodide.loadPackage):
   * the stored zips to unpack, written beside job.archives (Chromium).
   */
  install?: (requirements: string[], via: string) => Promise<string[]>;
  /** Hears why the page crashed, before the trace runs once more (Chromium; a second crash fails it). */
  onCrash?: (detail: string) => void;
}

/** A place that boots Pyodide: headless Chromium or a Node worker. */
export interface Host {
  readonly name: "chromium" | "node";
  /**
   * Starts what the first job needs (Chromium) while the caller does other work; a
   * failure to start surfaces in that job, not here.
   */
  start(): void;
  trace(job: TraceJob): Promise<TraceResult>;
  /** Runs a written bundle folder the way a user's page would. */
  runBundle(dir: string, timeoutMs: number, options?: BundleRunOptions): Promise<AppRun>;
  close(): Promise<void>;
}

/** What a traced run last said of itself (runtime/trace/session.mjs). */
export interface Progress {
  stage: string;
  /** The last line it printed, when it has printed one. */
  line?: string;
  /** The module it was importing, when that came after the line. */
  module?: string;
}

/** The stage session.mjs reports when the app's main file starts. */
export const APP_RUNNING = "running the app";

/** The last sign of life of a run, and when it came: what a timeout names. */
export class SignsOfLife {
  #last: { sign: Progress; at: number } | undefined;
  #appStarted: () => void = () => {};
  /** Settles at the first sign of the app itself running: booting and installing are done. */
  readonly appStarted = new Promise<void>((done) => (this.#appStarted = done));

  note(sign: Progress): void {
    this.#last = { sign, at: Date.now() };
    if (sign.stage === APP_RUNNING) this.#appStarted();
  }

  /** "7 s ago: running the app, importing fractions after printing "step 2"", or undefined before any sign. */
  describe(now = Date.now()): string | undefined {
    if (!this.#last) return undefined;
    const { sign, at } = this.#last;
    const what = [sign.stage, sign.module ? `, importing ${sign.module}` : "", sign.line ? ` after printing ${JSON.stringify(sign.line)}` : ""].join("");
    return `${Math.round((now - at) / 1000)} s ago: ${what}`;
  }
}

/** Rejects with onTimeout() unless work settles within ms. With restartAt, the clock starts
 * again when it settles: --timeout is the app's own time, and a runtime that boots slowly
 * on a loaded machine does not spend it (booting gets ms of its own, so nothing waits forever). */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error, restartAt?: Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(onTimeout()), ms);
    restartAt?.then(() => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(onTimeout()), ms);
    });
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
