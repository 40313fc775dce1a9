import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parseSize, type Budgets } from "../report/budgets.ts";
import { validateConfig } from "./config-schema.ts";
import { PackError } from "../../runtime/host/errors.ts";
import type { PackOptions } from "../pipeline/pack.ts";

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

/** The config's budgets, with --budget and --budget-all (bytes) over them. */
export function budgetsWith(config: Config, total: number | undefined, all: number | undefined): Budgets {
  return { ...config.budgets, ...(total !== undefined ? { total } : {}), ...(all !== undefined ? { all } : {}) };
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
  const path = (p: unknown) => (typeof p === "string" ? resolve(base, p) : undefined);
  const paths = (ps: unknown) => (Array.isArray(ps) ? ps.map((p) => resolve(base, String(p))) : undefined);
  const tr = (t.transforms ?? {}) as Raw;
  const size = (key: string, value: unknown) => {
    if (value === undefined) return undefined;
    const bytes = parseSize(value as string | number);
    if (bytes === undefined) throw new PackError("CONFIG_INVALID", { source, detail: `${key} is not a size: ${JSON.stringify(value)}` });
    return bytes;
  };
  const b = (t.budgets ?? {}) as Raw;
  const packages = Object.fromEntries(Object.entries((b.packages ?? {}) as Raw).map(([k, v]) => [k, size(`budgets.packages.${k}`, v)!]));
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    source,
    options: defined({
      requires: t.requires as string[] | undefined,
      findLinks: paths(t["find-links"]),
      lock: path(t.lock),
      indexURL: t["index-url"] as string | undefined,
      cacheDir: path(t["cache-dir"]),
      pyodide: t.pyodide as string | undefined,
      runner: t.runner as PackOptions["runner"],
      out: path(t.out),
      appDir: path(t["app-dir"]),
      files: t.files as string[] | undefined,
      html: path(t.html),
      assets: path(t.assets),
      timeoutSeconds: t.timeout as number | undefined,
      validate: t.validate as boolean | undefined,
      fallback: t.fallback as PackOptions["fallback"],
      strategy: t.strategy as PackOptions["strategy"],
      serverConfig: t["server-config"] as PackOptions["serverConfig"],
      serviceWorker: t["service-worker"] as boolean | undefined,
      eagerAsyncio: t["eager-asyncio"] as boolean | undefined,
      include: t.include as string[] | undefined,
      exclude: t.exclude as string[] | undefined,
      scenarios: paths(t.scenarios),
      transforms: t.transforms
        ? defined({
            minify: tr.minify as boolean | undefined,
            prefer: tr.prefer as "size" | "speed" | undefined,
            pycApp: tr["pyc-app"] as boolean | undefined,
            optimizePyc: tr["optimize-pyc"] as boolean | undefined,
            stripLines: tr["strip-lines"] as boolean | undefined,
            keepColumns: tr["keep-columns"] as boolean | undefined,
            keepDocstrings: tr["keep-docstrings"] as string[] | undefined,
            lazyBodies: tr["lazy-bodies"] as boolean | undefined,
            keepBodies: tr["keep-bodies"] as string[] | undefined,
          })
        : undefined,
    }),
    budgets: defined({ total: size("budgets.total", b.total), all: size("budgets.all", b.all), stdlib: size("budgets.stdlib", b.stdlib), packages: b.packages ? packages : undefined }),
    compare: path(t.compare),
    maxGrowth: t["max-growth"] as string | undefined,
  };
}
