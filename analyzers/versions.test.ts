import { describe, expect, it } from "vitest";
import { compareVersionStrings, satisfies } from "./versions.ts";

describe("compareVersionStrings", () => {
  it("orders dev < pre < final < post", () => {
    const sorted = ["1.0.post1", "1.0", "1.0rc1", "1.0a1", "1.0.dev0", "0.9", "1.0b2"].sort(compareVersionStrings);
    expect(sorted).toEqual(["0.9", "1.0.dev0", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1"]);
  });
  it("treats missing release parts as zero", () => {
    expect(compareVersionStrings("1.0", "1.0.0")).toBe(0);
    expect(compareVersionStrings("2.10", "2.9")).toBe(1);
  });
});

describe("satisfies", () => {
  it.each([
    ["1.15.1", ">=1.15.1", true],
    ["1.15.0", ">=1.15.1", false],
    ["2.0", ">=1,<2", false],
    ["1.9", ">=1,<2", true],
    ["1.4.2", "~=1.4", true],
    ["2.0", "~=1.4", false],
    ["1.4.5", "~=1.4.2", true],
    ["1.5.0", "~=1.4.2", false],
    ["3.13.2", "==3.13.*", true],
    ["3.14.0", "!=3.14.*", false],
    ["1.0", "", true],
  ])("%s %s → %s", (version, spec, expected) => {
    expect(satisfies(version, spec)).toBe(expected);
  });
});
