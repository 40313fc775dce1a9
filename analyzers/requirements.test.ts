import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/temp.ts";
import { describe, expect, it } from "vitest";
import { appRequirements, normalizeName, parseRequirement } from "./requirements.ts";

describe("parseRequirement", () => {
  it("reads name, extras, specifier and marker", () => {
    expect(parseRequirement("Rich[jupyter] >=13.0, <14 ; python_version >= '3.8'")).toMatchObject({
      name: "Rich",
      key: "rich",
      extras: ["jupyter"],
      specifier: ">=13.0,<14",
      marker: "python_version >= '3.8'",
    });
  });
  it("reads the parenthesised form of METADATA", () => {
    expect(parseRequirement("six (>=1.5)")).toMatchObject({ key: "six", specifier: ">=1.5" });
  });
  it("names the line it cannot parse and where it came from", () => {
    expect(() => parseRequirement("%%%", "requirements.txt")).toThrow('cannot parse requirement "%%%" in requirements.txt');
  });
  it("normalizes names as PEP 503 does", () => {
    expect(normalizeName("Python_Dateutil")).toBe("python-dateutil");
    expect(normalizeName("ruamel.yaml")).toBe("ruamel-yaml");
  });
});

describe("appRequirements", () => {
  const dir = () => tempDir("reqs");
  it("prefers --requires", () => {
    const d = dir();
    writeFileSync(join(d, "requirements.txt"), "numpy\n");
    expect(appRequirements(d, ["rich"]).map((r) => r.key)).toEqual(["rich"]);
  });
  it("reads requirements.txt with comments, options and includes", () => {
    const d = dir();
    writeFileSync(join(d, "base.txt"), "six\n");
    writeFileSync(join(d, "requirements.txt"), "# deps\nnumpy>=2  # pinned\n--index-url x\n-r base.txt\n\n");
    expect(appRequirements(d, []).map((r) => r.key)).toEqual(["numpy", "six"]);
  });
  it("falls back to pyproject.toml [project] dependencies", () => {
    const d = dir();
    writeFileSync(join(d, "pyproject.toml"), '[project]\nname = "x"\ndependencies = ["jinja2>=3", "mpmath"]\n');
    expect(appRequirements(d, []).map((r) => r.key)).toEqual(["jinja2", "mpmath"]);
  });
  it("is empty with neither", () => {
    expect(appRequirements(dir(), [])).toEqual([]);
  });
});
