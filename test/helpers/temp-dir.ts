/**
 * Temporary folders for tests, each removed when its test file ends (test/helpers/cleanup.ts runs
 * removeTempDirs after every file), so a run leaves nothing behind in the system's temporary folder.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/** A new empty folder `gak-<purpose>-XXXXXX` in the system's temporary folder. */
export function tempDir(purpose: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gak-${purpose}-`));
  made.add(dir);
  return dir;
}

/** Removes every folder tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}
