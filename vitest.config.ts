import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup-fast-check.ts"],
    // CLI tests spawn whole runs (datasets, a verifier probe, the grid): room for a busy shared machine.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Sandboxed Python children and loopback servers: two cores, keep the pool small.
    maxWorkers: 2,
  },
});
