import { rmSync } from "node:fs";
import type { StagedInputs } from "../../analyzers/inputs.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { BundleRunOptions, CodeKey, Host, ProfiledRuntime, TraceResult } from "../../runtime/host/host.ts";
import type { CodeCoverage, TransformOptions } from "../../transforms/apply.ts";
import type { BundlePlan } from "../../transforms/select.ts";
import type { Validation } from "../report/report.ts";
import type { Built } from "./build.ts";
import { docstringHint, docstringHolders } from "./docstring-hint.ts";
import { compareRuns, firstMissingLine } from "./runs.ts";
import { crashWarning, type Settings } from "./settings.ts";

export interface ValidationInput {
  host: Host;
  settings: Settings;
  trace: TraceResult;
  selected: BundlePlan;
  inputs: StagedInputs;
  transforms: TransformOptions;
  /** Builds the output anew, into a fresh folder, with these transforms and this coverage. */
  build: (transforms: TransformOptions, coverage: CodeCoverage) => Promise<Built>;
  /**
   * Where the runtime's wasm is split: the profiled runtime the runs boot to tell which of
   * its functions the bundle ran, and resplit, which splits it anew by those and the trace's.
   */
  runtime?: {
    profile: ProfiledRuntime;
    /** Writes the split's files into built at once, and returns when their sidecars are written too. */
    resplit: (built: Built, ran: Iterable<number>) => Promise<void>;
    /** What an earlier pack's validation found ran for this first build (a warm pack), and where to keep it. */
    remembered?: number[];
    remember: (ran: Iterable<number>) => void;
  };
}

/** What validation proved, and the build that it proved it on (a rebuild, where one was needed). */
export interface Validated {
  validation: Validation;
  /** Functions the bundle ran that the trace did not see (its transforms changed a path): they ship whole. */
  bundleOnly: CodeKey[];
  built: Built;
}

/**
 * Runs the built bundle in the trace's host, alone (no fallback, no deferred bodies:
 * what a page has before the app's first result), and compares it with the trace. A
 * bundle that called a function the trace did not is built once more with those whole.
 * A difference fails the pack; where keeping every docstring removes it, its one line
 * says so and names the module.
 */
export async function validateBundle(input: ValidationInput, first: Built, coverage: CodeCoverage): Promise<Validated> {
  const { host, settings: s, trace, selected, inputs, transforms, build } = input;
  let built = first;
  let bundleOnly: CodeKey[] = [];
  /** What ran: the trace's, and what only the bundle ran (which ships whole). */
  let covered = coverage;
  s.step("validate");
  const alone = { fallback: false, bodies: false, runtimeData: false, pageScenarios: s.pageScenarios, profile: input.runtime?.profile } as const;
  /** What of the runtime's wasm ran: in the trace, and in every run of the bundle. */
  const runtimeRan = new Set(trace.runtimeRan ?? []);
  const runBundle = async (options: BundleRunOptions) => {
    const run = await host.runBundle(built.dir, s.timeoutMs, { ...options, onCrash: crashWarning(s, "validation") });
    for (const k of run.runtimeRan ?? []) runtimeRan.add(k);
    return run;
  };
  /** The bundle with its runtime split by ran, run with the deferred module off; the split's sidecars are written meanwhile. */
  const runSplit = async (ran: Iterable<number>) => {
    const sidecars = input.runtime!.resplit(built, ran);
    sidecars.catch(() => {});
    const split = await runBundle({ ...alone, profile: undefined, deferredRuntime: false }).finally(() => sidecars);
    await sidecars;
    return split;
  };
  if (input.runtime?.remembered) {
    // A warm pack: the split an earlier pack proved for this very build, proved again in
    // one run; anything else takes the whole way below.
    const split = await runSplit(input.runtime.remembered);
    const validation = compareRuns(trace, split);
    if (validation.ok && !split.runtimeSplit?.refused && !split.bodies?.refused.length && !split.runtimeData?.refused.length) return { validation, bundleOnly, built };
  }
  let run = await runBundle(alone);
  if (run.bodies && run.bodies.refused.length > 0) {
    // The bundle called a function the traced run never did: a transform changed the
    // path (dataclasses builds a class docstring when the docstrings were stripped).
    // One run with bodies on records every such call; they ship whole.
    const recorded = await runBundle({ ...alone, bodies: "record" });
    const traced = new Set(coverage.ran.map((key) => key.join("\0")));
    // "<frozen …>", "<pyodide-packer …>": code no shipped .pyc holds.
    bundleOnly = (recorded.bodies?.called ?? []).filter((key) => !key[0].startsWith("<") && !traced.has(key.join("\0")));
    covered = { ...coverage, ran: [...coverage.ran, ...bundleOnly] };
    rmSync(built.dir, { recursive: true, force: true });
    built = await build(transforms, covered);
    s.step("validate");
    run = await runBundle(alone);
  }
  const refusedData = run.runtimeData?.refused ?? [];
  if (refusedData.length > 0) {
    // Its tables were left out because the traced run did not import it: a bundle that
    // does is not the traced run.
    rmSync(built.dir, { recursive: true, force: true });
    throw new PackError("VALIDATION_FAILED", { detail: `the bundle imported ${refusedData.join(", ")}, which the traced run did not, and whose data in the runtime's memory pack deferred; pack with --no-defer-runtime-data to ship it whole` });
  }
  const validation = compareRuns(trace, run);
  if (validation.ok && input.runtime) {
    // The runs so far booted the whole runtime, instrumented: the split by what they and
    // the trace ran must reproduce the run with its deferred module off.
    s.step("validate");
    const split = await runSplit(runtimeRan);
    const again = compareRuns(trace, split);
    if (split.runtimeSplit?.refused || !again.ok) {
      rmSync(built.dir, { recursive: true, force: true });
      const why = split.runtimeSplit?.refused ? "it called code of the runtime's wasm that no earlier run did" : (again.detail ?? "output differs");
      throw new PackError("VALIDATION_FAILED", { detail: `with the runtime's wasm split, ${why}; pack with --no-split-runtime to ship it whole` });
    }
    input.runtime.remember(runtimeRan);
  }
  if (validation.ok) return { validation, bundleOnly, built };
  const detail = validation.detail ?? "output differs";
  // Docstrings read where the trace could not see it (a package's own __doc__ read of
  // another module's function): one more run with all of them kept tells.
  let hint: string | undefined;
  if (!transforms.keepDocstrings.includes("**") && (transforms.minify || transforms.optimizePyc)) {
    const stripped = built.transformed.keptDocstrings;
    rmSync(built.dir, { recursive: true, force: true });
    built = await build({ ...transforms, keepDocstrings: ["**"] }, covered);
    s.step("validate");
    if (compareRuns(trace, await runBundle(alone)).ok) {
      const line = firstMissingLine(trace.stdout, run.stdout);
      hint = docstringHint(line === undefined ? [] : docstringHolders(selected, inputs.stdlibMount, stripped, line), inputs.stdlibMount);
    }
  }
  rmSync(built.dir, { recursive: true, force: true });
  throw new PackError("VALIDATION_FAILED", { detail: hint ? `${detail}; ${hint}` : detail });
}
