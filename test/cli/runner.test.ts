/** The process runner the commands read a stack's outputs with: bounded, and its failures said whole. */

import { realpathSync } from "node:fs";
import { Failure } from "../../src/cli/failure.ts";
import { stackOutputJson, type Runner } from "../../src/cli/stack-outputs.ts";
import { outputRunner, runProcess } from "../../scripts/runner.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** Runs this Node in place of `pulumi`, with a script that never ends. */
const hanging =
  (runner: Runner): Runner =>
  (_file, _args) =>
    runner(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);

test("A26: a `pulumi stack output` that never returns is stopped, and the command fails with one line saying so", async () => {
  let failure: unknown;
  try {
    await stackOutputJson("dev", hanging(outputRunner(1000)));
  } catch (err) {
    failure = err;
  }
  expect(failure).toBeInstanceOf(Failure);
  expect((failure as Failure).message).toBe(
    "pulumi stack output --stack dev failed: it did not finish within 1 s and was stopped (a backend that does not answer, or a prompt waiting for input).",
  );
  expect((failure as Failure).exitCode).toBe(2);
});

test("a program that answers in time is read whole", async () => {
  const run = outputRunner(30_000);
  const result = await run(process.execPath, ["-e", 'process.stdout.write(\'{"project":"p"}\')']);
  expect(result).toMatchObject({ exitCode: 0, stdout: '{"project":"p"}' });
});

test("a program run with env gets those variables on top of this process's environment", async () => {
  const result = await runProcess(
    process.execPath,
    ["-e", "process.stdout.write(`${process.env.GAK_ADDED} ${process.env.PATH === undefined}`)"],
    { env: { GAK_ADDED: "yes" } },
  );
  expect(result).toMatchObject({ exitCode: 0, stdout: "yes false" });
});

test("a program run with cwd starts in that folder, where pulumi looks for its project", async () => {
  const dir = tempDir("runner-cwd");
  const result = await runProcess(process.execPath, ["-e", "process.stdout.write(process.cwd())"], {
    cwd: dir,
  });
  expect(result).toMatchObject({ exitCode: 0, stdout: realpathSync(dir) });
});
