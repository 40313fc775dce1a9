import { describe, expect, it } from "vitest";
import { matcher, pathGlob } from "./globs.ts";

describe("pathGlob", () => {
  const matches = (glob: string, path: string) => pathGlob(glob).test(path);

  it("takes ** across segments, * and ? within one", () => {
    expect(matches("**/argparse.py", "/lib/python313.zip/argparse.py")).toBe(true);
    expect(matches("**/argparse.py", "argparse.py")).toBe(true);
    expect(matches("/lib/*.py", "/lib/a/b.py")).toBe(false);
    expect(matches("/lib/?.py", "/lib/a.py")).toBe(true);
  });

  it("takes a trailing ** as everything below, as the README's '**/mypkg/**' example means", () => {
    expect(matches("**/mypkg/**", "/lib/python3.13/site-packages/mypkg/sub/mod.pyc")).toBe(true);
    expect(matches("**/mypkg/**", "/lib/python3.13/site-packages/mypkg/__init__.py")).toBe(true);
    expect(matches("**/mypkg/**", "/lib/python3.13/site-packages/other/mod.py")).toBe(false);
  });

  it("escapes the regular expression's own characters", () => {
    expect(matches("a+b.py", "a+b.py")).toBe(true);
    expect(matches("a+b.py", "aab.py")).toBe(false);
  });
});

describe("matcher", () => {
  it("reads a pattern with a slash as a path glob, else as a module glob", () => {
    expect(matcher("xml.dom.*")("xml.dom.minidom", "/x")).toBe(true);
    expect(matcher("**/xml/**")("anything", "/lib/xml/dom/minidom.py")).toBe(true);
  });
});
