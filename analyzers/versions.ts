/**
 * PEP 440 versions and specifiers, as far as choosing a wheel needs: release numbers,
 * pre/post/dev parts, and the operators ==, !=, <, <=, >, >=, ~=, === (with ".*").
 */
export interface Version {
  epoch: number;
  release: number[];
  /** ["a"|"b"|"rc", n] or undefined */
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: string;
}

const VERSION_RE =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  const preKind = m[3]?.toLowerCase();
  const pre = preKind
    ? ({ alpha: "a", a: "a", beta: "b", b: "b", c: "rc", rc: "rc", pre: "rc", preview: "rc" } as Record<string, string>)[preKind]!
    : undefined;
  return {
    epoch: Number(m[1] ?? 0),
    release: m[2]!.split(".").map(Number),
    pre: pre ? [pre, Number(m[4] || 0)] : undefined,
    post: m[5] !== undefined ? Number(m[5]) : m[6] ? Number(m[7] || 0) : undefined,
    dev: m[8] ? Number(m[9] || 0) : undefined,
    local: m[10]?.toLowerCase(),
  };
}

function compareRelease(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const PRE_ORDER: Record<string, number> = { a: 0, b: 1, rc: 2 };

/** Sort key parts after the release: dev-only < pre < final < post. */
function phase(v: Version): number[] {
  const pre = v.pre ? [PRE_ORDER[v.pre[0]]!, v.pre[1]] : v.post === undefined && v.dev !== undefined ? [-1, 0] : [3, 0];
  const post = v.post === undefined ? -1 : v.post;
  const dev = v.dev === undefined ? Infinity : v.dev;
  return [...pre, post, dev];
}

export function compareVersions(a: Version, b: Version): number {
  if (a.epoch !== b.epoch) return Math.sign(a.epoch - b.epoch);
  const r = compareRelease(a.release, b.release);
  if (r !== 0) return r;
  const pa = phase(a);
  const pb = phase(b);
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  return (a.local ?? "").localeCompare(b.local ?? "");
}

export function compareVersionStrings(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return a.localeCompare(b);
  return compareVersions(va, vb);
}

/** Whether a comparison result (-1, 0, 1) satisfies an ordering operator; undefined for others. */
export function ordered(op: string, c: number): boolean | undefined {
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    default:
      return undefined;
  }
}

function matchesOne(version: Version, raw: string, op: string, target: string): boolean {
  if (op === "===") return raw === target;
  if ((op === "==" || op === "!=") && target.endsWith(".*")) {
    const prefix = parseVersion(target.slice(0, -2));
    if (!prefix) return false;
    const same =
      version.epoch === prefix.epoch && prefix.release.every((n, i) => (version.release[i] ?? 0) === n);
    return op === "==" ? same : !same;
  }
  const t = parseVersion(target);
  if (!t) return false;
  const withoutLocal = t.local === undefined ? { ...version, local: undefined } : version;
  const c = compareVersions(withoutLocal, t);
  if (op === "~=") {
    if (t.release.length < 2) return false;
    const upper = parseVersion(t.release.slice(0, -1).join("."))!;
    upper.release[upper.release.length - 1]! += 1;
    return c >= 0 && compareRelease(version.release, upper.release) < 0;
  }
  return ordered(op, c) ?? false;
}

/** True when version satisfies every clause of a specifier such as ">=1.2,<2". */
export function satisfies(version: string, specifier: string): boolean {
  const clauses = specifier
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  if (clauses.length === 0) return true;
  const v = parseVersion(version);
  if (!v) return false;
  return clauses.every((clause) => {
    const m = /^(===|==|!=|<=|>=|~=|<|>)\s*(.+)$/.exec(clause);
    return m ? matchesOne(v, version, m[1]!, m[2]!.trim()) : false;
  });
}
