// A disk cache for Node's TypeScript type stripping, loaded with `node --import`.
//
// The verify command runs its .ts files directly on Node's type stripping. Stripping loads a
// WebAssembly compiler on every start (about 60 ms, a fifth of the command's budget); this hook
// keeps each file's stripped JavaScript under node_modules/.cache, keyed by the file's path, size
// and modification time and the Node version, so only a changed file is stripped again.
// Plain JavaScript on purpose: a .ts file here would load the compiler this exists to avoid.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { registerHooks, stripTypeScriptTypes } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CACHE = join(
  import.meta.dirname,
  "..",
  "node_modules",
  ".cache",
  "gemini-access-kit",
  "stripped",
);
const FORMATS = { "module-typescript": "module", "commonjs-typescript": "commonjs" };

// stripTypeScriptTypes is the same stripping Node applies to every .ts file it loads, but as an API
// it is still marked experimental, and a command that missed the cache would print that on stderr.
// Only that one warning is held back; every other warning is emitted as usual.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith("stripTypeScriptTypes is an experimental feature")) return;
  emitWarning(warning, ...rest);
};

registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
    const path = fileURLToPath(url);
    const stat = statSync(path);
    const key = createHash("sha1")
      .update(`${process.version}\0${path}\0${stat.size}\0${stat.mtimeMs}`)
      .digest("hex");
    const entry = join(CACHE, `${key}.json`);
    try {
      return { ...JSON.parse(readFileSync(entry, "utf8")), shortCircuit: true };
    } catch {
      // Not cached yet (or unreadable): strip it now.
    }
    const loaded = nextLoad(url, context);
    const format = FORMATS[loaded.format];
    if (format === undefined) return loaded;
    // "strip" mode blanks types in place, so line and column numbers in stack traces stay true.
    const result = {
      format,
      source: stripTypeScriptTypes(String(loaded.source), { mode: "strip" }),
    };
    try {
      mkdirSync(CACHE, { recursive: true });
      const temp = `${entry}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(result));
      renameSync(temp, entry);
    } catch {
      // A read-only checkout still runs, just without the cache.
    }
    return { ...result, shortCircuit: true };
  },
});
