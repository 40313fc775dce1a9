import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { PackError } from "../runtime/host/errors.ts";

export interface Requirement {
  /** Name as written. */
  name: string;
  /** PEP 503 normalized name. */
  key: string;
  extras: string[];
  specifier: string;
  marker?: string;
  /** The text it came from, for messages. */
  text: string;
}

/** PEP 503: lower case, runs of -, _ and . become one -. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const REQUIREMENT_RE =
  /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(?:@\s*\S+)?\s*\(?\s*((?:(?:===|==|!=|<=|>=|~=|<|>)\s*[^,;\s)]+\s*,?\s*)*)\)?\s*(?:;\s*(.+))?$/;

/** Parses one PEP 508 requirement ("numpy>=1.2; python_version >= '3.10'"). */
export function parseRequirement(text: string, source = "--requires"): Requirement {
  const m = REQUIREMENT_RE.exec(text);
  if (!m) throw new PackError("BAD_REQUIREMENT", { line: text.trim(), source });
  return {
    name: m[1]!,
    key: normalizeName(m[1]!),
    extras: (m[2] ?? "")
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean),
    specifier: (m[3] ?? "").replace(/\s+/g, "").replace(/,$/, ""),
    marker: m[4]?.trim() || undefined,
    text: text.trim(),
  };
}

/** requirements.txt: one requirement a line, comments, `-r other.txt`; other options are skipped. */
export function readRequirementsFile(path: string, seen = new Set<string>()): Requirement[] {
  const full = resolve(path);
  if (seen.has(full)) return [];
  seen.add(full);
  const out: Requirement[] = [];
  const lines = readFileSync(full, "utf8").replace(/\\\r?\n/g, " ").split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    const include = /^(?:-r|--requirement)\s*=?\s*(.+)$/.exec(line);
    if (include) {
      out.push(...readRequirementsFile(join(dirname(full), include[1]!.trim()), seen));
      continue;
    }
    if (line.startsWith("-")) continue;
    out.push(parseRequirement(line, full));
  }
  return out;
}

/** `[project] dependencies` of a pyproject.toml, or undefined when it has none. */
export function readPyprojectDependencies(path: string): Requirement[] | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new PackError("BAD_REQUIREMENT", { line: (error as Error).message.split("\n")[0]!, source: path });
  }
  const deps = (doc.project as { dependencies?: unknown } | undefined)?.dependencies;
  if (!Array.isArray(deps)) return undefined;
  return deps.map((d) => parseRequirement(String(d), path));
}

/**
 * The app's requirements: --requires when given, else requirements.txt beside the app,
 * else pyproject.toml's [project] dependencies, else none.
 */
/** --requires values (each may list several, comma-separated), parsed; source names where they came from. */
export function parseRequires(requires: readonly string[], source?: string): Requirement[] {
  return requires.flatMap((r) => r.split(",")).filter((r) => r.trim()).map((r) => parseRequirement(r, source));
}

export function appRequirements(appDir: string, requires: readonly string[]): Requirement[] {
  if (requires.length > 0) return parseRequires(requires);
  const txt = join(appDir, "requirements.txt");
  if (existsSync(txt)) return readRequirementsFile(txt);
  const pyproject = join(appDir, "pyproject.toml");
  if (existsSync(pyproject)) return readPyprojectDependencies(pyproject) ?? [];
  return [];
}
