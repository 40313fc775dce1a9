// Builds the import graph of the whole stdlib of each runtime: cold (empty cache, every
// module parsed with tree-sitter) and warm (imports read back by content hash).
// Usage: npm run build && node benchmarks/graph.mjs
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildGraph, ImportCache, moduleIndex } from "../dist/analyzers/module-graph.js";
import { pythonParser } from "../dist/analyzers/parser.mjs";
import { readZip } from "../dist/runtime/host/zip.js";
import { findDist } from "../dist/runtime/host/pyodide-dist.js";
import { REPO as repo } from "./apps.mjs";

const parser = await pythonParser();
console.log("| runtime | modules | edges | cold ms | warm ms |");
console.log("|---|---:|---:|---:|---:|");
for (const version of ["0.29.3", "314"]) {
  const dist = findDist(version, repo);
  const layout = dist.layout;
  const inputs = {
    packages: [],
    stdlib: readZip(new Uint8Array(readFileSync(dist.stdlibZip)), dist.stdlibZip),
    stdlibMount: layout.stdlibZip,
    app: new Map(),
    main: "/home/pyodide/app.py",
    scenarios: [],
    scenarioFiles: new Map(),
  };
  const cacheDir = mkdtempSync(join(tmpdir(), "graph-bench-"));
  const noPyc = async (files) => files.map(() => "");
  const time = async () => {
    const cache = new ImportCache(cacheDir);
    const started = performance.now();
    const graph = await buildGraph(moduleIndex(inputs, layout.sitePackages), parser, cache, noPyc);
    const ms = performance.now() - started;
    cache.save();
    return { graph, ms };
  };
  const cold = await time();
  const warm = await time();
  const edges = [...cold.graph.nodes.values()].reduce((n, node) => n + node.edges.length, 0);
  console.log(`| ${dist.version} | ${cold.graph.nodes.size} | ${edges} | ${cold.ms.toFixed(0)} | ${warm.ms.toFixed(0)} |`);
  rmSync(cacheDir, { recursive: true, force: true });
}
