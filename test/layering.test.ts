/**
 * The two trees a reader can see: what `pulumi up` loads, and the commands. ESLint refuses the direct
 * imports that cross them (eslint.config.mjs, "Layering"); this follows every import transitively,
 * as Node would load them, and checks what each entry can reach.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { ROOT } from "./helpers/verify-cli.ts";

/** Static and literal dynamic imports that load code; `import type` is erased, so it loads nothing. */
const IMPORT =
  /(?:^|\n)[ \t]*(?:import|export)(?![ \t]+type[ \t])[^;]*?from[ \t]+["']([^"']+)["']|\bimport\([ \t]*["']([^"']+)["'][ \t]*\)/g;

interface Reach {
  /** Files of the project, relative to its root. */
  files: string[];
  /** Each package reached (its name), with the first project file that imports it. */
  packages: Map<string, string>;
}

function reach(entry: string): Reach {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
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

  test("verify's identities are loaded on demand, and each is followed too", () => {
    const files = reach("scripts/verify.ts").files;
    for (const identity of ["adc", "api-key", "impersonate", "oauth", "service-account"])
      expect(files).toContain(`src/google/identities/${identity}.ts`);
  });
});

describe("what pulumi up loads", () => {
  test("the program reaches no command's code: only the components, the config and shared pure modules", () => {
    const commandCode = reach("src/index.ts").files.filter((f) =>
      /^(scripts|bench|test)\/|^src\/(verify|rotate|preflight|deploy|bootstrap)\//.test(f),
    );
    expect(commandCode).toEqual([]);
  });
});
