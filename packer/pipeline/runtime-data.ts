import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { findCodecMaps, findNameDatabase, readDataImage, regionBytes, type DataRegion } from "../../transforms/wasm-data.ts";
import { RUNTIME_DATA_DIR, RUNTIME_WASM, type RuntimeDataPlan } from "../output/bundle.ts";

export type { RuntimeDataPlan };

const dataFile = (module: string) => `${RUNTIME_DATA_DIR}${module}.bin`;

/**
 * The runtime's data the bundle defers: the tables of each built-in module the traced
 * run did not import (transforms/wasm-data.ts finds them in the runtime's wasm: the CJK
 * codecs' maps, unicodedata's name database); undefined when there is none.
 */
export function planRuntimeData(dist: PyodideDist, imported: ReadonlySet<string>): RuntimeDataPlan | undefined {
  const image = readDataImage(new Uint8Array(readFileSync(join(dist.dir, RUNTIME_WASM))));
  const found = [...findCodecMaps(image), findNameDatabase(image)].filter((region): region is DataRegion => region !== undefined);
  const regions = found.filter((region) => !imported.has(region.module));
  if (regions.length === 0) return undefined;
  return {
    regions,
    files: new Map(regions.map((region) => [dataFile(region.module), regionBytes(image, region)])),
    manifest: {
      relative: image.relative,
      modules: Object.fromEntries(regions.map((region) => [region.module, { file: dataFile(region.module), ranges: region.ranges.map(([start, end]): [number, number] => [start, end - start]) }])),
    },
  };
}
