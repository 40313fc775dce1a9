import { describe, expect, it } from "vitest";
import type { BundlePlan } from "../../transforms/select.ts";
import { docstringHint, docstringHolders, keepDocstringsGlob } from "./docstring-hint.ts";
import { firstMissingLine } from "./runs.ts";

const b = (s: string) => new TextEncoder().encode(s);
const ZIP = "/lib/python313.zip";
const SP = "/lib/python3.13/site-packages";

const plan = {
  stdlib: {
    files: new Map(),
    kept: new Map([
      ["textwrap.py", b('def dedent(text):\n    """Remove any common leading whitespace from every line in `text`."""\n')],
      ["json/__init__.py", b('"""JSON (JavaScript Object Notation)."""\n')],
    ]),
  },
  packages: [
    {
      kept: new Map([
        // A .pyc holds a docstring as marshalled UTF-8.
        [`${SP}/demo/mod.pyc`, b("\u00e3\r\r\n\u0000\u0000Remove any common leading whitespace from every line in `text`.\u0000")],
        [`${SP}/demo/data.txt`, b("Remove any common leading whitespace from every line in `text`.")],
      ]),
    },
  ],
} as unknown as BundlePlan;

describe("the docstring hint of a failed validation", () => {
  it("takes the first line the traced run printed that the bundle did not, trimmed", () => {
    expect(firstMissingLine("a\n    Serialize obj.\nc\n", "a\n\nc\n")).toBe("Serialize obj.");
    expect(firstMissingLine("a\nb\n", "a\n")).toBe("b");
    expect(firstMissingLine("a\n\n", "a\nx\n")).toBeUndefined();
    expect(firstMissingLine("same", "same")).toBeUndefined();
  });

  it("finds the kept modules, .py and .pyc, that hold the line, not data files nor modules that kept their docstrings", () => {
    const line = "Remove any common leading whitespace from every line in `text`.";
    expect(docstringHolders(plan, ZIP, {}, line)).toEqual([`${SP}/demo/mod.pyc`, `${ZIP}/textwrap.py`]);
    expect(docstringHolders(plan, ZIP, { [`${ZIP}/textwrap.py`]: "--keep-docstrings" }, line)).toEqual([`${SP}/demo/mod.pyc`]);
    // Too short to name a module by.
    expect(docstringHolders(plan, ZIP, {}, "JSON")).toEqual([]);
  });

  it("names a module by its path below the stdlib or site-packages, and says what to pass", () => {
    expect(keepDocstringsGlob(`${ZIP}/json/__init__.py`, ZIP)).toBe("**/json/__init__.py");
    expect(keepDocstringsGlob(`${SP}/demo/mod.pyc`, ZIP)).toBe("**/demo/mod.pyc");
    expect(docstringHint([`${ZIP}/textwrap.py`, `${SP}/demo/mod.pyc`], ZIP)).toBe(
      `with every docstring kept the bundle reproduces the run: the missing line is a docstring of ${ZIP}/textwrap.py (or one of 1 more that hold the same line), which pack stripped; keep it with --keep-docstrings '**/textwrap.py'`,
    );
    expect(docstringHint([], ZIP)).toMatch(/--keep-docstrings GLOB for the modules whose docstrings it reads \(--keep-docstrings '\*\*' keeps all\)$/);
  });
});
