import type { Usage } from "../analyzers/trace-usage.ts";
import type { ResolvedPackage } from "../analyzers/resolve.ts";
import type { StagedInputs } from "../analyzers/inputs.ts";

export interface PackagePlan {
  pkg: ResolvedPackage;
  /** Every file the package installs, by FS path. */
  files: Map<string, Uint8Array>;
  /** The ones the bundle keeps. */
  kept: Map<string, Uint8Array>;
}

/**
 * Modules pack pruned that the fallback ships in chunks (packer/pipeline/fallback.ts),
 * transformed like the bundle's own but with every body whole: stdlib zip entry → bytes,
 * and package key → FS path → bytes.
 */
export interface PrunedModules {
  stdlib: Map<string, Uint8Array>;
  packages: Map<string, Map<string, Uint8Array>>;
}

/** What the bundle will hold. */
export interface BundlePlan {
  stdlib: {
    files: Map<string, Uint8Array>;
    kept: Map<string, Uint8Array>;
    /**
     * What starting asyncio imports where the run never started it (Usage.asyncioStart),
     * none of it kept: written apart, for the loader to put back when asyncio starts.
     */
    asyncioStart?: Map<string, Uint8Array>;
  };
  packages: PackagePlan[];
  app: Map<string, Uint8Array>;
  main: string;
  /** Dynamic libraries the loader preloads, in the traced load order. */
  dynlibs: { path: string; global: boolean }[];
  /**
   * Deferred function bodies (transforms/apply.ts, lazy bodies): input name → the
   * co_filename its stubs carry → the marshalled code objects they load.
   */
  bodies: Map<string, Map<string, Uint8Array>>;
  /** What the fallback's chunks hold (their modules), when it keeps any. */
  pruned?: PrunedModules;
  /** Folders the bundle creates even where it keeps nothing inside (listed by the app). */
  dirs?: string[];
  /** FS paths of kept sources whose lines the app read: they ship as they are (Usage.sourceRead). */
  sourceRead?: string[];
  /** FS paths of kept modules whose docstrings the run read → the reader (Usage.docsRead): they keep them. */
  docsRead?: [string, string][];
}

export function isDynlib(path: string): boolean {
  return /\.so(\.[0-9.]+)?$/.test(path);
}

function pick(files: ReadonlyMap<string, Uint8Array>, keep: ReadonlySet<string>): Map<string, Uint8Array> {
  return new Map([...files].filter(([path]) => keep.has(path)));
}

/** Keeps what the trace used from each input; unused .so files go with the rest. */
export function planBundle(inputs: StagedInputs, usage: Usage): BundlePlan {
  return {
    stdlib: {
      files: inputs.stdlib,
      kept: pick(inputs.stdlib, usage.stdlib),
      asyncioStart: pick(inputs.stdlib, new Set([...usage.asyncioStart].filter((entry) => !usage.stdlib.has(entry)))),
    },
    packages: inputs.packages.map(({ pkg, files }) => ({
      pkg,
      files,
      kept: pick(files, usage.packages.get(pkg.key) ?? new Set()),
    })),
    app: pick(inputs.app, usage.app),
    main: inputs.main,
    dynlibs: usage.dynlibs.map(({ path, global }) => ({ path, global })),
    bodies: new Map(),
    dirs: usage.dirs,
    sourceRead: [...usage.sourceRead].sort(),
    docsRead: [...usage.docsRead].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}
