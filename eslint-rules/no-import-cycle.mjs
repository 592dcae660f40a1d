// @ts-check
/**
 * An ESLint rule: no file imports a file that imports it back, directly or through others.
 * `import type` counts too: a cycle of types is still two modules that cannot be read, moved or
 * tested apart, and the cure is the same (what both need moves to a module of its own below them).
 *
 * It follows the project's relative imports as text (static imports and exports, and literal
 * dynamic imports), from the files on disk, the way test/layering.test.ts follows them; a file's
 * imports are read once per lint run and again only when the file changes.
 */

import { readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const IMPORT =
  /(?:^|\n)[ \t]*(?:import|export)\b[^;]*?\bfrom[ \t]+["'](\.{1,2}\/[^"']+)["']|\bimport\([ \t]*["'](\.{1,2}\/[^"']+)["'][ \t]*\)|(?:^|\n)[ \t]*import[ \t]+["'](\.{1,2}\/[^"']+)["']/g;

/** @type {Map<string, { stamp: string; targets: string[] }>} */
const graph = new Map();

/** The files `file` imports, or none when it cannot be read (a package, a JSON file, a missing file). */
function importsOf(file) {
  let stamp;
  try {
    const s = statSync(file);
    if (!s.isFile()) return [];
    stamp = `${s.mtimeMs}:${s.size}`;
  } catch {
    return [];
  }
  const known = graph.get(file);
  if (known?.stamp === stamp) return known.targets;
  const text = readFileSync(file, "utf8");
  const targets = [...text.matchAll(IMPORT)]
    .map((m) => resolve(dirname(file), m[1] ?? m[2] ?? m[3] ?? ""))
    .filter((t) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(t));
  graph.set(file, { stamp, targets });
  return targets;
}

/** The shortest chain of imports from `start` back to `home`, or undefined. */
function pathBack(start, home) {
  /** @type {Map<string, string | undefined>} */
  const cameFrom = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = /** @type {string} */ (queue.shift());
    if (file === home) {
      const chain = [];
      for (
        let at = /** @type {string | undefined} */ (file);
        at !== undefined;
        at = cameFrom.get(at)
      )
        chain.unshift(at);
      return chain;
    }
    for (const next of importsOf(file)) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, file);
      queue.push(next);
    }
  }
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "Refuses an import that closes a cycle of imports between files" },
    messages: {
      cycle:
        "This import closes a cycle: {{chain}}. Move what the files share into a module of its own that both import.",
    },
    schema: [],
  },
  create(context) {
    const home = resolve(context.filename);
    const root = context.cwd;
    /** @param {import("estree").Node & { source?: unknown }} node */
    const check = (node) => {
      const source = /** @type {{ type?: string; value?: unknown } | null | undefined} */ (
        node.source
      );
      if (source?.type !== "Literal" || typeof source.value !== "string") return;
      if (!source.value.startsWith("./") && !source.value.startsWith("../")) return;
      const target = resolve(dirname(home), source.value);
      const chain = pathBack(target, home);
      if (chain === undefined) return;
      const names = [home, ...chain].map((f) => relative(root, f));
      context.report({ node, messageId: "cycle", data: { chain: names.join(" -> ") } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default rule;
