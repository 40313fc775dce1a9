import { describe, expect, it } from "vitest";
import { createProgress } from "./progress.ts";

function capture(options: { tty: boolean; quiet: boolean; verbose: boolean }) {
  let out = "";
  const progress = createProgress({ write: (t: string) => (out += t) }, options);
  progress.step("trace");
  progress.step("write");
  progress.done();
  return out;
}

describe("progress", () => {
  it("writes plain lines when not a terminal", () => {
    expect(capture({ tty: false, quiet: false, verbose: false })).toBe("pack: trace…\npack: write…\n");
  });
  it("adds each step's time with --verbose", () => {
    expect(capture({ tty: false, quiet: false, verbose: true })).toMatch(/^pack: trace…\npack: trace took 0\.\d s\npack: write…\npack: write took 0\.\d s\n$/);
  });
  it("redraws one line per step on a terminal and leaves it with its time", () => {
    const out = capture({ tty: true, quiet: false, verbose: false });
    expect(out).toMatch(/^\r\x1b\[2Kpack: trace… 0\.0 s\r\x1b\[2Kpack: trace 0\.\d s\n\r\x1b\[2Kpack: write… 0\.0 s\r\x1b\[2Kpack: write 0\.\d s\n$/);
  });
  it("says nothing with --quiet", () => {
    expect(capture({ tty: true, quiet: true, verbose: true })).toBe("");
  });
});
