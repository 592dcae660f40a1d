/**
 * The saved user sign-ins, so the consent screen appears once: one refresh token per OAuth client,
 * in a file only the user can read (0600, in a 0700 folder). Every change is written to a temporary
 * file and renamed over the old one under a lock file, so concurrent runs never leave a torn or
 * half-merged file, and a failed write leaves no temporary file behind.
 *
 * A refresh token is as good as a password, so the cache is refused, before any sign-in starts, when
 * it cannot be written or when someone else could plant or swap its file: a folder another user owns
 * or may write to, or a cache file that is a folder or a symbolic link.
 */

import { randomUUID } from "node:crypto";
import { lstat, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { Failure } from "../../cli/failure.ts";

export interface SavedSignIn {
  refreshToken: string;
  scopes: string[];
  savedAt: string;
}

interface CacheFile {
  version: 1;
  clients: Record<string, SavedSignIn>;
}

/** Where the cache is, and the folder that must exist already (the ones below it are created 0700). */
export interface CacheLocation {
  path: string;
  root: string;
}

/** `--token-cache`, then GEMINI_KIT_TOKEN_CACHE, then the user's cache folder (XDG_CACHE_HOME or ~/.cache). */
export function cacheLocation(
  env: Record<string, string | undefined>,
  flag?: string,
): CacheLocation {
  const named = flag ?? (env.GEMINI_KIT_TOKEN_CACHE || undefined);
  if (named !== undefined) {
    const path = resolve(named);
    return { path, root: dirname(dirname(path)) };
  }
  const root = env.XDG_CACHE_HOME || env.HOME || homedir();
  const base = env.XDG_CACHE_HOME ? root : join(root, ".cache");
  return { path: join(base, "gemini-access-kit", "oauth-tokens.json"), root };
}

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;
const ELSEWHERE = "--token-cache FILE (or GEMINI_KIT_TOKEN_CACHE) in a folder only you can write";
const FIX = `Use ${ELSEWHERE}.`;

function isSignIn(value: unknown): value is SavedSignIn {
  const v = value as SavedSignIn;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.refreshToken === "string" &&
    Array.isArray(v.scopes)
  );
}

function unusable(message: string, fix = FIX): Failure {
  return new Failure("TOKEN_CACHE_UNUSABLE", message, fix, 2);
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

export class TokenCache {
  readonly path: string;
  readonly #root: string;
  readonly #rename: typeof rename;

  /** `replace` puts a written file in place (fs's rename); tests give one that fails. */
  constructor(location: CacheLocation, replace: typeof rename = rename) {
    this.path = location.path;
    this.#root = location.root;
    this.#rename = replace;
  }

  /** Whether the folder may hold a refresh token: the user's own, and writable by no one else. */
  async #checkFolder(): Promise<"missing" | "ok"> {
    const folder = dirname(this.path);
    let st;
    try {
      st = await lstat(folder);
    } catch (err) {
      if (code(err) === "ENOENT") return "missing";
      throw unusable(`The token cache folder ${folder} cannot be read (${code(err) ?? "error"}).`);
    }
    if (!st.isDirectory())
      throw unusable(
        `The token cache folder ${folder} is not a folder${st.isSymbolicLink() ? " (it is a symbolic link)" : ""}.`,
      );
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid)
      throw unusable(
        `The token cache folder ${folder} belongs to another user (uid ${st.uid}), who could read or replace the saved sign-ins.`,
      );
    if ((st.mode & 0o022) !== 0) {
      throw unusable(
        `The token cache folder ${folder} can be written by other users (mode ${(st.mode & 0o777).toString(8)}), who could plant or swap the saved sign-ins.`,
        `Run chmod 700 ${folder}, or use ${ELSEWHERE}.`,
      );
    }
    return "ok";
  }

  /** The cache file, if it exists, must be a plain file of the user's own. */
  async #checkFile(): Promise<void> {
    let st;
    try {
      st = await lstat(this.path);
    } catch (err) {
      if (code(err) === "ENOENT") return;
      throw unusable(`The token cache ${this.path} cannot be read (${code(err) ?? "error"}).`);
    }
    if (st.isSymbolicLink())
      throw unusable(
        `The token cache ${this.path} is a symbolic link; the kit writes only a plain file of its own there.`,
        `Remove the link, or use ${ELSEWHERE}.`,
      );
    if (!st.isFile())
      throw unusable(
        `The token cache ${this.path} is ${st.isDirectory() ? "a folder" : "not a plain file"}.`,
      );
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid)
      throw unusable(`The token cache ${this.path} belongs to another user (uid ${st.uid}).`);
  }

  /**
   * Makes sure a sign-in can be saved, before one starts: the folder exists (created 0700 below a
   * root that must exist), is safe, and a file can be created in it.
   */
  async check(): Promise<void> {
    if (
      !isAbsolute(this.#root) ||
      (await stat(this.#root).then(
        (s) => !s.isDirectory(),
        () => true,
      ))
    ) {
      throw unusable(
        `The token cache ${this.path} is under ${this.#root || "(no HOME)"}, which is not an existing folder.`,
      );
    }
    if ((await this.#checkFolder()) === "missing") {
      try {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw unusable(
          `The token cache folder ${dirname(this.path)} cannot be created (${code(err) ?? "error"}).`,
        );
      }
      await this.#checkFolder();
    }
    await this.#checkFile();
    const probe = `${this.path}.${process.pid}.${randomUUID()}.probe`;
    try {
      await (await open(probe, "wx", 0o600)).close();
    } catch (err) {
      throw unusable(
        `The token cache folder ${dirname(this.path)} cannot be written (${code(err) ?? "error"}).`,
      );
    } finally {
      await rm(probe, { force: true });
    }
  }

  async #read(): Promise<CacheFile> {
    if ((await this.#checkFolder()) === "missing") return { version: 1, clients: {} };
    await this.#checkFile();
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      return { version: 1, clients: {} };
    }
    try {
      const parsed = JSON.parse(text) as Partial<CacheFile>;
      const clients: Record<string, SavedSignIn> = {};
      for (const [id, entry] of Object.entries(parsed.clients ?? {}))
        if (isSignIn(entry)) clients[id] = entry;
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
    await this.check();
    const release = await this.#lock();
    const temp = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      const file = await this.#read();
      change(file);
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
      await this.#rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      if (err instanceof Failure) throw err;
      throw unusable(
        `The token cache ${this.path} could not be written (${code(err) ?? "error"}).`,
      );
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
        if (code(err) !== "EEXIST")
          throw unusable(
            `The token cache lock ${lock} cannot be created (${code(err) ?? "error"}).`,
          );
      }
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      if (Date.now() > deadline) {
        throw new Failure(
          "TOKEN_CACHE_UNUSABLE",
          `The token cache lock ${lock} is held by another run.`,
          "Wait for the other run, or delete the lock file if none is active.",
        );
      }
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
  }
}
