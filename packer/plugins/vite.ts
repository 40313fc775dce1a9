import { pyodidePackerPlugin } from "./unplugin.ts";

export type { PluginOptions } from "./unplugin.ts";

/** `pyodidePacker({ app: "py/app.py" })` in the vite config's plugins: packs on build, and the page imports "virtual:pyodide-packer". */
export const pyodidePacker = pyodidePackerPlugin.vite;
export default pyodidePacker;
