import { describe, expect, it, vi } from "vitest";
import { APP_RUNNING, SignsOfLife, withTimeout } from "./host.ts";

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

describe("withTimeout", () => {
  const later = <T>(ms: number, value: T) => new Promise<T>((done) => setTimeout(() => done(value), ms));
  const timedOut = () => new Error("timed out");

  it("fails work that outlasts it", async () => {
    vi.useFakeTimers();
    try {
      const run = withTimeout(later(150, "done"), 100, timedOut);
      const settled = expect(run).rejects.toThrow("timed out");
      await vi.advanceTimersByTimeAsync(150);
      await settled;
    } finally {
      vi.useRealTimers();
    }
  });

  it("starts its clock again when the app starts: a slow boot does not spend the app's time", async () => {
    vi.useFakeTimers();
    try {
      const signs = new SignsOfLife();
      setTimeout(() => signs.note({ stage: "booting Pyodide" }), 10);
      setTimeout(() => signs.note({ stage: APP_RUNNING }), 90);
      const run = withTimeout(later(180, "done"), 100, timedOut, signs.appStarted);
      await vi.advanceTimersByTimeAsync(180);
      await expect(run).resolves.toBe("done");
      // Only once: the app itself still gets ms.
      const stalled = withTimeout(later(500, "done"), 100, timedOut, signs.appStarted);
      const settled = expect(stalled).rejects.toThrow("timed out");
      await vi.advanceTimersByTimeAsync(500);
      await settled;
    } finally {
      vi.useRealTimers();
    }
  });
});
