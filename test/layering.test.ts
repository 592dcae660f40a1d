/**
 * The layers a reader can see (docs/architecture.md): what `pulumi up` loads, the commands as peers,
 * the one layer that talks to Google, and the shared pure modules under all of them. ESLint refuses
 * the direct imports that cross them and any import cycle (eslint.config.mjs, "Layering"); this
 * follows every import transitively, as Node would load them, checks what each entry can reach, and
 * plants a case of each rule in a copy of the project to show the linter catching it.
 */

import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ESLint } from "eslint";
import { tempDir } from "./helpers/temp-dir.ts";
import { ROOT } from "./helpers/verify-cli.ts";

/** Static imports and exports that load code; `import type` is erased, so it loads nothing. */
const STATIC =
  /(?:^|\n)[ \t]*(?:import|export)(?![ \t]+type[ \t])[^;]*?from[ \t]+["']([^"']+)["']/g;
/** Literal dynamic imports: code loaded when a path of the command needs it. */
const DYNAMIC = /\bimport\([ \t]*["']([^"']+)["'][ \t]*\)/g;

const COMMANDS = ["verify", "rotate", "preflight", "deploy", "bootstrap", "plan", "admin-changes"];

interface Reach {
  /** Files of the project, relative to its root. */
  files: string[];
  /** Each package reached (its name), with the first project file that imports it. */
  packages: Map<string, string>;
}

function reach(entry: string, options = { dynamic: true }): Reach {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, "utf8");
    const specs = [
      ...[...text.matchAll(STATIC)].map((m) => m[1]!),
      ...(options.dynamic ? [...text.matchAll(DYNAMIC)].map((m) => m[1]!) : []),
    ];
    for (const spec of specs) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (!target.endsWith(".json") && existsSync(target)) pending.push(target);
      } else if (!spec.startsWith("node:")) {
        const name = spec.startsWith("@")
          ? spec.split("/").slice(0, 2).join("/")
          : spec.split("/")[0]!;
        if (!packages.has(name)) packages.set(name, relative(ROOT, file));
      }
    }
  }
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages };
}

const pulumiPackages = (r: Reach) =>
  [...r.packages]
    .filter(([name]) => name.startsWith("@pulumi/"))
    .map(([name, by]) => `${name} (imported by ${by})`);

describe("what each command loads", () => {
  test.each([
    "scripts/verify.ts",
    "scripts/rotate.ts",
    "scripts/deploy.ts",
    "scripts/bootstrap.ts",
    "scripts/admin-changes.ts",
    "scripts/ci-matrix.ts",
  ])("%s never loads the Pulumi SDK, so it starts without it", (entry) => {
    const r = reach(entry);
    expect(r.files.length).toBeGreaterThan(5);
    expect(pulumiPackages(r)).toEqual([]);
  });

  test("the check can fail: the plan, which records the program under mocks, does load it", () => {
    expect(pulumiPackages(reach("scripts/plan.ts"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^@pulumi\/pulumi /)]),
    );
  });

  test.each(COMMANDS)(
    "the %s command reaches no other command's files, so each can change alone",
    (command) => {
      const others = COMMANDS.filter((c) => c !== command);
      const crossing = reach(`scripts/${command}.ts`).files.filter((f) =>
        others.some((c) => f.startsWith(`src/${c}/`)),
      );
      expect(crossing).toEqual([]);
    },
  );

  test("pulumi-tools reaches only its own files, shared modules, and execa and yaml among the packages, so it runs where only production dependencies are installed (npm ci --omit=dev)", () => {
    const r = reach("scripts/pulumi-tools.ts");
    expect(r.files).toContain("src/tools/cli.ts");
    expect(r.packages.has("execa")).toBe(true);
    expect(
      r.files.filter(
        (f) =>
          !/^scripts\/(pulumi-tools|runner|local-files)\.ts$|^src\/(tools|cli|config)\/|^src\/(json|naming)\.ts$/.test(
            f,
          ),
      ),
    ).toEqual([]);
    expect([...r.packages.keys()].filter((name) => !["execa", "yaml"].includes(name))).toEqual([]);
    for (const command of COMMANDS)
      expect(
        reach(`scripts/${command}.ts`).files.filter((f) => f.startsWith("src/tools/")),
      ).toEqual([]);
  });

  test("verify's identities are loaded on demand, and each is followed too", () => {
    const files = reach("scripts/verify.ts").files;
    for (const identity of ["adc", "api-key", "impersonate", "oauth", "service-account"])
      expect(files).toContain(`src/google/identities/${identity}.ts`);
  });

  test("verify loads google-auth-library only once it builds an identity, after its entry has switched the library's debug log off", () => {
    expect(reach("scripts/verify.ts").packages.has("google-auth-library")).toBe(true);
    expect(reach("scripts/verify.ts", { dynamic: false }).packages.get("google-auth-library")).toBe(
      undefined,
    );
  });
});

describe("what pulumi up loads", () => {
  test("the program reaches no command's code and not the Google layer: only the components, the config and shared pure modules", () => {
    const above = reach("src/index.ts").files.filter((f) =>
      /^(scripts|bench|test)\/|^src\/(google|offline-plan|verify|rotate|preflight|deploy|bootstrap|plan|admin-changes)\//.test(
        f,
      ),
    );
    expect(above).toEqual([]);
  });
});

