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
    // Test files share their worker's modules, so the Pulumi SDK and the Google provider load once
    // per worker, not once per file (about a second each). Files leave what they change as they
    // found it: the in-process helpers restore process.env, and every program run sets its mocks.
    isolate: false,
    // Removes the temporary folders each test file made (test/helpers/temp-dir.ts).
    setupFiles: ["test/helpers/cleanup.ts"],
  },
});
