/**
 * Reading the files a user names (key, client, outputs, state): a missing one, or one that is not
 * JSON, is bad input named by its path, not a crash.
 */

import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { badInput, Failure } from "./failure.ts";

const LARGEST_INPUT = 1024 * 1024;
/** How long a pipe may take to deliver what it holds (`--key-file <(gcloud ...)`). */
const PIPE_DEADLINE_MS = 30_000;

/**
 * A file the user names (key, client, outputs, state), whole, or one line saying why not. A regular
 * file is read if it is at most 1 MiB. A pipe or device (`--key-file <(...)`) is read as it comes,
 * without blocking: at most 1 MiB (so /dev/zero is refused at once), until its writer closes it (a
 * named FIFO nobody writes to reads as empty), within 30 s.
 */
export async function readInputFile(path: string): Promise<string> {
  const refused = (why: string) => badInput(`${path} ${why}.`, "Check the path.");
  const tooLarge = () =>
    badInput(
      `${path} is larger than 1 MiB, so it is not a key, client or outputs file.`,
      "Check the path.",
    );
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw refused(openFailure((err as NodeJS.ErrnoException).code));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw refused("is a folder");
    if (stat.isFile()) {
      if (stat.size > LARGEST_INPUT) throw tooLarge();
      return readFileSync(fd, "utf8");
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const deadline = Date.now() + PIPE_DEADLINE_MS;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
        if (Date.now() > deadline)
          throw refused(`delivered nothing more within ${PIPE_DEADLINE_MS / 1000} s`);
        await sleep(10);
        continue;
      }
      if (read === 0) break;
      total += read;
      if (total > LARGEST_INPUT) throw tooLarge();
      chunks.push(chunk.subarray(0, read));
    }
    if (total === 0) throw refused("is empty (nothing was written to it)");
    return Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    if (err instanceof Failure) throw err;
    throw refused(openFailure((err as NodeJS.ErrnoException).code));
  } finally {
    closeSync(fd);
  }
}

function openFailure(code: string | undefined): string {
  return code === "ENOENT"
    ? "does not exist"
    : code === "EISDIR"
      ? "is a folder"
      : code === "EACCES"
        ? "cannot be read (permission denied)"
        : `cannot be read (${code ?? "error"})`;
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
