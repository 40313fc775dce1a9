// Finding the runtime's tables by their structure, on the released runtimes' wasm: the
// CJK codec maps and unicodedata's name database.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../fixtures/paths.ts";
import { findCodecMaps, findNameDatabase, readDataImage, regionBytes, zeroRegions } from "./wasm-data.ts";
import { planRuntimeData } from "../packer/pipeline/runtime-data.ts";
import { findDist } from "../runtime/host/pyodide-dist.ts";
import { tempDir } from "../fixtures/temp.ts";

/** The maps' sizes in bytes, per module: CPython's cjkcodecs tables, the same in 3.13 and 3.14. */
const SIZES = { _codecs_jp: 177_986, _codecs_kr: 102_094, _codecs_cn: 102_400, _codecs_tw: 78_542, _codecs_hk: 123_852 };

describe.each([
  ["0.29.3", "pyodide", true, 402_104],
  ["314", "pyodide-314", false, 438_850],
])("the CJK codec maps and the name database in %s's wasm", (_version, pkg, relative, nameBytes) => {
  const bytes = new Uint8Array(readFileSync(join(REPO, "node_modules", pkg, "pyodide.asm.wasm")));
  const image = readDataImage(bytes);

  it("are found for every codec module, by their index arrays, and overlap nothing", () => {
    expect(image.relative).toBe(relative);
    const regions = findCodecMaps(image);
    expect(Object.fromEntries(regions.map((r) => [r.module, regionBytes(bytes, r).length]))).toEqual(SIZES);
    const ranges = regions.flatMap((r) => r.ranges).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    // No word a relocation sets lies inside (0.29.3's module is relocatable; 314's is not).
    if (relative) expect(image.relocated.size).toBeGreaterThan(20_000);
  });

  it("the name database: index, DAWG and positions, each bounded by what it holds", () => {
    const names = findNameDatabase(image)!;
    expect(names.module).toBe("unicodedata");
    // index1 and index2 (back to back), the DAWG after them, the positions apart.
    expect(names.ranges).toHaveLength(4);
    expect(names.ranges[0]![1]).toBe(names.ranges[1]![0]);
    expect(regionBytes(bytes, names).length).toBe(nameBytes);
    const codecs = findCodecMaps(image).flatMap((r) => r.ranges);
    expect(names.ranges.some(([start, end]) => codecs.some(([s, e]) => start < e && s < end))).toBe(false);
  });

  it("are zeroed in the module and nothing else is", () => {
    const regions = findCodecMaps(image);
    const zeroed = zeroRegions(bytes, regions);
    expect(zeroed.length).toBe(bytes.length);
    let changed = 0;
    for (let i = 0; i < bytes.length; i++) if (zeroed[i] !== bytes[i]) changed++;
    const nonZero = regions.reduce((n, r) => n + regionBytes(bytes, r).filter((b) => b !== 0).length, 0);
    expect(changed).toBe(nonZero);
    const after = readDataImage(zeroed);
    for (const [start, end] of regions.flatMap((r) => r.ranges)) expect(after.memory.subarray(start, end).every((b) => b === 0)).toBe(true);
  });
});

describe("planRuntimeData", () => {
  it("leaves in place the maps of a codec module the trace imported", () => {
    const dist = findDist("0.29", REPO);
    const cacheDir = tempDir("runtime-data-cache");
    const plan = planRuntimeData(dist, new Set(["_codecs_jp", "json"]), cacheDir)!;
    expect(Object.keys(plan.manifest.modules).sort()).toEqual(["_codecs_cn", "_codecs_hk", "_codecs_kr", "_codecs_tw", "unicodedata"]);
    // The second reads what the first found from the cache.
    expect(planRuntimeData(dist, new Set([...Object.keys(SIZES), "unicodedata"]), cacheDir)).toBeUndefined();
  });
});
