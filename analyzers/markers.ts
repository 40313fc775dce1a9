import { normalizeName } from "./requirements.ts";
import { compareVersionStrings, ordered, satisfies } from "./versions.ts";

/** PEP 508 marker variables as Pyodide's runtime would report them. */
export type MarkerEnv = Record<string, string>;

export function pyodideMarkerEnv(pythonVersion: string): MarkerEnv {
  const [major, minor] = pythonVersion.split(".");
  return {
    os_name: "posix",
    sys_platform: "emscripten",
    platform_system: "Emscripten",
    platform_machine: "wasm32",
    platform_release: "",
    platform_version: "",
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    implementation_version: pythonVersion,
    python_version: `${major}.${minor}`,
    python_full_version: pythonVersion,
    extra: "",
  };
}

type Token = { kind: "str" | "var" | "op" | "(" | ")" | "and" | "or"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(["'])(.*?)\1|(\()|(\))|(===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)|(and\b|or\b)|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`cannot parse marker at "${text.slice(at)}"`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: "str", value: m[2]! });
    else if (m[3]) tokens.push({ kind: "(", value: "(" });
    else if (m[4]) tokens.push({ kind: ")", value: ")" });
    else if (m[5]) tokens.push({ kind: "op", value: m[5].replace(/\s+/, " ") });
    else if (m[6]) tokens.push({ kind: m[6] as "and" | "or", value: m[6] });
    else tokens.push({ kind: "var", value: m[7]! });
  }
  return tokens;
}

const VERSION_VARS = new Set(["python_version", "python_full_version", "implementation_version"]);

function compare(left: Token, op: string, right: Token, env: MarkerEnv): boolean {
  const value = (t: Token) => (t.kind === "var" ? env[t.value] ?? "" : t.value);
  const l = value(left);
  const r = value(right);
  if (op === "in") return r.includes(l);
  if (op === "not in") return !r.includes(l);
  const versioned = (left.kind === "var" && VERSION_VARS.has(left.value)) || (right.kind === "var" && VERSION_VARS.has(right.value));
  if (left.kind === "var" && left.value === "extra") return op === "==" ? normalizeName(l) === normalizeName(r) : normalizeName(l) !== normalizeName(r);
  if (versioned) {
    if (left.kind === "var") return satisfies(l, `${op}${r}`);
    const flipped: Record<string, string> = { "<": ">", ">": "<", "<=": ">=", ">=": "<=" };
    return satisfies(r, `${flipped[op] ?? op}${l}`);
  }
  if (op === "==" || op === "===") return l === r;
  if (op === "!=") return l !== r;
  return ordered(op, compareVersionStrings(l, r)) ?? false;
}

/** Evaluates a PEP 508 marker ("sys_platform == 'emscripten' and extra == 'x'"). */
export function evaluateMarker(marker: string, env: MarkerEnv): boolean {
  const tokens = tokenize(marker);
  let i = 0;
  const peek = () => tokens[i];
  const take = () => tokens[i++]!;
  const expression = (): boolean => {
    let value = conjunction();
    while (peek()?.kind === "or") {
      take();
      const right = conjunction();
      value = value || right;
    }
    return value;
  };
  const conjunction = (): boolean => {
    let value = atom();
    while (peek()?.kind === "and") {
      take();
      const right = atom();
      value = value && right;
    }
    return value;
  };
  const atom = (): boolean => {
    if (peek()?.kind === "(") {
      take();
      const value = expression();
      if (take()?.kind !== ")") throw new Error(`unbalanced parentheses in marker "${marker}"`);
      return value;
    }
    const left = take();
    const op = take();
    const right = take();
    if (!left || !op || op.kind !== "op" || !right) throw new Error(`cannot parse marker "${marker}"`);
    return compare(left, op.value, right, env);
  };
  const result = expression();
  if (i !== tokens.length) throw new Error(`cannot parse marker "${marker}"`);
  return result;
}
