import { PackError } from "../../runtime/host/errors.ts";
import type { AppRun, RunOutcome, TraceResult } from "../../runtime/host/host.ts";
import type { Validation } from "../report/report.ts";

/** The one-line error for an app that did not run to completion. */
export function appFailure(outcome: RunOutcome, stderr = ""): PackError {
  const { errorType = "Error", error = "", exitCode } = outcome;
  // argparse's usage error, for one, says on stderr why it exits.
  const said = stderr.trim().split("\n").pop()?.trim().slice(0, 200);
  if (errorType === "SystemExit") return new PackError("APP_EXITED", { code: exitCode, ...(said ? { said } : {}) });
  const lines = error.trim().split("\n");
  const last = lines[lines.length - 1] ?? errorType;
  const detail = last.startsWith(`${errorType}: `) ? last.slice(errorType.length + 2) : last;
  const frame = [...lines].reverse().map((l) => /File "([^"]+)", line (\d+)/.exec(l)).find(Boolean);
  const where = frame ? `${frame[1]}:${frame[2]}` : "the app";
  if (errorType === "SyntaxError" || errorType === "IndentationError" || errorType === "TabError") {
    return new PackError("APP_SYNTAX_ERROR", { where, detail: last });
  }
  return new PackError("APP_RAISED", { errorType, where, detail });
}

/** How much of the bundle's stdout report.json keeps. */
const REPORTED_STDOUT = 64 * 1024;

/** The bundle must print what the traced run printed, and end the same way. */
export function compareRuns(trace: TraceResult, run: AppRun): Validation {
  const clipped = run.stdout.length > REPORTED_STDOUT;
  const base = {
    stdout: clipped ? run.stdout.slice(0, REPORTED_STDOUT) : run.stdout,
    ...(clipped ? { stdoutLength: run.stdout.length } : {}),
    skipped: false,
  };
  if (!run.outcome.ok) {
    return { ...base, ok: false, outputMatches: false, detail: missingPiece(run.outcome.error ?? run.outcome.errorType ?? "") };
  }
  const differs = outputDifference(trace.stdout, run.stdout);
  if (differs) return { ...base, ok: false, outputMatches: false, detail: differs };
  // A PyScript page shows what its scripts did on the page itself.
  const pageDiffers = trace.page === undefined ? undefined : outputDifference(trace.page, run.page ?? "", "the page's text");
  if (pageDiffers) return { ...base, ok: false, outputMatches: false, detail: pageDiffers };
  // Page scenarios replayed on the bundle must print what they printed in the trace.
  for (const traced of trace.scenarios.filter((t) => t.path.endsWith(".mjs"))) {
    const replayed = run.scenarios?.find((r) => r.path === traced.path);
    const name = traced.path.split("/").pop();
    if (!replayed || !replayed.outcome.ok) {
      return { ...base, ok: false, outputMatches: false, detail: `scenario ${name}: ${missingPiece(replayed?.outcome.error ?? "it did not run")}` };
    }
    const scenarioDiffers = outputDifference(traced.stdout, replayed.stdout);
    if (scenarioDiffers) return { ...base, ok: false, outputMatches: false, detail: `scenario ${name}: ${scenarioDiffers}` };
  }
  return { ...base, ok: true, outputMatches: true };
}

/** The lines of two outputs and the index of the first that differs (past traced's end where traced is a prefix). */
function firstDifference(traced: string, bundled: string): { a: string[]; b: string[]; at: number } {
  const a = traced.split("\n");
  const b = bundled.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  return { a, b, at: i === -1 ? b.length : i };
}

/** Where two outputs (stdout, or what) first differ, as a line of the validation's error; undefined if they do not. */
function outputDifference(traced: string, bundled: string, what = "stdout"): string | undefined {
  if (traced === bundled) return undefined;
  const { a, b, at } = firstDifference(traced, bundled);
  return `${what} differs at line ${at + 1}: traced ${JSON.stringify(a[at] ?? "")}, bundle ${JSON.stringify(b[at] ?? "")}`;
}

/** The first line the traced run printed that the bundle did not print the same, trimmed. */
export function firstMissingLine(traced: string, bundled: string): string | undefined {
  const { a, at } = firstDifference(traced, bundled);
  return a[at]?.trim() || undefined;
}

/** A multi-line error as one line: its first, with the exception a traceback ends in. */
export function errorLine(error: string): string {
  const lines = error.trim().split("\n");
  const exception = [...lines].reverse().find((l) => /^\w+(?:Error|Exception|Exit): /.test(l));
  return exception && exception !== lines[0] ? `${lines[0]!.replace(/ Traceback \(most recent call last\):$/, "")} ${exception}` : lines[0]!;
}

/** Names the module or file a failed bundle run was missing, else the error's last line. */
export function missingPiece(error: string): string {
  const module = /No module named '([^']+)'/.exec(error);
  if (module) return `module ${module[1]} is missing from the bundle`;
  const file = /(?:FileNotFoundError|No such file or directory)[^']*'([^']+)'/.exec(error);
  if (file) return `file ${file[1]} is missing from the bundle`;
  const lines = error.trim().split("\n");
  return lines[lines.length - 1] ?? "the bundle failed to run";
}
