// The layer rules (ARCHITECTURE.md), run by the test command (`npm run deps`). Layers,
// top to bottom: packer/ (CLI, plugins, pipeline, output, report) → transforms/ →
// analyzers/ → runtime/. Inside runtime/, rooms by where code runs: page/ (ships to the
// page), trace/ (the trace page), worker/ (pack's Node workers), shared/ (what they all
// import) and host/ (pack's own side: hosts, the runtime's description, errors, files).
// A test beside its code may reach up to check it; fixtures and benchmarks drive the
// whole tool, so neither is held to the layers.

const code = "^(packer|transforms|analyzers|runtime)/";
const notTest = "\\.test\\.ts$";

/** from may import nothing in these folders. */
const below = (name, from, forbidden, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from, pathNot: notTest },
  to: { path: forbidden },
});

/** A room of runtime/ that runs as it is may import only these rooms (and Node's own modules). */
const room = (name, allowed) => ({
  name: `runtime-${name}-room`,
  comment: `runtime/${name}/ runs where it is loaded: it imports only ${allowed.map((r) => `runtime/${r}/`).join(", ")}`,
  severity: "error",
  from: { path: `^runtime/${name}/`, pathNot: notTest },
  to: { path: code, pathNot: `^runtime/(${allowed.join("|")})/` },
});

export default {
  forbidden: [
    {
      name: "no-circular",
      comment: "Two modules that import each other, through any path: one of them belongs lower, or what they share does.",
      severity: "error",
      from: { path: code },
      to: { circular: true },
    },
    below("transforms-under-packer", "^transforms/", "^packer/", "transforms/ is below packer/: the pipeline calls it, never the other way"),
    below("analyzers-under-transforms", "^analyzers/", "^(packer|transforms)/", "analyzers/ is below transforms/ and packer/"),
    below("runtime-at-the-bottom", "^runtime/", "^(packer|transforms|analyzers)/", "runtime/ is the bottom layer: errors, shared types and the hosts sit here"),
    room("page", ["page", "shared"]),
    room("trace", ["trace", "page", "shared"]),
    room("worker", ["worker", "trace", "page", "shared"]),
    room("shared", ["shared"]),
  ],
  options: {
    includeOnly: code,
    exclude: { path: "(^|/)node_modules/|^dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js", ".d.ts"] },
  },
};
