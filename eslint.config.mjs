// @ts-check
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

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
  // Layering: two trees, what `pulumi up` loads and the commands, meeting only in shared pure modules
  // (config parsing, naming, the permissions table). test/layering.test.ts follows the imports
  // transitively; these rules refuse the direct ones.
  {
    // The commands that call Google start fast because they never load the Pulumi SDK (verify's
    // budget is a quarter of a second); preflight reaches the program only through the offline plan.
    files: [
      "src/verify/**/*.ts",
      "src/rotate/**/*.ts",
      "src/preflight/**/*.ts",
      "scripts/verify.ts",
      "scripts/rotate.ts",
      "scripts/preflight.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@pulumi/*"],
              message:
                "Commands that call Google do not load the Pulumi SDK: keep this in the program's tree, or pass what is needed in.",
            },
          ],
        },
      ],
    },
  },
  {
    // The program never loads a command's code.
    files: ["src/index.ts", "src/program.ts", "src/components/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "**/verify/**",
                "**/rotate/**",
                "**/preflight/**",
                "**/deploy/**",
                "**/bootstrap/**",
                "**/scripts/**",
              ],
              message:
                "What pulumi up loads does not import command code: move what both need into a shared pure module.",
            },
          ],
        },
      ],
    },
  },
  {
    // Jest's asymmetric matchers (expect.stringContaining, expect.any) are typed any by design.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
);
