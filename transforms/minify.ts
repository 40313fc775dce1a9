import type { Node, Parser } from "web-tree-sitter";

/**
 * What becomes of docstrings: "strip" removes them (`__doc__` is None, as under
 * `python -OO`); "empty" leaves `""` in their place (code that reads `__doc__` and passes
 * it on as a str keeps working); "auto" strips them, or empties them in a module that
 * mentions `__doc__`; "keep" leaves them.
 */
export type DocstringPolicy = "auto" | "strip" | "empty" | "keep";

/** What minifying one module did. */
export interface MinifyResult {
  source: string;
  /** Why the module was left as it was, if it was. */
  skipped?: "syntax-error" | "not-utf8";
  /** The module mentions __doc__. */
  readsDoc: boolean;
  /** Docstrings removed or emptied. */
  docstrings: number;
  comments: number;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/;

/** A string literal that Python would take as a docstring: no f-, t- or b-prefix. */
function isPlainString(node: Node): boolean {
  if (node.type === "concatenated_string") return node.namedChildren.every((c) => c !== null && isPlainString(c));
  if (node.type !== "string") return false;
  const start = node.children.find((c) => c?.type === "string_start")?.text ?? "";
  return !/[fFbBtT]/.test(start.replace(/["']+$/, ""));
}

function statements(body: Node): Node[] {
  return body.namedChildren.filter((c): c is Node => c !== null && c.type !== "comment");
}

/** The docstring statement of a module, class or function body, if it has one. */
function docstringOf(body: Node): Node | undefined {
  const first = statements(body)[0];
  if (first?.type !== "expression_statement" || first.namedChildCount !== 1) return undefined;
  return isPlainString(first.namedChildren[0]!) ? first : undefined;
}

function newlines(text: string): string {
  return "\n".repeat(text.split("\n").length - 1);
}

/** Start of the blanks before index on its line, when only blanks precede it there. */
function lineIndentStart(source: string, index: number): number {
  let i = index;
  while (i > 0 && (source[i - 1] === " " || source[i - 1] === "\t")) i--;
  return i;
}

/**
 * Removes comments and docstrings and keeps every other line where it was: removed
 * text leaves its newlines behind, and a body left empty gets `pass`, so tracebacks
 * point at the original lines. A module tree-sitter cannot parse is returned as it was.
 */
export function minifySource(parser: Parser, source: string, options: { docstrings?: DocstringPolicy } = {}): MinifyResult {
  const tree = parser.parse(source);
  if (!tree) return { source, skipped: "syntax-error", readsDoc: false, docstrings: 0, comments: 0 };
  try {
    const root = tree.rootNode;
    if (root.hasError) return { source, skipped: "syntax-error", readsDoc: false, docstrings: 0, comments: 0 };
    const edits: Edit[] = [];
    let comments = 0;
    let docstrings = 0;
    let readsDoc = false;
    const bodies: Node[] = [root];
    const visit = (node: Node) => {
      if (node.type === "comment") {
        const cookie = node.startPosition.row < 2 && (CODING_COOKIE.test(node.text) || (node.startPosition.row === 0 && node.text.startsWith("#!")));
        if (!cookie) {
          edits.push({ start: lineIndentStart(source, node.startIndex), end: node.endIndex, text: "" });
          comments++;
        }
        return;
      }
      if (node.type === "identifier" && node.text === "__doc__") readsDoc = true;
      if (node.type === "function_definition" || node.type === "class_definition") {
        const body = node.childForFieldName("body");
        if (body) bodies.push(body);
      }
      for (const child of node.children) if (child) visit(child);
    };
    visit(root);
    const asked = options.docstrings ?? "auto";
    const policy = asked === "auto" ? (readsDoc ? "empty" : "strip") : asked;
    if (policy !== "keep") {
      for (const body of bodies) {
        const doc = docstringOf(body);
        if (!doc) continue;
        docstrings++;
        if (policy === "empty") {
          if (doc.text !== '""') edits.push({ start: doc.startIndex, end: doc.endIndex, text: '""' + newlines(doc.text) });
          continue;
        }
        const alone = statements(body).length === 1 || doc.nextSibling?.type === ";";
        if (alone) {
          edits.push({ start: doc.startIndex, end: doc.endIndex, text: "pass" + newlines(doc.text) });
        } else {
          edits.push({ start: lineIndentStart(source, doc.startIndex), end: doc.endIndex, text: newlines(doc.text) });
        }
      }
    }
    edits.sort((a, b) => b.start - a.start);
    let out = source;
    let floor = Infinity;
    for (const edit of edits) {
      // A comment inside a removed docstring's span cannot exist, but never overlap edits.
      if (edit.end > floor) continue;
      out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
      floor = edit.start;
    }
    return { source: out, readsDoc, docstrings, comments };
  } finally {
    tree.delete();
  }
}

/** Minifies UTF-8 source bytes; anything else is returned as it was. */
export function minifyBytes(parser: Parser, bytes: Uint8Array, options: { docstrings?: DocstringPolicy } = {}): MinifyResult & { bytes: Uint8Array } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { bytes, source: "", skipped: "not-utf8", readsDoc: false, docstrings: 0, comments: 0 };
  }
  const result = minifySource(parser, text, options);
  return { ...result, bytes: result.source === text ? bytes : new TextEncoder().encode(result.source) };
}
