import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PACKAGE_VERSION } from "../../runtime/host/assets.ts";
import { parseSize } from "../report/budgets.ts";
import { parseServerConfigKinds } from "../output/server-config.ts";
import { argvOptions, fromArgv, usageOptions, type CliOptions } from "../config/options.ts";
import { checkLimits, loadConfig, withConfig } from "../config/config.ts";
import { PackError, isPackError } from "../../runtime/host/errors.ts";
import { pack, type PackOptions } from "../pipeline/pack.ts";
import { explain } from "../pipeline/why.ts";
import { createProgress } from "./progress.ts";
import type { PackReport } from "../report/report.ts";
import { assetWarnings } from "../report/format.ts";
import { failureMessages, REPORTERS } from "../report/reporters.ts";

export interface World {
  argv: string[];
  cwd: string;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env?: Record<string, string | undefined>;
}

export const USAGE = `Usage: pack APP.py [options]
       pack PAGE.html [options]    (a PyScript page)

Traces APP.py in Pyodide, keeps only the files it used, writes a deployable folder
(pruned stdlib, bundle, loader, index.html, report.json) and checks that the bundle
prints what the traced run printed. A PyScript page is traced as PyScript runs its
scripts, and ships as the same page booting the bundle.

Options:
${usageOptions()}

Exit codes: 0 ok, 1 validation failed or budget exceeded, 2 usage, config, input or
tool error.
`;

type Parsed = Partial<PackOptions> & Omit<CliOptions, "json">;

/** Only what the command line says: config and defaults fill the rest. */
function parse(argv: string[]): Parsed {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: argvOptions() });
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (positionals.length !== 1) {
    throw new PackError("USAGE", { detail: positionals.length === 0 ? "missing APP.py (or PAGE.html)" : `one app at a time, got ${positionals.join(" ")}` });
  }
  const read = fromArgv(values, (detail) => new PackError("USAGE", { detail }), { size: parseSize, kinds: parseServerConfigKinds });
  const { cli = {}, ...options } = read as Partial<PackOptions> & { cli?: CliOptions };
  const { json, ...own } = cli;
  return { app: positionals[0]!, ...options, ...own, ...(json ? { reporter: "json" as const } : {}) };
}

function readReport(path: string): PackReport {
  if (!existsSync(path)) throw new PackError("CONFIG_INVALID", { source: "--compare", detail: `${path} not found` });
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PackReport;
  } catch (error) {
    throw new PackError("CONFIG_INVALID", { source: path, detail: (error as Error).message });
  }
}

/** Runs the CLI in-process; returns the exit code. */
export async function main(world: World): Promise<number> {
  const env = world.env ?? {};
  const fail = (error: unknown) => {
    if (isPackError(error)) {
      world.stderr.write(`pack: ${error.message}\n`);
      return error.exitCode;
    }
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      world.stderr.write(`pack: ${new PackError("USAGE", { detail: (error as Error).message }).message}\n`);
      return 2;
    }
    world.stderr.write(`pack: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  };
  let cli: Parsed;
  try {
    cli = parse(world.argv);
  } catch (error) {
    return fail(error);
  }
  if (cli.help) {
    world.stdout.write(USAGE);
    return 0;
  }
  if (cli.version) {
    world.stdout.write(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  const started = Date.now();
  try {
    const app = resolve(world.cwd, cli.app!);
    const config = loadConfig(dirname(app), cli.config && resolve(world.cwd, cli.config));
    const options: PackOptions = withConfig(config, cli, app, world.cwd);
    if (cli.why) {
      world.stdout.write((await explain(options, cli.why)) + "\n");
      return 0;
    }
    const reporter = cli.reporter ?? "console";
    const progress = createProgress(world.stderr, {
      tty: Boolean(world.stderr.isTTY) && !env.CI,
      quiet: Boolean(cli.quiet) || reporter !== "console",
      verbose: Boolean(cli.verbose),
    });
    const result = await pack({
      ...options,
      onStep: (step) => progress.step(step),
      onWarning: (message) => world.stderr.write(`pack: warning: ${message}\n`),
    }).finally(() => progress.done());
    for (const w of result.report.transforms.warnings) world.stderr.write(`pack: warning: ${w.path}: ${w.detail}\n`);
    for (const w of assetWarnings(result.report)) world.stderr.write(`pack: warning: ${w}\n`);
    const comparePath = cli.compare ? resolve(world.cwd, cli.compare) : config.compare;
    const view = checkLimits(result.report, config, { budgets: { total: cli.budget, all: cli.budgetAll, page: cli.budgetPage }, previous: comparePath ? readReport(comparePath) : undefined, maxGrowth: cli.maxGrowth });
    const color = Boolean(world.stdout.isTTY) && env.NO_COLOR === undefined;
    if (!cli.quiet) world.stdout.write(REPORTERS[reporter]!(view, { color }) + "\n");
    if (reporter === "console") {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const checked = result.report.validation.skipped ? "not validated" : `validated in ${result.report.runner}`;
      world.stdout.write(`${cli.quiet ? "" : "\n"}wrote ${result.outDir} (${checked}) in ${seconds} s\n`);
    }
    const failures = failureMessages(view);
    if (env.GITHUB_ACTIONS === "true") {
      for (const f of failures) world.stdout.write(`::error title=pyodide-packer budget::${f}\n`);
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, REPORTERS.markdown!(view, { color: false }) + "\n");
    }
    for (const f of failures) world.stderr.write(`pack: over budget: ${f}\n`);
    return failures.length > 0 ? 1 : 0;
  } catch (error) {
    return fail(error);
  }
}
