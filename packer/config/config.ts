import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { checkBudgets, compareReports, growthExceeds, parseSize, type Budgets } from "../report/budgets.ts";
import type { PackReport } from "../report/report.ts";
import type { ReportView } from "../report/reporters.ts";
import { validateConfig } from "./config-schema.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { PackOptions } from "../pipeline/pack-options.ts";
import { fromConfigTable, type CliOptions } from "./options.ts";

/** What a config file sets: pack options, budgets and the comparison. */
export interface Config {
  source?: string;
  options: Partial<PackOptions>;
  budgets: Budgets;
  compare?: string;
  maxGrowth?: string;
}

type Raw = Record<string, unknown>;

/** Options given on the command line or in code over a config file's: theirs win, transforms field by field. */
export function withConfig<T extends Partial<PackOptions>>(config: Config, given: T, app: string, cwd: string): PackOptions & T {
  return { ...config.options, ...given, app, cwd, transforms: { ...config.options.transforms, ...given.transforms } };
}

/** The config's budgets, with those given (--budget, --budget-all, --budget-page, in bytes) over them. */
export function budgetsWith(config: Config, given: Pick<Budgets, "total" | "all" | "page">): Budgets {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...config.budgets, ...set };
}

/**
 * The report held against every limit the options and the config set, for the CLI and
 * the plugins alike: budgets (the given ones over the config's) and, with a previous
 * report, the total's growth (the given --max-growth over the config's).
 */
export function checkLimits(report: PackReport, config: Config, given: { budgets: Pick<Budgets, "total" | "all" | "page">; previous?: PackReport; maxGrowth?: string }): ReportView {
  const deltas = given.previous ? compareReports(given.previous, report) : undefined;
  const maxGrowth = given.maxGrowth ?? config.maxGrowth;
  return {
    report,
    violations: checkBudgets(report, budgetsWith(config, given.budgets)),
    deltas,
    growthLimit: deltas && maxGrowth && growthExceeds(deltas.at(-1)!, maxGrowth) ? maxGrowth : undefined,
  };
}

/** `--config FILE` (TOML with the table at top level or under [tool.pyodide-packer], or JSON), else pyproject.toml beside the app. */
export function loadConfig(appDir: string, explicit?: string): Config {
  const file = explicit ?? join(appDir, "pyproject.toml");
  if (!existsSync(file)) {
    if (explicit) throw new PackError("CONFIG_INVALID", { source: explicit, detail: "file not found" });
    return { options: {}, budgets: {} };
  }
  let doc: Raw;
  try {
    const text = readFileSync(file, "utf8");
    doc = (file.endsWith(".json") ? JSON.parse(text) : parseToml(text)) as Raw;
  } catch (error) {
    throw new PackError("CONFIG_INVALID", { source: file, detail: (error as Error).message.split("\n")[0]! });
  }
  const tool = (doc.tool as Raw | undefined)?.["pyodide-packer"] as Raw | undefined;
  const table = tool ?? (explicit && !doc.tool && !doc.project ? doc : undefined);
  if (!table) return { options: {}, budgets: {} };
  const source = tool ? `${file} [tool.pyodide-packer]` : file;
  const errors = validateConfig(table);
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    throw new PackError("CONFIG_INVALID", { source, detail: errors[0]! + more });
  }
  return fromTable(table, dirname(file), source);
}

function fromTable(t: Raw, base: string, source: string): Config {
  const read = fromConfigTable(t, (p) => resolve(base, p), (detail) => new PackError("CONFIG_INVALID", { source, detail }), parseSize);
  const { cli = {}, "budgets.stdlib": stdlib, "budgets.packages": packages, ...options } = read as Raw & { cli?: CliOptions };
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    source,
    options: options as Partial<PackOptions>,
    budgets: defined({ total: cli.budget, all: cli.budgetAll, page: cli.budgetPage, stdlib: stdlib as number | undefined, packages: packages as Record<string, number> | undefined }),
    ...defined({ compare: cli.compare, maxGrowth: cli.maxGrowth }),
  };
}
