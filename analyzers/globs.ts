/** A path glob as unanchored regular-expression source: `*` within one segment, `**` across segments, `?` one character. */
export function globSource(glob: string): string {
  return glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*\*\/?|\*|\?/g, (m) => (m === "?" ? "[^/]" : m === "*" ? "[^/]*" : m === "**" ? ".*" : "(?:.*/)?"));
}

/** A path glob, matching whole paths. */
export function pathGlob(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`);
}

/** A module-name glob: `*` matches anything, dots included ("xml.dom.*"). */
export function moduleGlob(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/** A pattern with a "/" is a path glob; otherwise a module-name glob. */
export function matcher(pattern: string): (module: string, path: string) => boolean {
  if (pattern.includes("/")) {
    const re = pathGlob(pattern);
    return (_module, path) => re.test(path);
  }
  const re = moduleGlob(pattern);
  return (module) => re.test(module);
}
