// pack starts Chromium while it resolves packages. A browser that cannot start must
// leave nothing to close, must not hide an error found first, and must be named by the
// first job that needs it.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { ChromiumHost, tellsOfFault } from "./chromium-host.ts";

describe("ChromiumHost when Chromium is missing", () => {
  const saved = process.env.PYODIDE_PACKER_CHROMIUM;
  beforeEach(() => {
    process.env.PYODIDE_PACKER_CHROMIUM = "/nonexistent/chromium";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PYODIDE_PACKER_CHROMIUM;
    else process.env.PYODIDE_PACKER_CHROMIUM = saved;
  });

  it("closes quietly after start(), and the next job names the missing browser", async () => {
    const host = new ChromiumHost();
    host.start();
    await expect(host.close()).resolves.toBeUndefined();
    host.start();
    await expect(host.runBundle(APPS, 1000)).rejects.toMatchObject({ code: "BROWSER_NOT_FOUND" });
    await host.close();
  });

  it("pack reports the unknown package it found first, not the browser", async () => {
    const r = await packCli([join(APPS, "hello", "app.py"), "--requires", "no-such-package"]);
    expect(r.code).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('package "no-such-package" was not found');
  });

  it("pack names the missing browser when everything before the trace succeeds", async () => {
    const r = await packCli([join(APPS, "hello", "app.py")]);
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([expect.stringContaining("Chromium not found at /nonexistent/chromium")]);
  });
});

describe("tellsOfFault", () => {
  it("keeps what Chromium says as a renderer fails, not its crash reporter's noise", () => {
    expect(tellsOfFault("[1203/132404.941535:ERROR:third_party/crashpad/crashpad/util/file/file_io_posix.cc:145] open /sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq: No such file or directory (2)")).toBe(false);
    expect(tellsOfFault("[1203/132404:FATAL:partition_alloc.cc(12)] Out of memory")).toBe(true);
    expect(tellsOfFault("Received signal 11 SEGV_MAPERR 000000000000")).toBe(true);
    expect(tellsOfFault("[1203/1324:ERROR:gpu_init.cc(531)] Passthrough is not supported, GL is disabled")).toBe(false);
  });
});
