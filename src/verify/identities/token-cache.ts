/**
 * The saved user sign-ins, so the consent screen appears once: one refresh token per OAuth client,
 * in a file only the user can read (0600, in a 0700 folder). Every change is written to a temporary
 * file and renamed over the old one under a lock file, so concurrent runs never leave a torn or
 * half-merged file.
 */

import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Failure } from "../errors.ts";

export interface SavedSignIn {
  refreshToken: string;
  scopes: string[];
  savedAt: string;
}

interface CacheFile {
  version: 1;
  clients: Record<string, SavedSignIn>;
}

/** `--token-cache`, then GEMINI_KIT_TOKEN_CACHE, then the user's cache folder. */
export function defaultCachePath(env: Record<string, string | undefined>): string {
  if (env.GEMINI_KIT_TOKEN_CACHE) return env.GEMINI_KIT_TOKEN_CACHE;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "gemini-access-kit", "oauth-tokens.json");
}

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

function isSignIn(value: unknown): value is SavedSignIn {
  const v = value as SavedSignIn;
  return typeof v === "object" && v !== null && typeof v.refreshToken === "string" && Array.isArray(v.scopes);
}

export class TokenCache {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async #read(): Promise<CacheFile> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      return { version: 1, clients: {} };
    }
    try {
      const parsed = JSON.parse(text) as Partial<CacheFile>;
      const clients: Record<string, SavedSignIn> = {};
      for (const [id, entry] of Object.entries(parsed.clients ?? {})) if (isSignIn(entry)) clients[id] = entry;
      return { version: 1, clients };
    } catch {
      // A file this command did not write; its sign-ins are lost either way, so start afresh.
      return { version: 1, clients: {} };
    }
  }

  async get(clientId: string): Promise<SavedSignIn | undefined> {
    return (await this.#read()).clients[clientId];
  }

  async put(clientId: string, signIn: SavedSignIn): Promise<void> {
    await this.#update((file) => {
      file.clients[clientId] = signIn;
    });
  }

  /** Forgets a client's sign-in; true if there was one. */
  async remove(clientId: string): Promise<boolean> {
    let removed = false;
    await this.#update((file) => {
      removed = clientId in file.clients;
      delete file.clients[clientId];
    });
    return removed;
  }

  async #update(change: (file: CacheFile) => void): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const release = await this.#lock();
    try {
      const file = await this.#read();
      change(file);
      const temp = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
      await rename(temp, this.path);
    } finally {
      await release();
    }
  }

  /** An exclusive lock file; one left by a crashed run is taken over once it is stale. */
  async #lock(): Promise<() => Promise<void>> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, "wx", 0o600);
        await handle.close();
        return () => rm(lock, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      if (Date.now() > deadline) {
        throw new Failure("REQUEST_FAILED", `The token cache lock ${lock} is held by another run.`, "Wait for the other run, or delete the lock file if none is active.");
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }
}
