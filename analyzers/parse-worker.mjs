// @ts-check
// Parses a share of the modules in a worker thread: the stdlib parses on every core.
import { parentPort, workerData } from "node:worker_threads";
import { extractImports } from "./imports.mjs";
import { pythonParser } from "./parser.mjs";

const parser = await pythonParser();
const decoder = new TextDecoder();
/** @type {Uint8Array[]} */
const sources = workerData.sources;
parentPort?.postMessage(sources.map((bytes) => extractImports(parser, decoder.decode(bytes))));
