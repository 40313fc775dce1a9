import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

let parserPromise: Promise<Parser> | undefined;

/** tree-sitter-python, loaded once per process. */
export function pythonParser(): Promise<Parser> {
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

