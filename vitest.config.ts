import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // describe, test, expect and vi without imports, as in every test file.
    globals: true,
    testTimeout: 30_000,
    // One test file per core: most files wait on child processes and loopback servers, so the
    // default (one core left free) leaves a 2-core machine half idle.
    maxWorkers: "100%",
    // Removes the temporary folders each test file made (test/helpers/temp-dir.ts).
    setupFiles: ["test/helpers/cleanup.ts"],
  },
});