describe("the one layer that talks to Google", () => {
  const layer = (entry: string) => reach(entry).files.filter((f) => !f.startsWith("src/google/"));

  test("reaches only shared pure modules below it from any of its files: no command, no program, no Pulumi SDK", () => {
    const files = (readdirSync(join(ROOT, "src", "google"), { recursive: true }) as string[])
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `src/google/${f}`);
    expect(files.length).toBeGreaterThan(25);
    for (const entry of files) {
      expect(
        layer(entry).filter(
          (f) => !/^src\/(cli|oauth)\/|^src\/(json|naming|org-policy)\.ts$/.test(f),
        ),
      ).toEqual([]);
      expect(pulumiPackages(reach(entry))).toEqual([]);
    }
  });

  test("holds every request to Google: no file outside it names a Google API address or calls fetch", () => {
    const outside = (readdirSync(join(ROOT, "src"), { recursive: true }) as string[])
      .map((f) => `src/${f}`)
      .filter((f) => f.endsWith(".ts") && !f.startsWith("src/google/"));
    const calling = outside.filter((f) =>
      /\bfetch\(|https:\/\/[a-z0-9.-]+\.googleapis\.com\/v\d/.test(
        readFileSync(join(ROOT, f), "utf8"),
      ),
    );
    expect(outside.length).toBeGreaterThan(100);
    expect(calling).toEqual([]);
  });
});

/** A copy of the project's code and lint setup, node_modules linked, with `planted` files added. */
function plantedProject(planted: Record<string, string>): string {
  const dir = tempDir("lint");
  for (const entry of ["src", "eslint-rules"])
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  for (const file of ["eslint.config.mjs", "tsconfig.json", "package.json"])
    cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  for (const [path, text] of Object.entries(planted)) writeFileSync(join(dir, path), text);
  return dir;
}

/**
 * The rule and message of each layering problem ESLint finds in `files` of the project at `dir`,
 * with the project's own config. Only the layering rules run, without type information: the
 * type-checked rules, which need a TypeScript program of the project, are `npm run lint`'s.
 */
async function lint(dir: string, files: string[]): Promise<string[]> {
  const eslint = new ESLint({
    cwd: dir,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId === "local/no-import-cycle" || ruleId === "local/layers",
  });
  const results = await eslint.lintFiles(files.map((f) => join(dir, f)));
  return results.flatMap((r) =>
    r.messages.map((m) => `${relative(dir, r.filePath)}: ${m.ruleId}: ${m.message}`),
  );
}

describe("the linter refuses", () => {
  test("an import cycle between files, type-only imports included, naming the files around it", async () => {
    const dir = plantedProject({
      "src/config/planted-a.ts":
        'import type { B } from "./planted-b.ts";\nexport interface A {\n  b?: B;\n}\n',
      "src/config/planted-b.ts":
        'import type { A } from "./planted-a.ts";\nexport interface B {\n  a?: A;\n}\n',
    });
    expect(await lint(dir, ["src/config/planted-a.ts", "src/config/planted-b.ts"])).toEqual([
      "src/config/planted-a.ts: local/no-import-cycle: This import closes a cycle: src/config/planted-a.ts -> src/config/planted-b.ts -> src/config/planted-a.ts. Move what the files share into a module of its own that both import.",
      "src/config/planted-b.ts: local/no-import-cycle: This import closes a cycle: src/config/planted-b.ts -> src/config/planted-a.ts -> src/config/planted-b.ts. Move what the files share into a module of its own that both import.",
    ]);
  });

  test("an import that crosses the layers, judged by the file it reaches: between commands, from the Google layer up, from a shared module into the program, and the Pulumi SDK in a command that calls Google", async () => {
    const dir = plantedProject({
      "src/rotate/planted.ts":
        'import { parseVerifyArgs } from "../verify/args.ts";\nexport const parse = parseVerifyArgs;\n',
      "src/google/planted.ts":
        'import type { RotateOptions } from "../rotate/args.ts";\nexport type Options = RotateOptions;\n',
      "src/config/planted.ts":
        'import { CI_PROJECT_APIS } from "../ci/grants.ts";\nexport const apis = CI_PROJECT_APIS;\n',
      "src/verify/planted-sdk.ts":
        'import * as pulumi from "@pulumi/pulumi";\nexport const version = pulumi.runtime;\n',
    });
    const problems = await lint(dir, [
      "src/rotate/planted.ts",
      "src/google/planted.ts",
      "src/config/planted.ts",
      "src/verify/planted-sdk.ts",
    ]);
    expect(problems).toEqual([
      "src/rotate/planted.ts: local/layers: src/rotate/planted.ts (rotate) may not import src/verify/args.ts (verify): rotate uses only its own files and google, shared. Commands are peers: move what two need below both (src/google/ for calls to Google, a shared pure module for facts).",
      expect.stringMatching(
        /^src\/google\/planted\.ts: local\/layers: src\/google\/planted\.ts \(google\) may not import src\/rotate\/args\.ts \(rotate\)/,
      ),
      expect.stringMatching(
        /^src\/config\/planted\.ts: local\/layers: src\/config\/planted\.ts \(shared\) may not import src\/ci\/grants\.ts \(program\): shared uses only its own files and nothing else/,
      ),
      expect.stringMatching(
        /^src\/verify\/planted-sdk\.ts: local\/layers: src\/verify\/planted-sdk\.ts \(verify\) may not import @pulumi\/pulumi: the commands that call Google start without the Pulumi SDK/,
      ),
    ]);
  });

  test("a file under src/ in no layer, so a new folder is placed before it is used", async () => {
    const dir = plantedProject({ "src/planted.ts": "export const planted = 1;\n" });
    expect(await lint(dir, ["src/planted.ts"])).toEqual([
      "src/planted.ts: local/layers: src/planted.ts is in no layer. Add it to a layer in eslint.config.mjs (LAYERS), or move it into a folder that is one.",
    ]);
  });

  test("the unplanted copy is clean, so what the cases above find is what was planted", async () => {
    const dir = plantedProject({});
    expect(
      await lint(dir, ["src/rotate/run.ts", "src/google/session.ts", "src/config/parse.ts"]),
    ).toEqual([]);
  });
});
