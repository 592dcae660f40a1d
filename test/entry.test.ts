/** The Pulumi entry (src/index.ts) reads the stack's config through the Pulumi runtime. */

import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../src/config/stack-file";
import { baseRaw, clientFile } from "./helpers/fixtures";
import { runMocked } from "./helpers/mocks";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Loads src/index.ts afresh, as `pulumi up` would, with `config` as the stack's config. */
function runEntryModule(config: Record<string, string>, secretKeys = ["gemini-access-kit:oauthClientJson"]): Record<string, unknown> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  let exported: unknown;
  jest.isolateModules(() => {
    exported = jest.requireActual("../src/index");
  });
  return exported as Record<string, unknown>;
}

function runEntry(config: Record<string, string>, stack: string) {
  return runMocked(() => runEntryModule(config), { stack });
}

describe("the Pulumi entry", () => {
  test("builds the stack from the runtime's config and exports its outputs", async () => {
    const { raw } = readStackFile(join(__dirname, ".."), "dev");
    const d = await runEntry({ ...raw }, "dev");
    expect(d.outputs.verifyCommand).toBe("npm run verify -- --stack dev");
    expect(d.ofType("gcp:secretmanager/secret:Secret").map((r) => r.inputs.secretId).sort()).toEqual(["gak-api-key-dev", "gak-runtime-key-dev"]);
  });

  test("stops on bad config with every problem listed, before any resource is registered", async () => {
    const config = baseRaw({ "gcp:project": "Bad_Project", "gemini-access-kit:keyRotationDays": "400" });
    const d = await runMocked(() => {
      try {
        runEntryModule(config);
        return { runError: false, message: "" };
      } catch (err) {
        return { runError: pulumi.RunError.isInstance(err), message: (err as Error).message };
      }
    });
    expect(d.resources).toEqual([]);
    // A RunError is printed by Pulumi without a stack trace: the user sees the problem list only.
    expect(d.outputs.runError).toBe(true);
    expect(d.outputs.message).toMatch(
      /stacks\/Pulumi\.test\.yaml has 2 problems; nothing was created:\n {2}- \[gcp:project\] "Bad_Project".*\n {2}- \[keyRotationDays\] 400/,
    );
  });

  /** Runs the entry and returns how it stopped: a RunError (printed by Pulumi without a trace) and its message. */
  async function stopped(config: Record<string, string>, secretKeys?: string[]) {
    const d = await runMocked(() => {
      try {
        runEntryModule(config, secretKeys);
        return { runError: false, message: "" };
      } catch (err) {
        return { runError: pulumi.RunError.isInstance(err), message: (err as Error).message };
      }
    });
    return { resources: d.resources, ...d.outputs };
  }

  test("refuses a client file that Pulumi does not hold as a secret (committed as plain text), before any resource", async () => {
    const file = clientFile();
    const result = await stopped(baseRaw({ "gemini-access-kit:oauthClientJson": file.text, "gemini-access-kit:oauthClientReaders": ["group:team@example.com"] }), []);
    expect(result.resources).toEqual([]);
    expect(result.runError).toBe(true);
    expect(result.message).toContain("[oauthClientJson] (secret value, not shown) is in the stack file as plain text");
    expect(result.message).not.toContain(file.clientSecret);
  });

  test("refuses a setting in a misspelt namespace, which would otherwise be dropped without a word (prod's guard among them)", async () => {
    const result = await stopped({ ...baseRaw(), "gemini-acess-kit:oauthClientRequired": "true" });
    expect(result.resources).toEqual([]);
    expect(result.message).toContain("[gemini-acess-kit:oauthClientRequired] \"true\" is in the namespace \"gemini-acess-kit\"");
    expect(result.message).toContain("Did you mean gemini-access-kit:oauthClientRequired?");
  });

  test("loads through ts-node with type checking, as `pulumi up` runs it, and reaches the config check", () => {
    // Without the engine there is no stack config, so a program that compiled and ran stops at
    // gcp:project; a module or type error would stop it earlier with another message.
    const printed = execFileSync(process.execPath, [join(__dirname, "helpers", "pulumi-ts-node.cjs"), join(__dirname, "..", "src", "index.ts")], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_NODEJS_TRANSPILE_ONLY: "" },
    });
    expect(printed).toMatch(/^threw: stacks\/Pulumi\.stack\.yaml has 1 problem; nothing was created:\n {2}- \[gcp:project\] \(not set\)/);
  }, 60_000);
});
