/**
 * Reading the files a user names (key, client, outputs, state): a missing one, or one that is not
 * JSON, is bad input named by its path, not a crash.
 */

import { readFile } from "node:fs/promises";
import { badInput } from "./failure.ts";

const LARGEST_INPUT = 1024 * 1024;

export async function readInputFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "does not exist"
        : code === "EISDIR"
          ? "is a folder"
          : code === "EACCES"
            ? "cannot be read (permission denied)"
            : `cannot be read (${code ?? "error"})`;
    throw badInput(`${path} ${why}.`, "Check the path.");
  }
  if (text.length > LARGEST_INPUT)
    throw badInput(
      `${path} is larger than 1 MiB, so it is not a key, client or outputs file.`,
      "Check the path.",
    );
  return text;
}

/** The JSON in the text of `source`; text that is not JSON is bad input, named, never quoted. */
export function jsonInput(text: string, source: string, fix: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badInput(`${source} is not valid JSON.`, fix);
  }
}
