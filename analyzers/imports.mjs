// @ts-check
// Import extraction with tree-sitter-python. Plain JS (typed by JSDoc) so that parse
// workers (analyzers/parse-worker.mjs) run it as is, from the source tree or dist/.
import { Query } from "web-tree-sitter";

/**
 * One import a module makes, as written.
 * @typedef {{ module: string, level: number, names: string[], line: number,
 *   lazy: boolean, optional: boolean, typeOnly: boolean }} ImportEdge
 * module: absolute name, or the part after the dots of a relative import; level: its
 * leading dots; names: of `from m import a, b` (each may be a submodule); lazy: inside
 * a function (runs when called) or under `if __name__ == "__main__":` (runs when the
 * module is run as a script); optional: inside `try:` catching ImportError;
 * typeOnly: under `if TYPE_CHECKING:` (never runs).
 * @typedef {{ line: number, code: string }} DynamicImport  A dynamic import whose target is not a literal.
 * @typedef {{ edges: ImportEdge[], dynamic: DynamicImport[], syntaxError: boolean }} ModuleImports
 * @typedef {{ lazy: boolean, optional: boolean, typeOnly: boolean }} Context
 * @typedef {import("web-tree-sitter").Node} Node
 * @typedef {import("web-tree-sitter").Parser} Parser
 */

const IMPORT_ERRORS = /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/;

const IMPORT_QUERY = `
(import_statement) @import
(import_from_statement) @from
(call function: [(identifier) (attribute)] @fn
  (#match? @fn "^(__import__|importlib\\.import_module|import_module)$")) @call
`;

/** @param {Node | null | undefined} node */
function dotted(node) {
  return node ? node.text.replace(/\s+/g, "") : "";
}

/**
 * The string value of a plain literal ("json", 'a.b'), or undefined.
 * @param {Node | null | undefined} node
 */
function literal(node) {
  if (!node || node.type !== "string") return undefined;
  if (node.children.some((c) => c?.type === "interpolation")) return undefined;
  const start = node.children.find((c) => c?.type === "string_start")?.text ?? "";
  if (/[bBfF]/.test(start.replace(/["']+$/, ""))) return undefined;
  return node.children
    .filter((c) => c?.type === "string_content")
    .map((c) => /** @type {Node} */ (c).text)
    .join("");
}

/** @param {Node} tryNode */
function catchesImportError(tryNode) {
  return tryNode.children.some(
    (c) => c?.type === "except_clause" && (c.namedChildren.length === 1 || IMPORT_ERRORS.test(c.namedChildren[0]?.text ?? "")),
  );
}

/** @param {Node | null} condition */
function isTypeChecking(condition) {
  return /^(typing\.)?TYPE_CHECKING$/.test(condition?.text ?? "");
}

/**
 * `__name__ == "__main__"` (either way round, either quotes): a block that runs only when
 * the module runs as a script (heapq's imports doctest there).
 * @param {Node | null | undefined} condition
 */
function isMainGuard(condition) {
  const text = (condition?.text ?? "").replace(/\s+/g, "");
  return /^__name__==(['"])__main__\1$/.test(text) || /^(['"])__main__\1==__name__$/.test(text);
}

/** @type {WeakMap<Parser, Query>} */
const queries = new WeakMap();

/** @param {Parser} parser */
function importQuery(parser) {
  let query = queries.get(parser);
  if (!query) {
    query = new Query(/** @type {any} */ (parser.language), IMPORT_QUERY);
    queries.set(parser, query);
  }
  return query;
}

/**
 * Whether the import at node runs lazily, may fail, or never runs, from its ancestors.
 * @param {Node} node
 * @returns {Context}
 */
function contextOf(node) {
  const ctx = { lazy: false, optional: false, typeOnly: false };
  let child = node;
  for (let parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === "function_definition" || parent.type === "lambda") ctx.lazy = true;
    else if (parent.type === "if_statement" && child.id === parent.childForFieldName("consequence")?.id && isMainGuard(parent.childForFieldName("condition"))) ctx.lazy = true;
    else if (parent.type === "try_statement" && child.type === "block" && catchesImportError(parent)) ctx.optional = true;
    else if (
      parent.type === "if_statement" &&
      child.id === parent.childForFieldName("consequence")?.id &&
      isTypeChecking(parent.childForFieldName("condition"))
    ) {
      ctx.typeOnly = true;
    }
  }
  return ctx;
}

/**
 * @param {Node} node an import_statement or import_from_statement
 * @param {Context} ctx
 * @returns {ImportEdge[]}
 */
function statementEdges(node, ctx) {
  const line = node.startPosition.row + 1;
  if (node.type === "import_statement") {
    return node.namedChildren.flatMap((name) => {
      const target = name?.type === "aliased_import" ? name.childForFieldName("name") : name;
      return target ? [{ module: dotted(target), level: 0, names: [], line, ...ctx }] : [];
    });
  }
  const from = node.childForFieldName("module_name");
  let level = 0;
  let module = dotted(from);
  if (from?.type === "relative_import") {
    level = from.children.find((c) => c?.type === "import_prefix")?.text.length ?? 0;
    module = dotted(from.namedChildren.find((c) => c?.type === "dotted_name") ?? null);
  }
  const names = node.namedChildren
    .filter((c) => c !== null && c.id !== from?.id)
    .map((c) => {
      const n = /** @type {Node} */ (c);
      return n.type === "aliased_import" ? dotted(n.childForFieldName("name")) : n.type === "wildcard_import" ? "*" : dotted(n);
    })
    .filter(Boolean);
  return [{ module, level, names, line, ...ctx }];
}

/**
 * Every import of a module: statements at any depth, and literal dynamic imports.
 * @param {Parser} parser
 * @param {string} source
 * @returns {ModuleImports}
 */
export function extractImports(parser, source) {
  const tree = parser.parse(source);
  if (!tree) return { edges: [], dynamic: [], syntaxError: true };
  /** @type {ImportEdge[]} */
  const edges = [];
  /** @type {DynamicImport[]} */
  const dynamic = [];
  try {
    for (const { name, node } of importQuery(parser).captures(tree.rootNode)) {
      if (name === "import" || name === "from") {
        edges.push(...statementEdges(node, contextOf(node)));
      } else if (name === "call") {
        const line = node.startPosition.row + 1;
        const args = node.childForFieldName("arguments");
        const first = literal(args?.namedChildren[0]);
        const packageArg = literal(args?.namedChildren[1]);
        if (first !== undefined && (!first.startsWith(".") || packageArg !== undefined)) {
          const level = first.length - first.replace(/^\.+/, "").length;
          const rest = first.slice(level);
          const module = level > 0 && packageArg ? (rest ? `${packageArg}.${rest}` : packageArg) : first;
          edges.push({ module, level: 0, names: [], line, ...contextOf(node) });
        } else {
          dynamic.push({ line, code: (node.text.split("\n")[0] ?? "").slice(0, 120) });
        }
      }
    }
    edges.sort((a, b) => a.line - b.line);
    return { edges, dynamic, syntaxError: tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}
