import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../fixtures/paths.ts";
import { REPORTERS } from "../report/reporters.ts";
import { OPTIONS, usageOptions } from "./options.ts";

/** The flags --help lists but the README's table leaves to --help: the CLI's own output. */
const HELP_ONLY = new Set(["help", "version", "quiet", "verbose"]);

describe("the option table", () => {
  it("is the README's option table: the same flags, each with the same argument", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const documented = new Set<string>();
    for (const row of readme.split("\n").filter((line) => line.startsWith("| `--"))) {
      const cell = row.slice(2, row.indexOf(" | "));
      for (const [, flag, arg] of cell.matchAll(/`--([a-z-]+)((?: [^`]+)?)`/g)) documented.add(`--${flag}${arg!.replaceAll("\\|", "|")}`);
    }
    const table = new Set(OPTIONS.filter((e) => !HELP_ONLY.has(e.flag)).map((e) => `--${e.flag}${"arg" in e ? ` ${e.arg}` : ""}`));
    expect([...documented].sort()).toEqual([...table].sort());
  });

  it("offers the reporters the registry has", () => {
    const reporter = OPTIONS.find((e) => e.flag === "reporter")!;
    expect([...reporter.values]).toEqual(Object.keys(REPORTERS));
  });

  it("gives each flag --help lines, and each config key once", () => {
    const usage = usageOptions();
    for (const e of OPTIONS) expect(usage).toContain(`--${e.flag}`);
    const keys = OPTIONS.flatMap((e) => ("config" in e ? [e.config] : []));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
