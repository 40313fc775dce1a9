import type { StagedInputs } from "../../analyzers/inputs.ts";
import type { BundlePlan } from "../../transforms/select.ts";

/** Bytes by path: an input at the top, then folders, then files. */
export interface SizeTree {
  name: string;
  bytes: number;
  children?: SizeTree[];
}

function treeOf(name: string, files: Iterable<[string, Uint8Array]>, strip: (path: string) => string): SizeTree {
  const root: SizeTree = { name, bytes: 0, children: [] };
  for (const [path, data] of files) {
    let node = root;
    node.bytes += data.length;
    const parts = strip(path).split("/");
    parts.forEach((part, i) => {
      node.children ??= [];
      let child = node.children.find((c) => c.name === part);
      if (!child) node.children.push((child = { name: part, bytes: 0, ...(i < parts.length - 1 ? { children: [] } : {}) }));
      child.bytes += data.length;
      node = child;
    });
  }
  const sort = (t: SizeTree) => t.children?.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)).forEach(sort);
  sort(root);
  return root;
}

/** Raw bytes of every input as stock Pyodide installs it, and of what the bundle keeps. */
export function sizeTrees(inputs: StagedInputs, plan: BundlePlan): { before: SizeTree; after: SizeTree } {
  const sitePackages = (path: string) => path.replace(/^\/lib\/python[\d.]+\/site-packages\//, "").replace(/^\/usr\/lib\//, "");
  const tree = (side: "before" | "after") => {
    const children = [
      treeOf("stdlib", side === "before" ? inputs.stdlib : plan.stdlib.kept, (p) => p),
      ...plan.packages.map((p) => treeOf(p.pkg.name, side === "before" ? p.files : p.kept, sitePackages)),
      ...(side === "after" ? [treeOf("app", plan.app, (p) => p.replace(/^\/home\/pyodide\//, ""))] : []),
    ].filter((t) => t.bytes > 0);
    return { name: side, bytes: children.reduce((n, c) => n + c.bytes, 0), children };
  };
  return { before: tree("before"), after: tree("after") };
}
