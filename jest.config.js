/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Type checking is `npm run typecheck`'s job; transpiling alone keeps the suite fast.
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  testTimeout: 30000,
  // Removes the temporary folders each test file made (test/helpers/temp-dir.ts).
  setupFilesAfterEnv: ["<rootDir>/test/helpers/cleanup.ts"],
};
