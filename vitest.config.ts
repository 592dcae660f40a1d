import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // describe, test, expect and vi without imports, as in every test file.
    globals: true,
    testTimeout: 30_000,
    // Removes the temporary folders each test file made (test/helpers/temp-dir.ts).
    setupFiles: ["test/helpers/cleanup.ts"],
  },
});
