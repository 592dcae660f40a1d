// @ts-check
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";
import layers from "./eslint-rules/layers.mjs";
import noImportCycle from "./eslint-rules/no-import-cycle.mjs";

const local = { rules: { layers, "no-import-cycle": noImportCycle } };

const PULUMI_SDK = {
  refuse: "@pulumi/",
  why: "the commands that call Google start without the Pulumi SDK (verify in a fraction of a second): keep this in the program's tree, or pass what is needed in.",
};
const PEERS =
  "Commands are peers: move what two need below both (src/google/ for calls to Google, a shared pure module for facts).";

/**
 * The layers of src/ (docs/architecture.md), each a list of path prefixes, and the layers each may
 * import besides its own. A file under src/ in no layer is refused, so a new folder is placed here.
 */
const LAYERS = {
  verify: { paths: ["src/verify/"], may: ["google", "shared"], packages: [PULUMI_SDK], why: PEERS },
  rotate: { paths: ["src/rotate/"], may: ["google", "shared"], packages: [PULUMI_SDK], why: PEERS },
  preflight: {
    paths: ["src/preflight/"],
    may: ["google", "offline-plan", "shared"],
    packages: [PULUMI_SDK],
    why: PEERS,
  },
  deploy: { paths: ["src/deploy/"], may: ["shared"], why: PEERS },
  bootstrap: { paths: ["src/bootstrap/"], may: ["shared"], why: PEERS },
  plan: { paths: ["src/plan/"], may: ["offline-plan", "shared"], why: PEERS },
  "admin-changes": { paths: ["src/admin-changes/"], may: ["shared"], why: PEERS },
  // The live end-to-end run starts the other commands as processes, never their code.
  e2e: { paths: ["src/e2e/"], may: ["shared"], why: PEERS },
  // pulumi-tools runs where only the production dependencies are installed: shared modules only.
  tools: { paths: ["src/tools/"], may: ["shared"], why: PEERS },
  google: {
    paths: ["src/google/"],
    may: ["shared"],
    packages: [PULUMI_SDK],
    why: "The Google layer stands below the commands and beside the program: move what both need into a shared pure module.",
  },
  "offline-plan": {
    paths: ["src/offline-plan/"],
    may: ["program", "shared"],
    why: "The offline plan runs the program for the commands; it uses no command's code.",
  },
  program: {
    paths: [
      "src/index.ts",
      "src/program.ts",
      "src/outputs.ts",
      "src/components/",
      "src/ci/",
      "src/config/index.ts",
    ],
    may: ["shared"],
    why: "What pulumi up loads uses no command's code and does not call Google itself: move what both need into a shared pure module.",
  },
  shared: {
    paths: [
      "src/cli/",
      "src/config/",
      "src/oauth/",
      "src/naming.ts",
      "src/json.ts",
      "src/rotation.ts",
      "src/default-account.ts",
      "src/permissions.ts",
      "src/org-policy.ts",
      "src/ci-coordinates.ts",
    ],
    may: [],
    why: "A shared pure module stands below everything that uses it.",
  },
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { pulumi },
    rules: {
      // An Output in a template literal prints a warning string instead of its value.
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "prefer-const": "error",
      eqeqeq: ["error", "smart"],
      // Node's type stripping keeps every import that is not marked `type`; a type imported as a
      // value is then a missing export at run time (tsconfig's verbatimModuleSyntax says the same).
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  // Layering (docs/architecture.md): what `pulumi up` loads (the program) and the commands, both above
  // the shared pure modules; the commands talk to Google only through src/google/, and never import
  // each other. test/layering.test.ts follows the imports transitively and plants a case for each rule.
  {
    files: ["**/*.ts"],
    plugins: { local },
    rules: { "local/layers": ["error", LAYERS], "local/no-import-cycle": "error" },
  },
  {
    // The entries of the commands that call Google start without the Pulumi SDK too.
    files: ["scripts/verify.ts", "scripts/rotate.ts", "scripts/preflight.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@pulumi/*"], message: PULUMI_SDK.why }] },
      ],
    },
  },
  {
    // Jest's asymmetric matchers (expect.stringContaining, expect.any) are typed any by design.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
);
