import { rmSync } from "node:fs";
import type { StagedInputs } from "../../analyzers/inputs.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { BundleRunOptions, CodeKey, Host, TraceResult } from "../../runtime/host/host.ts";
import type { CodeCoverage, TransformOptions } from "../../transforms/apply.ts";
import type { BundlePlan } from "../../transforms/select.ts";
import type { Validation } from "../report/report.ts";
import type { Built } from "./build.ts";
import { docstringHint, docstringHolders } from "./docstring-hint.ts";
import { compareRuns, firstMissingLine } from "./runs.ts";
import { onceMoreIfCrashed, type Settings } from "./settings.ts";

export interface ValidationInput {
  host: Host;
  settings: Settings;
  trace: TraceResult;
  selected: BundlePlan;
  inputs: StagedInputs;
  transforms: TransformOptions;
  /** Builds the output anew, into a fresh folder, with these transforms and this coverage. */
  build: (transforms: TransformOptions, coverage: CodeCoverage) => Promise<Built>;
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
  const alone = { fallback: false, bodies: false, pageScenarios: s.pageScenarios } as const;
  const runBundle = (options: BundleRunOptions) => onceMoreIfCrashed(s, "validation", () => host.runBundle(built.dir, s.timeoutMs, options));
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
  const validation = compareRuns(trace, run);
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
