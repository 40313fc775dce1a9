import { pyodidePackerPlugin } from "./unplugin.ts";

export type { PluginOptions } from "./unplugin.ts";

/** `pyodidePacker({ app: "py/app.py" })` in the esbuild config's plugins: packs on build, and the page imports "virtual:pyodide-packer". */
export const pyodidePacker = pyodidePackerPlugin.esbuild;
export default pyodidePacker;
