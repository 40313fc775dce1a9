import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { APP_ROOT } from "../../analyzers/inputs.ts";
import { defaultIndexURL } from "../../analyzers/resolve.ts";
import type { CodeKey } from "../../runtime/host/host.ts";
import { DEFAULT_TRANSFORMS, type CodeCoverage, type TransformOptions } from "../../transforms/apply.ts";
import { planBundle } from "../../transforms/select.ts";
import { commitOutput } from "../output/bundle.ts";
import { SizeMeter } from "../output/sizes.ts";
import { appFolderSum, buildReport, type Validation } from "../report/report.ts";
import { renderReportHtml } from "../report/report-html.ts";
import { sizeTrees } from "../report/size-tree.ts";
import { analyzeApp } from "./analyze.ts";
import { pageAssets } from "./assets.ts";
import { buildOutput, compressEarly, replaceRuntimeSplit, type Built } from "./build.ts";
import { planFallback } from "./fallback.ts";
import type { PackOptions, PackResult } from "./pack-options.ts";
import { planRuntimeData } from "./runtime-data.ts";
import { firstBuildKey, profiledRuntime, rememberedRuntimeRan, rememberRuntimeRan, splitRuntime } from "./runtime-split.ts";
import { createHost, settings } from "./settings.ts";
import { validateBundle } from "./validate.ts";

export type { PackOptions, PackResult, Runner } from "./pack-options.ts";
export { compareRuns, missingPiece } from "./runs.ts";

/**
 * Trace the app, keep what it used, write the bundle, prove it runs, report. Each step
 * is a function of its own, with typed input and output: settings (settings.ts) →
 * resolve and stage (resolve-app.ts) → trace (trace-run.ts) → usage and graph
 * (analyze.ts, which runs these three) → plan (transforms/select.ts,
 * fallback.ts, assets.ts) → build (build.ts: transform, write) → validation (validate.ts)
 * → report (report/).
 */
