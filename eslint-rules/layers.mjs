// @ts-check
/**
 * An ESLint rule: every file under src/ belongs to one layer, and imports only files of its own
 * layer and of the layers it may use. The layers are given as options (eslint.config.mjs), each a
 * list of path prefixes from the project's root; the longest prefix a file starts with names its
 * layer. Imports are judged by the file they resolve to, not by how they are spelt, and `import type`
 * counts: a type is a dependency too. A layer may also be refused packages (`@pulumi/`).
 */

import { dirname, relative, resolve, sep } from "node:path";

/**
 * @typedef {{ paths: string[]; may: string[]; packages?: { refuse: string; why: string }[]; why: string }} Layer
 * @typedef {Record<string, Layer>} Layers
 */

/** The layer a path (from the project's root, with `/`) is in: the longest prefix wins. */
function layerOf(/** @type {Layers} */ layers, /** @type {string} */ path) {
  let best;
  let length = -1;
  for (const [name, layer] of Object.entries(layers))
    for (const prefix of layer.paths)
      if (
        (path === prefix || (prefix.endsWith("/") && path.startsWith(prefix))) &&
        prefix.length > length
      ) {
        best = name;
        length = prefix.length;
      }
  return best;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "Keeps each file's imports within the layers its own layer may use" },
    messages: {
      unplaced:
        "{{file}} is in no layer. Add it to a layer in eslint.config.mjs (LAYERS), or move it into a folder that is one.",
      crossing:
        "{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}): {{fromLayer}} uses only its own files and {{may}}. {{why}}",
      package: "{{from}} ({{fromLayer}}) may not import {{name}}: {{why}}",
    },
    schema: [{ type: "object" }],
  },
  create(context) {
    const layers = /** @type {Layers} */ (context.options[0] ?? {});
    const root = context.cwd;
    const home = resolve(context.filename);
    const path = relative(root, home).split(sep).join("/");
    if (!path.startsWith("src/")) return {};
    const own = layerOf(layers, path);
    /** @param {import("estree").Node & { source?: unknown }} node */
    const check = (node) => {
      const source = /** @type {{ type?: string; value?: unknown } | null | undefined} */ (
        node.source
      );
      if (source?.type !== "Literal" || typeof source.value !== "string" || own === undefined)
        return;
      const spec = source.value;
      const layer = layers[own];
      if (!spec.startsWith(".")) {
        const refused = layer.packages?.find((p) => spec.startsWith(p.refuse));
        if (refused !== undefined)
          context.report({
            node,
            messageId: "package",
            data: { from: path, fromLayer: own, name: spec, why: refused.why },
          });
        return;
      }
      const to = relative(root, resolve(dirname(home), spec))
        .split(sep)
        .join("/");
      const target = layerOf(layers, to);
      if (target === undefined || target === own || layer.may.includes(target)) return;
      context.report({
        node,
        messageId: "crossing",
        data: {
          from: path,
          fromLayer: own,
          to,
          toLayer: target,
          may: layer.may.length === 0 ? "nothing else" : layer.may.join(", "),
          why: layer.why,
        },
      });
    };
    return {
      Program(node) {
        if (own === undefined)
          context.report({ node, messageId: "unplaced", data: { file: path } });
      },
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default rule;
