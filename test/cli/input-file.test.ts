/** The files a user names (key, client, outputs): read whole, bounded, never an endless wait. */

import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { Failure } from "../../src/cli/failure.ts";
import { readInputFile } from "../../src/cli/input-file.ts";
import { tempDir } from "../helpers/temp-dir.ts";

async function refusal(path: string): Promise<string> {
  try {
    await readInputFile(path);
  } catch (err) {
    if (err instanceof Failure) return `${err.exitCode} ${err.message}`;
    throw err;
  }
  return "accepted";
}

test("a regular file is read whole", async () => {
  const file = join(tempDir("input"), "key.json");
  writeFileSync(file, '{"type":"service_account"}');
  expect(await readInputFile(file)).toBe('{"type":"service_account"}');
});

test.each([
  ["a missing file", "/nonexistent/key.json", "2 /nonexistent/key.json does not exist."],
  [
    "A19c: an endless device, refused after its first MiB",
    "/dev/zero",
    "2 /dev/zero is larger than 1 MiB, so it is not a key, client or outputs file.",
  ],
])("%s", async (_what, path, message) => {
  expect(await refusal(path)).toBe(message);
});

test("a folder is named as one", async () => {
  const dir = tempDir("input");
  mkdirSync(join(dir, "keys"));
  expect(await refusal(join(dir, "keys"))).toBe(`2 ${join(dir, "keys")} is a folder.`);
});

test("A19b: a named pipe nobody writes to is empty at once, not awaited forever", async () => {
  const fifo = join(tempDir("input"), "key.fifo");
  execFileSync("mkfifo", [fifo]);
  expect(await refusal(fifo)).toBe(`2 ${fifo} is empty (nothing was written to it).`);
});

test("a pipe with a writer (as --key-file <(...) gives) is read to its end, however it trickles in", async () => {
  const fifo = join(tempDir("input"), "key.fifo");
  execFileSync("mkfifo", [fifo]);
  // The writer opens the pipe first and writes in two parts, as a slow command would.
  const writer = spawn("sh", [
    "-c",
    `exec 3>"${fifo}"; printf '{"a":' >&3; sleep 0.3; printf '1}' >&3`,
  ]);
  const exited = new Promise((resolve) => writer.on("exit", resolve));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await readInputFile(fifo)).toBe('{"a":1}');
  await exited;
});
