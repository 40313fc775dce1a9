// Docstrings the traced run read (help, pydoc, inspect.getdoc, cmd's help, argparse fed by
// inspect.getdoc) stay in the bundle, whatever the policy strips; validated in Chromium
// with defaults on both runtimes, from a pure wheel and from a .pyc-only one.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readStoredZip } from "../../runtime/page/loader.mjs";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { buildPycWheel } from "../../fixtures/pyc-wheels.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { buildPureWheel } from "../../fixtures/wheels.mjs";

const READS = join(APPS, "reads-docstrings", "app.py");
const UNSEEN = join(APPS, "reads-docstrings-unseen", "app.py");

/** The entries of a stored zip in the output, by name. */
function zipEntries(out: string, name: string): Map<string, Uint8Array> {
  return new Map(readStoredZip(new Uint8Array(readFileSync(join(out, name)))).map((e) => [e.name, e.data]));
}

const holds = (data: Uint8Array | undefined, text: string) => data !== undefined && Buffer.from(data).includes(Buffer.from(text));

describe("docstrings the traced run read", () => {
  const wheels: Record<string, string> = {};
  beforeAll(async () => {
    wheels.py = tempDir("docstring-wheels-py");
    buildPureWheel("helpdemo", "1.0", wheels.py);
    buildPureWheel("docpeek", "1.0", wheels.py);
    for (const version of ["0.29.3", "314"]) {
      wheels[`pyc-${version}`] = tempDir(`docstring-wheels-pyc-${version}`);
      await buildPycWheel("helpdemo", "1.0", wheels[`pyc-${version}`]!, version);
    }
  }, 300_000);

  it.each([
    ["0.29.3", "py"],
    ["0.29.3", "pyc"],
    ["314", "py"],
    ["314", "pyc"],
  ])("help(), pydoc, inspect.getdoc, cmd and argparse print stock's text from the bundle (%s, %s wheel)", async (version, kind) => {
    const found = kind === "py" ? wheels.py! : wheels[`pyc-${version}`]!;
    const r = await packCli([READS, "--pyodide", version, "--find-links", found]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    // Validated in Chromium: the bundle printed exactly what the traced run printed.
    expect(report.validation).toMatchObject({ ok: true, outputMatches: true });
    const stdout = report.validation.stdout;
    for (const line of [
      "Help on function dumps in module json:",
      "    Serialize ``obj`` to a JSON formatted ``str``.",
      "Remove any common leading whitespace from every line in `text`.",
      "    Return a greeting for name.",
      // Square.area has no docstring of its own: inspect.getdoc and help() take Shape's.
      "The area, in square units.",
      " |      One line naming the shape and its area.",
      "    Decode a JSON document from ``s`` (a ``str`` beginning with",
      "helpdemo: a package whose help comes from its docstrings.",
      "greet NAME: say hello to NAME.",
      "Hello, docs!",
      "helpdemo's command line: greet someone, or measure a square.",
      "    greet       Print a greeting.",
      "Print a greeting. Greets NAME, or the world.",
      "9.0",
    ]) {
      expect(stdout.split("\n")).toContain(line);
    }
    const [sp, zip] = version === "314" ? ["/lib/python3.14/site-packages", "/lib/python314.zip"] : ["/lib/python3.13/site-packages", "/lib/python313.zip"];
    const ext = kind === "py" ? "py" : "pyc";
    // help(textwrap)'s FILE and json's __file__ name the source, as stock's do.
    expect(stdout.split("\n")).toContain(`    ${zip}/textwrap.py`);
    const tag = version === "314" ? "314" : "313";
    expect(stdout.split("\n")).toContain(`${zip}/json/__init__.py ${zip}/json/__pycache__/__init__.cpython-${tag}.pyc`);
    expect(report.transforms.keptDocstrings).toEqual({
      [`${sp}/helpdemo/__init__.${ext}`]: "read by pydoc.getdoc in the traced run",
      [`${sp}/helpdemo/base.${ext}`]: "read by inspect.getdoc in the traced run",
      [`${sp}/helpdemo/cli.${ext}`]: "read by inspect.getdoc in the traced run",
      [`${sp}/helpdemo/shapes.${ext}`]: "read by inspect.getdoc in the traced run",
      [`${sp}/helpdemo/shell.${ext}`]: "read by cmd.Cmd.do_help in the traced run",
      [`${zip}/cmd.py`]: "read by cmd.Cmd.do_help in the traced run",
      [`${zip}/json/__init__.py`]: "read by pydoc.getdoc in the traced run",
      [`${zip}/json/decoder.py`]: "read by pydoc.getdoc in the traced run",
      // help(textwrap) documents its compiled patterns by their class, re.Pattern.
      [`${zip}/re/__init__.py`]: "read by pydoc.getdoc in the traced run",
      [`${zip}/textwrap.py`]: "read by inspect.getdoc in the traced run",
    });
    expect(r.stdout).toContain(`transforms: 10 modules keep their docstrings because the traced run read them (help, pydoc, inspect.getdoc): e.g. ${sp}/helpdemo/__init__.${ext}`);
    // Kept where read, stripped elsewhere: argparse's own docstrings were never looked at.
    const stdlib = zipEntries(r.out, "python_stdlib.zip");
    expect(holds(stdlib.get("textwrap.pyc"), "Remove any common leading whitespace")).toBe(true);
    expect(stdlib.has("argparse.pyc")).toBe(true);
    expect(holds(stdlib.get("argparse.pyc"), "Object for parsing command line strings into Python objects.")).toBe(false);
    const bundle = zipEntries(r.out, "bundle.zip");
    expect(holds(bundle.get(`${sp.slice(1)}/helpdemo/base.pyc`), "The area, in square units.")).toBe(true);
  });

  it("a docstring read the trace could not see fails validation with one line naming the module and the option; that option packs it", async () => {
    const r = await packCli([UNSEEN, "--runner", "node", "--find-links", wheels.py!]);
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      "pack: the bundle does not reproduce the traced run: stdout differs at line 1: traced \"Remove any common leading whitespace from every line in `text`.\", bundle \"None\"; " +
        "with every docstring kept the bundle reproduces the run: the missing line is a docstring of /lib/python313.zip/textwrap.py, which pack stripped; keep it with --keep-docstrings '**/textwrap.py'; " +
        "nothing was written (use --no-validate to keep it anyway)",
    ]);
    expect(existsSync(r.out)).toBe(false);
    const kept = await packCli([UNSEEN, "--runner", "node", "--find-links", wheels.py!, "--keep-docstrings", "**/textwrap.py"]);
    expect(kept.errors).toEqual([]);
    expect(kept.code).toBe(0);
    expect(kept.report().transforms.keptDocstrings).toEqual({ "/lib/python313.zip/textwrap.py": "--keep-docstrings" });
  });

  it("--why says a module keeps its docstrings because the run read them, and through which reader", async () => {
    const r = await packCli([READS, "--runner", "node", "--find-links", wheels.py!, "--why", "helpdemo.shell"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("helpdemo.shell is in the bundle: traced, the app imported it when it ran");
    expect(r.stdout).toContain("Its docstrings stay: the traced run read them (cmd.Cmd.do_help).");
  });
});
