/**
 * src/google/identities/service-account.ts imports google-auth-library's JWT client from its own
 * module under build/, not from the package index, to start faster. That path is not part of the
 * package's public interface, so the version it was checked against is pinned exactly.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JWT } from "google-auth-library";
import { JWT as DeepJWT } from "google-auth-library/build/src/auth/jwtclient.js";

const ROOT = join(import.meta.dirname, "..", "..");
const json = (path: string) =>
  JSON.parse(readFileSync(join(ROOT, path), "utf8")) as Record<string, unknown>;

describe("the deep import of google-auth-library's JWT client", () => {
  test("is the very class the package exports", () => {
    expect(DeepJWT).toBe(JWT);
  });

  test("relies on a version package.json pins exactly, and that version is the one installed", () => {
    const pinned = (json("package.json")["dependencies"] as Record<string, string>)[
      "google-auth-library"
    ];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(json("node_modules/google-auth-library/package.json")["version"]).toBe(pinned);
  });
});
