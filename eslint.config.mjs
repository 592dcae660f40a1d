// @ts-check
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";
import local from "./eslint-rules/no-import-cycle.mjs";

/** The commands: peers, each in its folder under src/, none importing another's files. */
const COMMANDS = ["verify", "rotate", "preflight", "deploy", "bootstrap", "plan"];
/** The commands that call Google, and the layer they call it through: they start without the Pulumi SDK. */
const CALLS_GOOGLE = ["verify", "rotate", "preflight", "google"];
/** What `pulumi up` loads. */
const PROGRAM = [
  "src/index.ts",
  "src/program.ts",
  "src/outputs.ts",
  "src/components/**/*.ts",
  "src/ci/**/*.ts",
];
/** Pure modules every tree may use; they use nothing above them. */
const SHARED = [
  "src/cli/**/*.ts",
  "src/config/**/*.ts",
  "src/oauth/**/*.ts",
  "src/naming.ts",
  "src/json.ts",
  "src/rotation.ts",
  "src/default-account.ts",
  "src/permissions.ts",
];

const folder = (name) => `**/${name}/**`;
const pulumiSdk = {
  group: ["@pulumi/*"],
  message:
    "Commands that call Google do not load the Pulumi SDK (verify starts in a fraction of a second): keep this in the program's tree, or pass what is needed in.",
};
const commandsBut = (own) => ({
  group: [...COMMANDS.filter((c) => c !== own).map(folder), "**/scripts/**"],
  message:
    "Commands are peers: one does not import another's files. Move what both need below them (src/google/ for calls to Google, a shared pure module for facts).",
});
const above = (what, groups) => ({
  group: groups,
  message: `${what} does not import what stands above it (the program, src/google/, the offline plan, a command): move what both need into a shared pure module.`,
});
const restrict = (files, patterns) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns }] },
});

/** One no-restricted-imports per part of the tree (ESLint keeps only the last options a file matches). */
function layers() {
  const aboveShared = [
    ...COMMANDS.map(folder),
    "**/scripts/**",
    "**/google/**",
    "**/offline-plan/**",
    "**/components/**",
    "**/program.ts",
  ];
  return [
    ...COMMANDS.map((c) =>
      restrict(
        [`src/${c}/**/*.ts`],
        [commandsBut(c), ...(CALLS_GOOGLE.includes(c) ? [pulumiSdk] : [])],
      ),
    ),
    restrict(["src/google/**/*.ts"], [pulumiSdk, above("The Google layer", aboveShared)]),
    restrict(["scripts/verify.ts", "scripts/rotate.ts", "scripts/preflight.ts"], [pulumiSdk]),
    restrict(PROGRAM, [
      above("What pulumi up loads", [
        ...COMMANDS.map(folder),
        "**/scripts/**",
        "**/google/**",
        "**/offline-plan/**",
      ]),
    ]),
    restrict(
      ["src/offline-plan/**/*.ts"],
      [above("The offline plan", [...COMMANDS.map(folder), "**/scripts/**", "**/google/**"])],
    ),
    restrict(SHARED, [above("A shared pure module", aboveShared)]),
  ];
}

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
  ...layers(),
  {
    files: ["**/*.ts"],
    plugins: { local },
    rules: { "local/no-import-cycle": "error" },
  },
  {
    // Jest's asymmetric matchers (expect.stringContaining, expect.any) are typed any by design.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
);
