/** The Pulumi entry (src/index.ts) reads the stack's config through the Pulumi runtime. */

import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { readStackFile } from "../src/config/stack-file.ts";
import { baseRaw, clientFile } from "./helpers/fixtures.ts";
import { runMocked } from "./helpers/mocks.ts";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");

/** Loads src/index.ts afresh, as `pulumi up` would, with `config` as the stack's config. */
async function runEntryModule(
  config: Record<string, string>,
  secretKeys = ["gemini-access-kit:oauthClientJson"],
): Promise<Record<string, unknown>> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  vi.resetModules();
  return await import("../src/index.ts");
}

function runEntry(config: Record<string, string>, stack: string) {
  return runMocked(() => runEntryModule(config), { stack });
}

describe("the Pulumi entry", () => {
  // dev as a stack that applies its own foundation, secrets included (the CI stack's otherwise).
  const selfApplied = () => ({
    ...readStackFile(ROOT, "dev").raw,
    "gemini-access-kit:foundation": "stack",
  });

  test("builds the stack from the runtime's config and exports its outputs", async () => {
    const d = await runEntry(selfApplied(), "dev");
    expect(d.outputs.verifyCommand).toBe("npm run verify -- --stack dev");
    expect(
      d
        .ofType("gcp:secretmanager/secret:Secret")
        .map((r) => r.inputs.secretId)
        .sort(),
    ).toEqual(["gak-api-key-dev", "gak-runtime-key-dev"]);
  });

  test("stops on bad config with every problem listed, before any resource is registered", async () => {
    const config = baseRaw({
      "gcp:project": "Bad_Project",
      "gemini-access-kit:keyRotationDays": "400",
    });
    const d = await runMocked(async () => {
      try {
        await runEntryModule(config);
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
    const d = await runMocked(async () => {
      try {
        await runEntryModule(config, secretKeys);
        return { runError: false, message: "" };
      } catch (err) {
        return { runError: pulumi.RunError.isInstance(err), message: (err as Error).message };
      }
    });
    return { resources: d.resources, ...d.outputs };
  }

  test("refuses a client file that Pulumi does not hold as a secret (committed as plain text), before any resource", async () => {
    const file = clientFile();
    const result = await stopped(
      baseRaw({
        "gemini-access-kit:oauthClientJson": file.text,
        "gemini-access-kit:oauthClientReaders": ["group:team@example.com"],
      }),
      [],
    );
    expect(result.resources).toEqual([]);
    expect(result.runError).toBe(true);
    expect(result.message).toContain(
      "[oauthClientJson] (secret value, not shown) is in the stack file as plain text",
    );
    expect(result.message).not.toContain(file.clientSecret);
  });

  test("refuses a setting in a misspelt namespace, which would otherwise be dropped without a word (prod's guard among them)", async () => {
    const result = await stopped({ ...baseRaw(), "gemini-acess-kit:oauthClientRequired": "true" });
    expect(result.resources).toEqual([]);
    expect(result.message).toContain(
      '[gemini-acess-kit:oauthClientRequired] "true" is in the namespace "gemini-acess-kit"',
    );
    expect(result.message).toContain("Did you mean gemini-access-kit:oauthClientRequired?");
  });

  /**
   * Runs @pulumi/pulumi's own Node.js entry (cmd/run/index.js) on this project with the command line
   * and environment the language host gives it (pulumi-language-nodejs: constructArguments, and
   * PULUMI_NODEJS_TYPESCRIPT=true only when Pulumi.yaml's `typescript` option is on, its default),
   * with test/helpers/pulumi-mocks.ts preloaded in place of the engine.
   */
  function pulumiUp(config: Record<string, string>) {
    const options = (
      parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
        runtime: { options?: { typescript?: boolean } };
      }
    ).runtime.options;
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "",
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: "[]",
    };
    if (options?.typescript !== false) env["PULUMI_NODEJS_TYPESCRIPT"] = "true";
    const entry = join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run", "index.js");
    const args = [
      "--import",
      join(ROOT, "test", "helpers", "pulumi-mocks.ts"),
      entry,
      "--monitor",
      "127.0.0.1:1",
      "--project",
      "gemini-access-kit",
      "--stack",
      "dev",
      "--pwd",
      ROOT,
      "src/index.ts",
    ];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
    const report = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
      types: string[];
      outputs?: Record<string, unknown>;
      tsNodeLoaded: boolean;
    };
    return { status: run.status, stderr: run.stderr, ...report };
  }

  test("loads through Pulumi's own Node.js entry as `pulumi up` runs it, an ES module Node strips the types of, without ts-node, and builds the stack", () => {
    const run = pulumiUp(selfApplied());
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.tsNodeLoaded).toBe(false);
    expect(run.outputs?.["verifyCommand"]).toBe("npm run verify -- --stack dev");
    expect(run.types.filter((t) => t === "gcp:secretmanager/secret:Secret")).toHaveLength(2);
  });

  test("stops there on bad config with the problem list and Pulumi's exit code for an error already shown", () => {
    const run = pulumiUp({ "gcp:project": "Bad_Project" });
    // 32: cmd/run/index.js nodeJSProcessExitedAfterLoggingUserActionableMessage.
    expect(run.status).toBe(32);
    expect(run.stderr).toMatch(
      /stacks\/Pulumi\.dev\.yaml has 1 problem; nothing was created:\n {2}- \[gcp:project\] "Bad_Project"/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.types).toEqual(["pulumi:pulumi:Stack"]);
  });
});
