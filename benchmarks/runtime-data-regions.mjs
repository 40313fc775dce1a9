// The runtime's data pack can defer (issue 34), per runtime: each region transforms/
// wasm-data.ts finds in pyodide.asm.wasm (addresses from the memory base + length), its
// bytes raw and brotli, and the whole wasm's brotli with all of them zeroed.
// Usage: npm run build && node benchmarks/runtime-data-regions.mjs
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { findCodecMaps, findNameDatabase, readDataImage, regionBytes, zeroRegions } from "../dist/transforms/wasm-data.js";
import { REPO } from "./apps.mjs";

const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 } };
const size = (bytes) => brotliCompressSync(bytes, BROTLI).length;
console.log("| runtime | module | ranges | raw B | brotli B |\n|---|---|---|---:|---:|");
const totals = [];
for (const pkg of ["pyodide", "pyodide-314"]) {
  const dir = join(REPO, "node_modules", pkg);
  const version = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  const wasm = new Uint8Array(readFileSync(join(dir, "pyodide.asm.wasm")));
  const image = readDataImage(wasm);
  const regions = [...findCodecMaps(image), findNameDatabase(image)].filter(Boolean);
  for (const region of regions) {
    const bytes = regionBytes(wasm, region);
    console.log(`| ${version} | ${region.module} | ${region.ranges.map(([start, end]) => `${start}+${end - start}`).join(", ")} | ${bytes.length} | ${size(bytes)} |`);
  }
  totals.push(`${version}: data ${image.memory.length} B (${image.relative ? "relocatable" : "at fixed addresses"}); the wasm, brotli: ${size(wasm)} → ${size(zeroRegions(wasm, regions))} B with all of them zeroed`);
}
console.log(`\n${totals.join("\n")}`);
