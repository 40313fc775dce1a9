import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { pythonParser } from "../analyzers/parser.mjs";
import { minifyBytes, minifySource } from "./minify.ts";

let parser: Parser;
beforeAll(async () => {
  parser = await pythonParser();
});

const minify = (source: string) => minifySource(parser, source).source;
const lines = (text: string) => text.split("\n");

describe("docstrings", () => {
  it("removes module, class and function docstrings and keeps the lines", () => {
    const source = [
      '"""Module doc."""',
      "import os",
      "",
      "class A:",
      '    """Class doc',
      '    on two lines."""',
      "    x = 1",
      "",
      "    def f(self):",
      "        '''Method doc.'''",
      "        return os.sep",
      "",
    ].join("\n");
    expect(lines(minify(source))).toEqual(["", "import os", "", "class A:", "", "", "    x = 1", "", "    def f(self):", "", "        return os.sep", ""]);
  });

  it("puts pass where a body would be left empty", () => {
    expect(minify('def f():\n    """Only a docstring."""\n')).toBe("def f():\n    pass\n");
    expect(minify('class E(Exception):\n    """Doc\n    more."""\n')).toBe("class E(Exception):\n    pass\n\n");
    expect(minify('def g(): "doc"\n')).toBe("def g(): pass\n");
  });

  it("takes raw and implicitly concatenated strings as docstrings", () => {
    expect(minify('def f():\n    r"""raw \\d"""\n    return 1\n')).toBe("def f():\n\n    return 1\n");
    expect(minify('def f():\n    "a" "b"\n    return 1\n')).toBe("def f():\n\n    return 1\n");
  });

  it("leaves f-strings and bytes, which are not docstrings", () => {
    const fstring = 'def f(x):\n    f"value {x}"\n    return x\n';
    const bytes = 'def f():\n    b"data"\n    return 1\n';
    expect(minify(fstring)).toBe(fstring);
    expect(minify(bytes)).toBe(bytes);
  });

  it("leaves strings that are not the first statement", () => {
    const source = 'x = 1\n"not a docstring"\n';
    expect(minify(source)).toBe(source);
  });

  it("empties every docstring of a module that reads __doc__, keeping the lines", () => {
    const source = '"""Usage: tool\n[options]"""\nimport sys\n\ndef f():\n    "F."\n    return f.__doc__\n';
    const result = minifySource(parser, source);
    expect(result).toMatchObject({ readsDoc: true, docstrings: 2 });
    expect(result.source).toBe('""\n\nimport sys\n\ndef f():\n    ""\n    return f.__doc__\n');
  });

  it("strips them even then under the strip policy, and keeps them all under keep", () => {
    const source = '"""Usage."""\nprint(__doc__)\n';
    expect(minifySource(parser, source, { docstrings: "strip" })).toMatchObject({ source: "\nprint(__doc__)\n", readsDoc: true, docstrings: 1 });
    const plain = 'def f():\n    """F."""\n    return 1\n';
    expect(minifySource(parser, plain, { docstrings: "keep" })).toMatchObject({ source: plain, readsDoc: false, docstrings: 0 });
    expect(minifySource(parser, plain, { docstrings: "empty" }).source).toBe('def f():\n    ""\n    return 1\n');
  });

  it("keeps a docstring followed by a semicolon valid", () => {
    expect(minify('def f():\n    "doc"; return 1\n')).toBe("def f():\n    pass; return 1\n");
  });
});

describe("comments", () => {
  it("removes comments and the blanks before them", () => {
    expect(minify("# header\nx = 1  # trailing\n    # indented\ny = [\n    1,  # in brackets\n]\n")).toBe(
      "\nx = 1\n\ny = [\n    1,\n]\n",
    );
  });

  it("leaves # inside strings alone", () => {
    const source = 'url = "http://x/#anchor"\ns = """\n# not a comment\n"""\nt = \'#\'\n';
    expect(minify(source)).toBe(source);
  });

  it("keeps the coding cookie and the shebang", () => {
    expect(minify("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# other\nx = 1\n")).toBe(
      "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\nx = 1\n",
    );
  });
});

describe("line numbers", () => {
  it("keeps each remaining statement on its original line", () => {
    const source = [
      '"""Doc."""',
      "# comment",
      "def f():",
      '    """Doc.',
      "",
      '    Long."""',
      "    # why",
      "    raise ValueError('line 8')",
    ].join("\n");
    const out = lines(minify(source));
    expect(out).toHaveLength(8);
    expect(out[7]).toBe("    raise ValueError('line 8')");
    expect(out[2]).toBe("def f():");
  });
});

describe("what it does not touch", () => {
  it("returns a module with a syntax error unchanged", () => {
    const source = "def f(:\n    # comment\n";
    expect(minifySource(parser, source)).toMatchObject({ source, skipped: "syntax-error" });
  });

  it("returns bytes that are not UTF-8 unchanged", () => {
    const latin1 = new Uint8Array([0x23, 0x20, 0xe9, 0x0a, 0x78, 0x3d, 0x31, 0x0a]);
    const result = minifyBytes(parser, latin1);
    expect(result.skipped).toBe("not-utf8");
    expect(result.bytes).toBe(latin1);
  });

  it("keeps non-ASCII text intact", () => {
    expect(minify('s = "café"  # ünïcode\n')).toBe('s = "café"\n');
  });
});
