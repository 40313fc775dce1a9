// What the benchmark scripts share: where things are, the app set, and a few helpers.
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "..");
export const SHARED = resolve(REPO, "..", "shared");
export const WHEELS_029 = join(SHARED, "wheels", "pyodide-0.29");
export const WHEELS_PURE = join(SHARED, "wheels", "pure");
export const anchor = (name) => join(SHARED, "anchor-apps", name, "app.py");

/** pyodide-pack's brotli kB on the anchor apps (../shared/anchor-apps/pyodide-pack-figures.md). */
export const PYODIDE_PACK = { stdlib_only: 362.0, numpy: 2208.2, jinja2: 664.7, rich: 745.4, mpmath: 1100.3 };

/** The five anchor apps on 0.29.3 with the Pyodide-built wheels. */
export const ANCHOR_APPS = Object.keys(PYODIDE_PACK).map((name) => ({ name, app: anchor(name), pyodide: "0.29.3", findLinks: [WHEELS_029] }));

/** Apps on 314 with the pure-Python wheels. */
export const APPS_314 = {
  stdlib_only: { name: "stdlib_only (314)", app: anchor("stdlib_only"), pyodide: "314", findLinks: [] },
  plotly: { name: "plotly (314)", app: join(REPO, "fixtures", "apps", "plotly", "app.py"), pyodide: "314", findLinks: [WHEELS_PURE] },
  docutils: { name: "docutils (314)", app: join(REPO, "fixtures", "apps", "docutils", "app.py"), pyodide: "314", findLinks: [WHEELS_PURE] },
};

export const kB = (n) => (n / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Median, min and max of a sample, and how the tables print one. */
export const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
export const formatSpread = (s) => `${s.median} (${s.min}–${s.max})`;
