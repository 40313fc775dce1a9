// @ts-check
// tree-sitter-python, loaded once per process (or worker). Plain JS so parse workers
// can load it from the source tree or dist/.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Language, Parser } from "web-tree-sitter";

/**
 * The grammar's .wasm: the copy the build puts in dist/grammars/ (the published package
 * ships it without tree-sitter-python, whose install script builds a native binding pack
 * never uses), else, in the source tree, the tree-sitter-python dev dependency's own.
 */
function grammarPath() {
  const shipped = fileURLToPath(new URL("../grammars/tree-sitter-python.wasm", import.meta.url));
  if (existsSync(shipped)) return shipped;
  return createRequire(import.meta.url).resolve("tree-sitter-python/tree-sitter-python.wasm");
}

/** @type {Promise<Parser> | undefined} */
let parserPromise;

/** @returns {Promise<Parser>} */
export function pythonParser() {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(grammarPath());
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}
