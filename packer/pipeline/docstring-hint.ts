import type { BundlePlan } from "../../transforms/select.ts";

/**
 * The kept modules (FS paths, sorted) whose own bytes hold text, where the transforms
 * dropped their docstrings (not in keptDocstrings): a docstring's line is in its source
 * as written and, as a marshalled str, in a .pyc. Lines shorter than 8 characters say
 * too little to name a module by.
 */
export function docstringHolders(plan: BundlePlan, stdlibMount: string, keptDocstrings: Readonly<Record<string, string>>, text: string): string[] {
  if (text.length < 8) return [];
  const needle = Buffer.from(text, "utf8");
  const files: [string, Uint8Array][] = [
    ...[...plan.stdlib.kept].map(([entry, data]): [string, Uint8Array] => [`${stdlibMount}/${entry}`, data]),
    ...plan.packages.flatMap((p) => [...p.kept]),
  ];
  return files
    .filter(([path, data]) => /\.pyc?$/.test(path) && keptDocstrings[path] === undefined && Buffer.from(data.buffer, data.byteOffset, data.length).includes(needle))
    .map(([path]) => path)
    .sort();
}

/** A --keep-docstrings glob that names one module file: its path below the stdlib or site-packages. */
export function keepDocstringsGlob(path: string, stdlibMount: string): string {
  const relative = path.startsWith(`${stdlibMount}/`) ? path.slice(stdlibMount.length + 1) : (path.split("/site-packages/")[1] ?? path.replace(/^\/+/, ""));
  return `**/${relative}`;
}

/**
 * The end of the one line a failed validation gives when keeping every docstring made the
 * bundle reproduce the run: the module whose docstring the missing line is, where one is,
 * and the option that keeps it.
 */
export function docstringHint(holders: readonly string[], stdlibMount: string): string {
  if (holders.length === 0) {
    return "with every docstring kept the bundle reproduces the run: the app reads docstrings that pack stripped; keep them with --keep-docstrings GLOB for the modules whose docstrings it reads (--keep-docstrings '**' keeps all)";
  }
  const [first] = holders as [string];
  const more = holders.length > 1 ? ` (or one of ${holders.length - 1} more that hold the same line)` : "";
  return `with every docstring kept the bundle reproduces the run: the missing line is a docstring of ${first}${more}, which pack stripped; keep it with --keep-docstrings '${keepDocstringsGlob(first, stdlibMount)}'`;
}
