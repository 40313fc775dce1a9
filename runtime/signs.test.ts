import { describe, expect, it } from "vitest";
import { SignsOfLife } from "./host.ts";

describe("SignsOfLife", () => {
  it("says nothing before the first sign", () => {
    expect(new SignsOfLife().describe()).toBeUndefined();
  });

  it("names the stage, the module being imported and the last line printed, and how long ago", () => {
    const signs = new SignsOfLife();
    const now = Date.now();
    signs.note({ stage: "running the app", line: "step 2", module: "traitlets.config" });
    expect(signs.describe(now + 118_400)).toBe('118 s ago: running the app, importing traitlets.config after printing "step 2"');
    signs.note({ stage: "installing packages" });
    expect(signs.describe(Date.now())).toBe("0 s ago: installing packages");
  });
});
