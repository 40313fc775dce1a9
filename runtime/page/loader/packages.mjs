// @ts-check
// Packages the app loads while it runs: pyodide.loadPackage answers at once for what the
// bundle holds (no download, no second copy); anything else goes to Pyodide's own.

/** PEP 503: lower case, runs of -, _ and . become one -. */
const normalize = (/** @type {string} */ name) => name.toLowerCase().replace(/[-_.]+/g, "-");

/**
 * @param {any} pyodide
 * @param {{ name: string }[]} packages the bundle's packages (manifest.packages)
 */
export function serveBundledPackages(pyodide, packages) {
  const bundled = new Set(packages.map((p) => normalize(p.name)));
  const loadPackage = pyodide.loadPackage.bind(pyodide);
  pyodide.loadPackage = async (/** @type {any} */ names, /** @type {object | undefined} */ options) => {
    /** @type {string[]} */
    const list = typeof names === "string" ? [names] : typeof names?.toJs === "function" ? names.toJs() : [...names];
    const rest = list.filter((name) => !bundled.has(normalize(name)));
    return rest.length > 0 ? loadPackage(rest, options) : [];
  };
}
