import { parseArgs } from "node:util";
import { PackError, isPackError } from "./errors.ts";
import { formatFindings, formatReportTable } from "./format.ts";
import { explain, pack, type PackOptions, type Runner } from "./pack.ts";

export interface World {
  argv: string[];
  cwd: string;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const USAGE = `Usage: pack APP.py [options]

Traces APP.py in Pyodide, keeps only the files it used, writes a deployable folder
(pruned stdlib, bundle, loader, index.html, report.json) and checks that the bundle
prints what the traced run printed.

Options:
  --requires REQ         a requirement (repeatable, or comma-separated); default:
                         requirements.txt, else pyproject.toml [project] dependencies
  --find-links DIR       a folder of wheels; one holding pyodide-lock.json is also a lock
                         (repeatable)
  --lock FILE            the Pyodide lock to resolve from (default: the runtime's own)
  --index-url URL        where the lock's files are when they are not beside it
                         (default: Pyodide's CDN for the runtime's version)
  --cache-dir DIR        download and size cache (default: ~/.cache/pyodide-packer)
  --pyodide VERSION|DIR  the runtime: an installed pyodide version or a folder
                         (default: the installed "pyodide" package)
  --runner chromium|node where to trace and validate (default: chromium)
  --out DIR              output folder (default: pack-dist)
  --timeout SECONDS      stop an app that runs longer (default: 120)
  --strategy trace|safe  trace (default): keep what the traced run used; safe: also
                         what traced modules can import, within packages already used
  --scenario FILE.py     also trace FILE.py, run after the app (e.g. its smoke test);
                         the bundle keeps what either used (repeatable)
  --why MODULE           explain why MODULE is in the bundle or not; writes nothing
  --include GLOB         add modules ("xml.dom.*") or files ("**/data/*.json")
                         that neither the trace nor the import graph can see (repeatable)
  --exclude GLOB         leave modules or files out (repeatable)
  --no-validate          do not run the bundle to check it
  --no-minify            keep comments and docstrings in .py files
  --prefer size|speed    ship minified .py (size, default) or .pyc compiled by the
                         runtime (speed: no compile at import, more bytes)
  --pyc-app              compile the app's modules too (the main file stays .py)
  --no-optimize-pyc      keep docstrings in the .pyc files wheels ship
  --strip-lines          drop .pyc line tables (tracebacks lose line numbers)
  --keep-docstrings GLOB keep the docstrings of modules matching GLOB (repeatable)
  --json                 print report.json instead of the table
  -h, --help             this help

Exit codes: 0 ok, 1 validation failed, 2 usage, config, input or tool error.
`;

function parse(argv: string[]): PackOptions & { help: boolean; json: boolean; why?: string } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      requires: { type: "string", multiple: true },
      "find-links": { type: "string", multiple: true },
      lock: { type: "string" },
      "index-url": { type: "string" },
      "cache-dir": { type: "string" },
      pyodide: { type: "string" },
      runner: { type: "string" },
      out: { type: "string" },
      timeout: { type: "string" },
      "no-validate": { type: "boolean" },
      "no-minify": { type: "boolean" },
      strategy: { type: "string" },
      scenario: { type: "string", multiple: true },
      why: { type: "string" },
      include: { type: "string", multiple: true },
      exclude: { type: "string", multiple: true },
      prefer: { type: "string" },
      "pyc-app": { type: "boolean" },
      "no-optimize-pyc": { type: "boolean" },
      "strip-lines": { type: "boolean" },
      "keep-docstrings": { type: "string", multiple: true },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { app: "", help: true, json: false };
  if (positionals.length !== 1) {
    throw new PackError("USAGE", { detail: positionals.length === 0 ? "missing APP.py" : `one app at a time, got ${positionals.join(" ")}` });
  }
  const runner = values.runner ?? "chromium";
  if (runner !== "chromium" && runner !== "node") {
    throw new PackError("USAGE", { detail: `--runner must be chromium or node, not ${runner}` });
  }
  const strategy = values.strategy ?? "trace";
  if (strategy !== "trace" && strategy !== "safe") {
    throw new PackError("USAGE", { detail: `--strategy must be trace or safe, not ${strategy}` });
  }
  const prefer = values.prefer ?? "size";
  if (prefer !== "size" && prefer !== "speed") {
    throw new PackError("USAGE", { detail: `--prefer must be size or speed, not ${prefer}` });
  }
  const timeout = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new PackError("USAGE", { detail: `--timeout takes seconds > 0, not ${values.timeout}` });
  }
  return {
    app: positionals[0]!,
    requires: (values.requires ?? []).flatMap((r) => r.split(/,(?=\s*[A-Za-z0-9])/)),
    findLinks: values["find-links"] ?? [],
    lock: values.lock,
    indexURL: values["index-url"],
    cacheDir: values["cache-dir"],
    pyodide: values.pyodide,
    runner: runner as Runner,
    out: values.out,
    timeoutSeconds: timeout,
    validate: !values["no-validate"],
    strategy,
    scenarios: values.scenario ?? [],
    why: values.why,
    include: values.include ?? [],
    exclude: values.exclude ?? [],
    transforms: {
      minify: !values["no-minify"],
      prefer,
      pycApp: Boolean(values["pyc-app"]),
      optimizePyc: !values["no-optimize-pyc"],
      stripLines: Boolean(values["strip-lines"]),
      keepDocstrings: values["keep-docstrings"] ?? [],
    },
    help: false,
    json: Boolean(values.json),
  };
}

/** Runs the CLI in-process; returns the exit code. */
export async function main(world: World): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(world.argv);
  } catch (error) {
    const detail = isPackError(error) ? error.message : new PackError("USAGE", { detail: (error as Error).message }).message;
    world.stderr.write(`pack: ${detail}\n`);
    return 2;
  }
  if (options.help) {
    world.stdout.write(USAGE);
    return 0;
  }
  const started = Date.now();
  try {
    if (options.why) {
      world.stdout.write((await explain(options, options.why)) + "\n");
      return 0;
    }
    const result = await pack({
      ...options,
      cwd: world.cwd,
      onStep: options.json ? undefined : (step) => world.stderr.write(`pack: ${step}…\n`),
    });
    for (const w of result.report.transforms.warnings) world.stderr.write(`pack: warning: ${w.path}: ${w.detail}\n`);
    if (options.json) {
      world.stdout.write(JSON.stringify(result.report, null, 2) + "\n");
    } else {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const checked = result.report.validation.skipped ? "not validated" : `validated in ${result.report.runner}`;
      const findings = formatFindings(result.report);
      world.stdout.write(`${formatReportTable(result.report)}\n${findings ? `\n${findings}\n` : ""}\nwrote ${result.outDir} (${checked}) in ${seconds} s\n`);
    }
    return 0;
  } catch (error) {
    if (isPackError(error)) {
      world.stderr.write(`pack: ${error.message}\n`);
      return error.exitCode;
    }
    world.stderr.write(`pack: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}