export async function pack(options: PackOptions): Promise<PackResult> {
  const s = settings(options);
  const host = createHost(options);
  /** The temporary output folder of the latest build, until it becomes the output. */
  let temp: string | undefined;
  try {
    const meter = new SizeMeter(s.cacheDir);
    const { dist, packages, inputs, trace, graph, usage, findings, site, installs } = await analyzeApp(options, host, s, (d, p) => compressEarly(meter, d, p));

    // The plan: what ships, what the fallback keeps, the page's own files.
    const assets = pageAssets(trace.requests, site, options.include ?? []);
    const transforms: TransformOptions = { ...DEFAULT_TRANSFORMS, ...options.transforms };
    const selected = planBundle(inputs, usage);
    // A PyScript page's main only gave the import graph its scripts: PyScript runs them.
    if (s.pyscript) selected.app.delete(inputs.main);
    const early = new Set(trace.earlyModules);
    // What ran as asyncio started after the run counts as run: a later start then reads
    // no deferred bodies (plain app: 11 more functions whole, 1.5 kB brotli before the
    // first result; that start 104 → 66 ms in Node, with no archive fetched).
    const coverage: CodeCoverage = {
      ran: [...trace.ran, ...(trace.asyncioRan ?? [])],
      unseen: trace.modules.flatMap(([name, file]) => (early.has(name) && file ? [file] : [])),
    };
    const cdn = { indexURL: options.indexURL ?? defaultIndexURL(dist.version), lock: resolve(s.cwd, options.lock ?? dist.lockPath) };
    // The pruned modules the app's own code can import, then those a package it uses
    // can: what a click on an untraced branch is likely to want. The stdlib's own
    // untraced imports are mostly another platform's (asyncio.windows_events).
    const tracedNames = new Set(trace.modules.map(([name]) => name));
    const rank = (from: string) => {
      const input = graph.nodes.get(from)?.file.input;
      return input === "app" ? 0 : input !== "stdlib" && tracedNames.has(from) ? 1 : 2;
    };
    const likely = findings.untraced
      .filter((u) => rank(u.from) < 2)
      .sort((a, b) => rank(a.from) - rank(b.from) || a.bytes - b.bytes || (a.module < b.module ? -1 : 1))
      .map((u) => u.module);
    const fallback = planFallback(selected, graph, { stdlibMount: inputs.stdlibMount, ...dist.layout }, options.fallback ?? "local", cdn, {
      likely,
      prefetchCap: options.prefetchFallback,
      // What the traced run imported and the bundle does not keep is frozen (os, stat):
      // every run has it. Unless --exclude left it out.
      present: new Set([...tracedNames].filter((name) => !findings.excluded.includes(name))),
    });

    for (const entry of fallback.stdlibKeep) selected.stdlib.kept.set(entry, selected.stdlib.files.get(entry)!);

    // The runtime's wasm, split by what the trace ran; validation adds what the bundle ran.
    const profile = options.splitRuntime !== false && trace.runtimeRan ? profiledRuntime(dist, s.cacheDir) : undefined;
    const validating = options.validate !== false;
    // Validation profiles the bundle on the whole runtime first, then splits by both.
    let runtimeSplit = profile && !validating ? splitRuntime(dist, trace.runtimeRan!, s.cacheDir) : undefined;
    // The runtime's data that only built-in modules the trace did not import read.
    const runtimeData = options.deferRuntimeData === false ? undefined : planRuntimeData(dist, tracedNames, s.cacheDir);
    const build = async (chosen: TransformOptions, covered: CodeCoverage): Promise<Built> => {
      const built = await buildOutput({ selected, dist, inputs, fallback, assets, options, settings: s, meter, runtimeData }, chosen, covered, runtimeSplit ?? (profile && validating ? "later" : undefined));
      temp = built.dir;
      return built;
    };
    const runtime = (b: Built) => {
      if (!profile || !validating) return undefined;
      // Keyed by the first build: a warm pack of an unchanged app builds the same.
      const key = firstBuildKey(trace.runtimeRan!, b.written.files);
      return {
        profile,
        resplit: (into: Built, ran: Iterable<number>) => {
          runtimeSplit = splitRuntime(dist, ran, s.cacheDir);
          return runtimeSplit ? replaceRuntimeSplit(into, runtimeSplit, meter) : Promise.resolve();
        },
        remembered: rememberedRuntimeRan(dist, s.cacheDir, key),
        remember: (ran: Iterable<number>) => rememberRuntimeRan(dist, s.cacheDir, key, ran),
      };
    };
    let built = await build(transforms, coverage);
    let validation: Validation = { ok: true, skipped: true, outputMatches: false, stdout: "" };
    let bundleOnly: CodeKey[] = [];
    if (validating) {
      ({ validation, bundleOnly, built } = await validateBundle({ host, settings: s, trace, selected, inputs, transforms, build, runtime: runtime(built) }, built, coverage));
    }

    const { transformed, written, dir } = built;
    s.step("report");
    const report = await buildReport(transformed.plan, written, dist, meter, {
      runner: host.name,
      validation,
      transforms: { options: transforms, savings: transformed.savings, stubbed: transformed.stubbed, sourceRead: transformed.sourceRead, keptDocstrings: transformed.keptDocstrings, bundleOnly, warnings: transformed.warnings },
      static: findings,
      fallback: built.fallback.cost,
      assets,
      pyscriptFolder: s.pyscript?.pyscriptFolder,
      installs,
      runtimeSplit: runtimeSplit ? { moved: runtimeSplit.moved, kept: runtimeSplit.kept } : undefined,
      // The page's own files come from the app folder unless --assets names another.
      appFolder: appFolderSum(inputs.app, (path) => selected.app.has(path) || (!options.assets && assets.files.has(path.slice(APP_ROOT.length + 1))), usage.listedOnly),
    });
    meter.save();
    writeFileSync(join(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(dir, "report.html"), renderReportHtml(report, sizeTrees(inputs, transformed.plan)));
    commitOutput(dir, s.out);
    temp = undefined;
    return { outDir: s.out, report, packages, trace };
  } finally {
    await host.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}
