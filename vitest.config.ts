import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Two groups: `unit` (no Pyodide, no browser; seconds) and `e2e` (real Pyodide, real
// Chromium, real wheels; minutes). `npm test` runs both, as CI does; then `package`,
// alone, whose `npm pack` rebuilds dist/ under every other test's feet.
const PACKAGE_TEST = "packer/cli/package.e2e.test.ts";

export default defineConfig({
  test: {
    // Two files at a time even on two cores (vitest's default there is one): a pack
    // waits on Chromium and its workers much of the time. The e2e files of four took
    // 217 s with two, 258 s with one (benchmarks/RESULTS.md).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    setupFiles: ["fixtures/setup.ts"],
    // Builds the loader bundles ship from the sources under test.
    globalSetup: ["fixtures/global-setup.ts"],
    // Reports and sidecars at brotli quality 5: no test depends on quality 11, and it
    // costs minutes of CPU on a cold cache. benchmarks/ measure at 11.
    env: { PYODIDE_PACKER_BROTLI_QUALITY: "5" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{packer,runtime,analyzers,transforms}/**/*.test.ts"],
          exclude: ["**/*.e2e.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["**/*.e2e.test.ts"],
          exclude: ["node_modules/**", "dist/**", PACKAGE_TEST],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: "package",
          include: [PACKAGE_TEST],
          testTimeout: 600_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
