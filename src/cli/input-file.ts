/**
 * Reading the files a user names (key, client, outputs, state): a missing one, or one that is not
 * JSON, is bad input named by its path, not a crash.
 */

import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
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

/** The largest text file the kit reads whole (a stack file, an inventory, the deploy order). */
const LARGEST_TEXT = 4 * 1024 * 1024;

/**
 * A text file of the project's, read whole only if it is a regular file of a sane size: a stack file
 * that is a link to /dev/zero, a FIFO or a folder is an error with a readable `code`, never an
 * endless read or a wait. Opened without blocking, so a FIFO with no writer is refused, not awaited.
 */
export function readTextFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    const refuse = (code: string) =>
      Object.assign(new Error(`${path}: ${code}`), { code }) as NodeJS.ErrnoException;
    if (stat.isDirectory()) throw refuse("EISDIR");
    if (!stat.isFile()) throw refuse("not a regular file");
    if (stat.size > LARGEST_TEXT) throw refuse("larger than 4 MiB");
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
