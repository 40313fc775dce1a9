import { defineConfig } from "vitest/config";

// Two groups: `unit` (no Pyodide, no browser; seconds) and `e2e` (real Pyodide, real
// Chromium, real wheels; minutes). `npm test` runs both, as CI does.
export default defineConfig({
  test: {
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
          exclude: ["node_modules/**", "dist/**"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
