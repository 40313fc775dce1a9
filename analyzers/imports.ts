import type { Node, Parser } from "web-tree-sitter";

/** One import a module makes, as written. */
export interface ImportEdge {
  /** Absolute module name, or the part after the dots of a relative import. */
  module: string;
  /** Leading dots of a relative import (0: absolute). */
  level: number;
  /** Names of `from m import a, b` (each may be a submodule); empty for `import m`. */
  names: string[];
  line: number;
  /** Inside a function or method: runs only when it is called. */
  lazy: boolean;
  /** Inside `try:` whose handlers catch ImportError: the module may be missing. */
  optional: boolean;
  /** Under `if TYPE_CHECKING:`: never runs. */
  typeOnly: boolean;
}

/** A dynamic import whose target is not a literal. */
export interface DynamicImport {
  line: number;
  code: string;
}

export interface ModuleImports {
  edges: ImportEdge[];
  dynamic: DynamicImport[];
  /** The module failed to parse: its imports are what could be read. */
  syntaxError: boolean;
}

const IMPORT_ERRORS = /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/;

interface Context {
  lazy: boolean;
  optional: boolean;
  typeOnly: boolean;
}

function dotted(node: Node | null): string {
  return node ? node.text.replace(/\s+/g, "") : "";
}

/** The string value of a plain literal ("json", 'a.b'), or undefined. */
function literal(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== "string") return undefined;
  if (node.children.some((c) => c?.type === "interpolation")) return undefined;
  const start = node.children.find((c) => c?.type === "string_start")?.text ?? "";
  if (/[bBfF]/.test(start.replace(/["']+$/, ""))) return undefined;
  return node.children
    .filter((c) => c?.type === "string_content")
    .map((c) => c!.text)
    .join("");
}

function catchesImportError(tryNode: Node): boolean {
  return tryNode.children.some(
    (c) => c?.type === "except_clause" && (c.namedChildren.length === 1 || IMPORT_ERRORS.test(c.namedChildren[0]?.text ?? "")),
  );
}

function isTypeChecking(condition: Node | null): boolean {
  return /^(typing\.)?TYPE_CHECKING$/.test(condition?.text ?? "");
}

/** Every import of a module: statements at any depth, and literal dynamic imports. */
export function extractImports(parser: Parser, source: string): ModuleImports {
  const tree = parser.parse(source);
  if (!tree) return { edges: [], dynamic: [], syntaxError: true };
  const edges: ImportEdge[] = [];
  const dynamic: DynamicImport[] = [];
  const visit = (node: Node, ctx: Context) => {
    const line = node.startPosition.row + 1;
    switch (node.type) {
      case "import_statement":
        for (const name of node.namedChildren) {
          const target = name?.type === "aliased_import" ? name.childForFieldName("name") : name;
          if (target) edges.push({ module: dotted(target), level: 0, names: [], line, ...ctx });
        }
        return;
      case "import_from_statement": {
        const from = node.childForFieldName("module_name");
        let level = 0;
        let module = dotted(from);
        if (from?.type === "relative_import") {
          level = from.children.find((c) => c?.type === "import_prefix")?.text.length ?? 0;
          module = dotted(from.namedChildren.find((c) => c?.type === "dotted_name") ?? null);
        }
        const names = node.namedChildren
          .filter((c) => c !== null && c.id !== from?.id)
          .map((c) => (c!.type === "aliased_import" ? dotted(c!.childForFieldName("name")) : c!.type === "wildcard_import" ? "*" : dotted(c)))
          .filter(Boolean);
        edges.push({ module, level, names, line, ...ctx });
        return;
      }
      case "future_import_statement":
        return;
      case "call": {
        const fn = node.childForFieldName("function")?.text ?? "";
        if (fn === "__import__" || fn === "importlib.import_module" || fn === "import_module") {
          const args = node.childForFieldName("arguments");
          const first = args?.namedChildren[0];
          const name = literal(first);
          const packageArg = literal(args?.namedChildren[1]);
          if (name !== undefined && (!name.startsWith(".") || packageArg !== undefined)) {
            const level = name.length - name.replace(/^\.+/, "").length;
            const module = level > 0 ? name.slice(level) : name;
            edges.push({ module: level > 0 && packageArg ? (module ? `${packageArg}.${module}` : packageArg) : module, level: 0, names: [], line, ...ctx });
          } else {
            dynamic.push({ line, code: node.text.split("\n")[0]!.slice(0, 120) });
          }
        }
        break;
      }
      case "function_definition":
      case "lambda":
        for (const child of node.children) if (child) visit(child, { ...ctx, lazy: true });
        return;
      case "try_statement": {
        const optional = catchesImportError(node);
        for (const child of node.children) {
          if (!child) continue;
          visit(child, child.type === "block" && optional ? { ...ctx, optional: true } : ctx);
        }
        return;
      }
      case "if_statement": {
        const typeOnly = isTypeChecking(node.childForFieldName("condition"));
        const consequence = node.childForFieldName("consequence");
        for (const child of node.children) {
          if (!child) continue;
          visit(child, typeOnly && child.id === consequence?.id ? { ...ctx, typeOnly: true } : ctx);
        }
        return;
      }
    }
    for (const child of node.children) if (child) visit(child, ctx);
  };
  try {
    visit(tree.rootNode, { lazy: false, optional: false, typeOnly: false });
    return { edges, dynamic, syntaxError: tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}
