import type { ResolvedPackage } from "../../analyzers/resolve.ts";
import type { TraceResult } from "../../runtime/host/host.ts";
import type { TransformOptions } from "../../transforms/apply.ts";
import type { TableOptions } from "../config/options.ts";
import type { ServerConfigKind } from "../output/server-config.ts";
import type { PackReport } from "../report/report.ts";
import type { FallbackMode } from "./fallback.ts";

/**
 * What pack() takes. Each option's flag, config key, help and how it is read are in the
 * option table (packer/config/options.ts); this declaration is checked against it below,
 * so one without the other does not compile. (Derived from the table, the type would
 * carry the table's text into every published declaration file: +66 kB unpacked.)
 */
export interface PackOptions {
  /** The app's main .py file, or a PyScript page (.html). */
  app: string;
  /** The folder staged beside the app as its files (default: the app's own folder). */
  appDir?: string;
  /**
   * The user's own page, in place of the generated index.html: it imports ./loader.mjs and
   * calls runBundle(); trace and validation load it, so its own scripts are traced.
   */
  html?: string;
  /** Path globs (relative to the app folder) of the files staged beside the app; default: all of them. */
  files?: string[];
  /**
   * The folder the page is served from, as deployed (default: the app folder): the trace
   * serves it at the page's base URL, and what the app fetches from it ships beside index.html.
   */
  assets?: string;
  cwd?: string;
  /** Requirements; when empty, requirements.txt or pyproject.toml beside the app. */
  requires?: string[];
  findLinks?: string[];
  lock?: string;
  indexURL?: string;
  cacheDir?: string;
  /** A version of an installed pyodide package, or a folder holding pyodide.mjs. */
  pyodide?: string;
  runner?: "chromium" | "node";
  out?: string;
  timeoutSeconds?: number;
  validate?: boolean;
  /** What the output keeps of what was pruned, for the loader to fetch on need (default local). */
  fallback?: FallbackMode;
  /**
   * Raw bytes of the fallback's chunks a page reads after its first result: those of the
   * pruned modules the kept code can import, most likely first (default 256 kB; 0: none).
   */
  prefetchFallback?: number;
  /** trace (default): keep what ran; safe: also what traced modules can import. */
  strategy?: "trace" | "safe";
  /** Module-name or path globs to add, whatever the witnesses say. */
  include?: string[];
  /** Module-name or path globs to leave out. */
  exclude?: string[];
  /**
   * Run after the app while tracing; the bundle keeps the union. FILE.py runs in the
   * same interpreter (a smoke test); FILE.mjs exports `async function scenario({ page,
   * pyodide })` and drives the page (Chromium), and validation replays it on the bundle.
   */
  scenarios?: string[];
  /** Source and bytecode transforms; unset fields keep DEFAULT_TRANSFORMS. */
  transforms?: Partial<TransformOptions>;
  /** Also write what these servers need to send the bundle right (output/server-config.ts). */
  serverConfig?: ServerConfigKind[];
  /** Also write sw.js, registered by the page, which keeps the app working offline. */
  serviceWorker?: boolean;
  /**
   * Import asyncio and start Pyodide's event loop at start-up, as stock Pyodide does; by
   * default both wait until the app first uses them (runtime/assets/loader/startup.mjs).
   */
  eagerAsyncio?: boolean;
  /**
   * false: ship the runtime's wasm whole. By default the functions the traced run (and
   * the validation) did not run move to a deferred module (packer/pipeline/runtime-split.ts).
   */
  splitRuntime?: boolean;
  /** false: the runtime's data segment ships whole (`--no-defer-runtime-data`); by default the tables of built-in modules the trace did not import ship apart. */
  deferRuntimeData?: boolean;
  /** Called with the name of each step as it starts. */
  onStep?: (step: string) => void;
  /** Called with each warning as it happens (a crashed page retried). */
  onWarning?: (message: string) => void;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** PackOptions' options are exactly the table's, of the same types: a compile error otherwise. */
export type OptionsMatchTable = Holds<Same<Required<Omit<PackOptions, "app" | "cwd" | "transforms" | "onStep" | "onWarning">>, Required<TableOptions>>>;

export type Runner = NonNullable<PackOptions["runner"]>;

export interface PackResult {
  outDir: string;
  report: PackReport;
  packages: ResolvedPackage[];
  trace: TraceResult;
}
