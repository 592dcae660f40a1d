/** The files of the machine a command runs on, for the commands that take them as a collaborator. */

import { createHash } from "node:crypto";
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ToolFiles } from "../src/tools/deps.ts";
import { readOrUndefined } from "./runner.ts";

export const localFiles: ToolFiles = {
  readText: readOrUndefined,
  writeText: (path, text) => {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, path);
  },
  digest: async (path, algorithm) => {
    const hash = createHash(algorithm);
    await pipeline(createReadStream(path), hash);
    return hash.digest("hex");
  },
  isFile: (path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  makeDir: (path) => void mkdirSync(path, { recursive: true }),
  remove: (path) => rmSync(path, { recursive: true, force: true }),
  tempDir: () => {
    const path = mkdtempSync(join(tmpdir(), "gak-pulumi-tools-"));
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
  },
};
