/**
 * The committed inventories pin every resource's URN and identity inputs: a change to the program
 * that renames, adds, removes or replaces a resource fails here until `npm run inventory` is run and
 * its result committed, so every such change shows in review.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import { stackNames } from "../../src/cli/stacks.ts";
import { readStackFile, stackReader } from "../../src/config/stack-file.ts";
import {
  inventoryDiff,
  inventoryOf,
  inventoryText,
  type Inventory,
} from "../../src/plan/inventory.ts";
import { INVENTORY_HELP, inventoryMain, inventoryPath } from "../../src/plan/inventory-cli.ts";
import { planStack } from "../../src/offline-plan/plan.ts";
import { ROOT } from "../helpers/verify-cli.ts";

const STACKS = stackNames(readdirSync(join(ROOT, "stacks")));
const committed = (stack: string) =>
  JSON.parse(readFileSync(join(ROOT, inventoryPath(stack)), "utf8")) as Inventory;

async function inventory(
  args: string[],
  files: Record<string, string> = {},
  refuseWrite?: NodeJS.ErrnoException,
) {
  let out = "";
  const written: Record<string, string> = {};
  const ctx = commandContext(args, { stdout: (t) => (out += t), stderr: (t) => (out += t) });
  const code = await runCommand(
    "inventory",
    (c) =>
      inventoryMain(c, {
        root: ROOT,
        readFile: (path) => files[path] ?? readFileSync(path, "utf8"),
        writeFile: (path, text) => {
          if (refuseWrite !== undefined) throw refuseWrite;
          written[path] = text;
        },
      }),
    ctx,
  );
  return { code, out, written };
}

describe.each(STACKS)("the committed inventory of %s", (stack) => {
  test("is what the program registers today (after a change, run npm run inventory and commit it)", async () => {
    const pinned = committed(stack);
    const plan = await planStack({
      stack,
      stackFile: `stacks/Pulumi.${stack}.yaml`,
      file: readStackFile(ROOT, stack),
      readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
    });
    const current = inventoryOf(plan);
    expect(inventoryDiff(pinned, current)).toEqual([]);
    expect(readFileSync(join(ROOT, inventoryPath(stack)), "utf8")).toBe(inventoryText(current));
  });

  test("names every cloud resource with the inputs that would replace it, and no secret value", () => {
    const pinned = committed(stack);
    expect(pinned.resources.length).toBeGreaterThan(0);
    for (const r of pinned.resources.filter((x) => x.type.startsWith("gcp:")))
      expect([r.urn, Object.keys(r.identity).length > 0]).toEqual([r.urn, true]);
    const versions = pinned.resources.filter(
      (r) => r.type === "gcp:secretmanager/secretVersion:SecretVersion",
    );
    for (const v of versions)
      expect([v.identity.secretData, v.identity.secretDataWo]).toEqual([undefined, undefined]);
  });
});

describe("npm run inventory", () => {
  test("with --check exits 0 when every committed inventory is current, writing nothing", async () => {
    const { code, out, written } = await inventory(["--check"]);
    expect(code).toBe(0);
    expect(written).toEqual({});
    for (const stack of STACKS) expect(out).toContain(`unchanged inventory/${stack}.json`);
  });

  test("with --check names a renamed resource as removed and added, says it needs an alias, and exits 1", async () => {
    const pinned = committed("ci");
    const renamed = {
      ...pinned,
      resources: pinned.resources.map((r) =>
        r.name === "ci-dev-apis-iam"
          ? {
              ...r,
              urn: r.urn.replace("::ci-dev-apis-iam", "::ci-dev-apis-iam-old"),
              name: "ci-dev-apis-iam-old",
            }
          : r,
      ),
    };
    const path = join(ROOT, inventoryPath("ci"));
    const { code, out, written } = await inventory(["--check", "--stack", "ci"], {
      [path]: inventoryText(renamed),
    });
    expect(code).toBe(1);
    expect(written).toEqual({});
    expect(out).toContain("differs   inventory/ci.json");
    expect(out).toMatch(
      /- removed \(or renamed\): urn:pulumi:ci::gemini-access-kit::.*::ci-dev-apis-iam-old \(a rename that must keep the cloud resource needs an alias\)/,
    );
    expect(out).toMatch(/\+ added \(or renamed to\): urn:pulumi:ci::.*::ci-dev-apis-iam\n/);
    expect(out).toContain(
      "1 inventory differs from the program: run npm run inventory and commit the result with the change.",
    );
  });

  test("with --check shows a change of an input that would replace the resource", async () => {
    const pinned = committed("ci");
    const changed = {
      ...pinned,
      resources: pinned.resources.map((r) =>
        r.name === "ci-dev-api-key-store-secret"
          ? { ...r, identity: { ...r.identity, secretId: "old-id" } }
          : r,
      ),
    };
    const { code, out } = await inventory(["--check", "--stack", "ci"], {
      [join(ROOT, inventoryPath("ci"))]: inventoryText(changed),
    });
    expect(code).toBe(1);
    expect(out).toMatch(
      /~ changed: urn:pulumi:ci::.*Secret::ci-dev-api-key-store-secret: \{.*"secretId":"old-id".*\} -> \{.*"secretId":"gak-api-key-dev"/,
    );
  });

  test("writes a stale inventory again", async () => {
    const pinned = committed("prod");
    const stale = { ...pinned, resources: pinned.resources.slice(1) };
    const path = join(ROOT, inventoryPath("prod"));
    const { code, written } = await inventory(["--stack", "prod"], {
      [path]: inventoryText(stale),
    });
    expect(code).toBe(0);
    expect(written[path]).toBe(readFileSync(path, "utf8"));
  });

  test("I1: an inventory that is not one (a merge conflict) is written anew, and only --check refuses it", async () => {
    const path = join(ROOT, inventoryPath("prod"));
    const conflict = "<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> branch\n";
    const check = await inventory(["--stack", "prod", "--check"], { [path]: conflict });
    expect(check.code).toBe(2);
    expect(check.out).toContain("Run npm run inventory (without --check) to write it again");
    const { code, out, written } = await inventory(["--stack", "prod"], { [path]: conflict });
    expect(code).toBe(0);
    expect(out).toContain("was not an inventory; written anew from the program");
    expect(written[path]).toBe(readFileSync(path, "utf8"));
  });

  test("I2: an inventory folder the user may not write is one line, exit 2, not an unexpected error", async () => {
    const pinned = committed("prod");
    const path = join(ROOT, inventoryPath("prod"));
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const { code, out } = await inventory(
      ["--stack", "prod"],
      { [path]: inventoryText({ ...pinned, resources: pinned.resources.slice(1) }) },
      denied,
    );
    expect(code).toBe(2);
    expect(out).toBe(
      "Cannot write inventory/prod.json (EACCES). Make inventory/ and its files writable by you (or run as their owner), then run again.\n",
    );
  });

  test("explains itself with --help", async () => {
    const { code, out } = await inventory(["--help"]);
    expect([code, out]).toEqual([0, INVENTORY_HELP]);
  });
});
