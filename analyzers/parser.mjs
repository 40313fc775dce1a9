// @ts-check
// tree-sitter-python, loaded once per process (or worker). Plain JS so parse workers
// can load it from the source tree or dist/.
import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

/** @type {Promise<Parser> | undefined} */
let parserPromise;

/** @returns {Promise<Parser>} */
export function pythonParser() {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    await Parser.init();
    const language = await Language.load(require.resolve("tree-sitter-python/tree-sitter-python.wasm"));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}
