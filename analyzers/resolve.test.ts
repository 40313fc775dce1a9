import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WHEELS_029, WHEELS_PURE, REPO } from "../fixtures/paths.ts";
import { tempDir } from "../fixtures/temp.ts";
import { startServer, type StaticServer } from "../runtime/host/server.ts";
import { findDist } from "../runtime/host/pyodide-dist.ts";
import { parseRequirement } from "./requirements.ts";
import { resolvePackages, type PackageSources } from "./resolve.ts";

const dist029 = findDist("0.29.3", REPO);
const dist314 = findDist("314", REPO);
const reqs = (...names: string[]) => names.map((n) => parseRequirement(n));
const sources = (extra: Partial<PackageSources> = {}): PackageSources => ({
  findLinks: [],
  cacheDir: tempDir("cache"),
  ...extra,
});

describe("resolvePackages", () => {
  it("follows a lock's depends, dependencies first", async () => {
    const pkgs = await resolvePackages(reqs("jinja2"), sources({ findLinks: [WHEELS_029] }), dist029);
    expect(pkgs.map((p) => [p.key, p.version, p.installDir])).toEqual([
      ["markupsafe", "3.0.2", "site"],
      ["jinja2", "3.1.6", "site"],
    ]);
  });

  it("installs a shared_library package into /usr/lib", async () => {
    const [blas] = await resolvePackages(reqs("libopenblas"), sources({ findLinks: [WHEELS_029] }), dist029);
    expect(blas).toMatchObject({ key: "libopenblas", installDir: "dynlib" });
  });

  it("follows loose wheels' Requires-Dist with markers evaluated for Pyodide", async () => {
    const pkgs = await resolvePackages(reqs("plotly"), sources({ findLinks: [WHEELS_PURE] }), dist314);
    expect(pkgs.map((p) => p.key)).toEqual(["narwhals", "packaging", "plotly"]);
    expect(pkgs.at(-1)!.depends).toEqual(["narwhals", "packaging"]);
  });

  it("names an unknown package and where it looked", async () => {
    await expect(resolvePackages(reqs("nosuchpkg"), sources({ findLinks: [WHEELS_PURE] }), dist314)).rejects.toThrow(
      new RegExp(`package "nosuchpkg" was not found \\(looked in ${WHEELS_PURE}, .*pyodide-lock.json\\)`),
    );
  });

  it("says which versions it found when none matches", async () => {
    await expect(resolvePackages(reqs("click>=99"), sources({ findLinks: [WHEELS_PURE] }), dist314)).rejects.toThrow(
      "no version of click>=99 is available (found 8.1.7, 8.3.1)",
    );
  });

  it("refuses a lock built for another Python", async () => {
    await expect(resolvePackages(reqs("six"), sources({ findLinks: [WHEELS_029] }), dist314)).rejects.toThrow(
      /is built for Python 3.13.2 but the runtime is Python 3.14/,
    );
  });

  it("skips requirements whose marker is false on Pyodide", async () => {
    expect(await resolvePackages(reqs("six; sys_platform == 'win32'"), sources({ findLinks: [WHEELS_PURE] }), dist314)).toEqual([]);
  });
});

describe("lock files from an index URL (a local server stands in for the CDN)", () => {
  let server: StaticServer;
  let lockDir: string;
  const wheel = "six-1.17.0-cp313-none-any.whl";

  beforeAll(async () => {
    const cdn = tempDir("cdn");
    copyFileSync(join(WHEELS_029, wheel), join(cdn, wheel));
    const lock = JSON.parse(readFileSync(join(WHEELS_029, "pyodide-lock.json"), "utf8"));
    const broken = { ...lock.packages.six, name: "brokensix", sha256: "0".repeat(64) };
    lock.packages = { six: lock.packages.six, brokensix: broken };
    lockDir = tempDir("lock");
    writeFileSync(join(lockDir, "pyodide-lock.json"), JSON.stringify(lock));
    server = await startServer({ "/full/": cdn });
  });
  afterAll(() => server.close());

  it("downloads into the cache with its sha256 checked, then reads the cache", async () => {
    const s = sources({ lock: join(lockDir, "pyodide-lock.json"), indexURL: `${server.url}/full/` });
    const [six] = await resolvePackages(reqs("six"), s, dist029);
    expect(six!.path.startsWith(s.cacheDir)).toBe(true);
    expect(readFileSync(six!.path).equals(readFileSync(join(WHEELS_029, wheel)))).toBe(true);
    await server.close();
    const [again] = await resolvePackages(reqs("six"), s, dist029);
    expect(again!.path).toBe(six!.path);
    server = await startServer({ "/full/": join(WHEELS_029) });
  });

  it("refuses a download whose sha256 differs from the lock", async () => {
    const s = sources({ lock: join(lockDir, "pyodide-lock.json"), indexURL: `${server.url}/full/` });
    await expect(resolvePackages(reqs("brokensix"), s, dist029)).rejects.toThrow(/sha256 of .*six-1.17.0.*the lock says 0000/);
  });

  it("names the URL it could not download", async () => {
    const s = sources({ lock: join(lockDir, "pyodide-lock.json"), indexURL: `${server.url}/missing/` });
    await expect(resolvePackages(reqs("six"), s, dist029)).rejects.toThrow(/cannot download http:\/\/127.0.0.1:\d+\/missing\/six-1.17.0-cp313-none-any.whl \(HTTP 404\)/);
  });
});
