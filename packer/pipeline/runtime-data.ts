import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../runtime/host/files.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { findCodecMaps, findNameDatabase, readDataImage, regionBytes, type DataRegion } from "../../transforms/wasm-data.ts";
import { RUNTIME_DATA_DIR, RUNTIME_WASM, type RuntimeDataPlan } from "../output/bundle.ts";
import { runtimeCache } from "./runtime-split.ts";

export type { RuntimeDataPlan };

/** What transforms/wasm-data.ts finds: a change to how it finds regions changes this, and the cache's entries with it. */
const FINDER_FORMAT = 1;

const dataFile = (module: string) => `${RUNTIME_DATA_DIR}${module}.bin`;

/**
 * The regions transforms/wasm-data.ts finds in the runtime's wasm (the CJK codecs' maps,
 * unicodedata's name database), and whether its data is relocatable; found once per
 * runtime (half a second) and kept in the cache.
 */
function foundRegions(dist: PyodideDist, wasm: Uint8Array, cacheDir: string): { relative: boolean; regions: DataRegion[] } {
  const file = join(runtimeCache(dist, cacheDir), `data-regions-${FINDER_FORMAT}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { relative: boolean; regions: DataRegion[] };
  const image = readDataImage(wasm);
  const regions = [...findCodecMaps(image), findNameDatabase(image)].filter((region): region is DataRegion => region !== undefined);
  const found = { relative: image.relative, regions };
  writeFileAtomic(file, JSON.stringify(found));
  return found;
}

/**
 * The runtime's data the bundle defers: the tables of each built-in module the traced
 * run did not import; undefined when there is none.
 */
export function planRuntimeData(dist: PyodideDist, imported: ReadonlySet<string>, cacheDir: string): RuntimeDataPlan | undefined {
  const wasm = new Uint8Array(readFileSync(join(dist.dir, RUNTIME_WASM)));
  const { relative, regions: all } = foundRegions(dist, wasm, cacheDir);
  const regions = all.filter((region) => !imported.has(region.module));
  if (regions.length === 0) return undefined;
  return {
    regions,
    files: new Map(regions.map((region) => [dataFile(region.module), regionBytes(wasm, region)])),
    manifest: {
      relative,
      modules: Object.fromEntries(regions.map((region) => [region.module, { file: dataFile(region.module), ranges: region.ranges.map(([start, end]): [number, number] => [start, end - start]) }])),
    },
  };
}
