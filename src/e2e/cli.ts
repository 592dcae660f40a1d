/**
 * The e2e command as its entry runs it (scripts/e2e.ts): arguments, what a run needs (ADC, the
 * Pulumi CLI, the caller's e-mail) checked before anything is made, Ctrl-C, then the run or the
 * janitor, with every collaborator passed in, so tests run the whole command in their own process.
 */

import { Failure } from "../cli/failure.ts";
import type { MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import { Interruption, pulumiMissing, type Run } from "../cli/process.ts";
import type { Redactor } from "../cli/redact.ts";
import { EMAIL } from "../naming.ts";
import { E2E_HELP, parseE2eArgs } from "./args.ts";
import type { E2eGoogle } from "./google.ts";
import { runJanitor } from "./janitor.ts";
import { formatJanitorText, formatRunText } from "./report.ts";
import { runE2e } from "./run.ts";
import type { MachineFacts, Workspace, WorkspaceRequest } from "./workspace.ts";

export interface E2eCommandDeps {
  /** The kit's own folder: what a run copies. */
  kitRoot: string;
  tempRoot: string;
  /** Every program: the kit's commands, pulumi, gcloud. */
  run: Run;
  node: { path: string; flags: string[] };
  /**
   * Application Default Credentials, tried once: the calls the run makes itself, and who the caller
   * is (an e-mail when the credentials name one). A Failure when there are none that work.
   */
  connect: (request: {
    project?: string;
    redactor: Redactor;
    progress: (line: string) => void;
  }) => Promise<{ google: E2eGoogle; principal: string }>;
  /** Where ADC's file is and where the Pulumi CLI is, read once the CLI has answered. */
  machine: () => MachineFacts;
  randomBytes: (n: number) => Uint8Array;
  clock: { now(): number; sleep(ms: number): Promise<void> };
  onInterrupt: (handler: () => void) => void;
  makeWorkspace?: (r: WorkspaceRequest) => Workspace;
}

const NOTHING_MADE = "Nothing was created.";

async function connect(ctx: MainContext, deps: E2eCommandDeps, project?: string) {
  try {
    return await deps.connect({
      project,
      redactor: ctx.redactor,
      progress: (line) => ctx.err(`${line}\n`),
    });
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    throw new Failure(
      "NO_CREDENTIALS",
      `e2e needs Application Default Credentials (gcloud auth application-default login): ${err.message.replace(/\.$/, "")}.`,
      `${err.fix} ${NOTHING_MADE}`,
      2,
    );
  }
}

async function checkPulumi(deps: E2eCommandDeps): Promise<void> {
  const version = await deps.run("pulumi", ["version"]);
  if (version.missing) {
    const f = pulumiMissing(version, "run it again");
    throw new Failure(
      "PULUMI_MISSING",
      `e2e needs the Pulumi CLI: ${f.message}`,
      `${f.fix} ${NOTHING_MADE}`,
      2,
    );
  }
  if (version.exitCode !== 0)
    throw new Failure(
      "PULUMI_MISSING",
      `e2e needs the Pulumi CLI: pulumi version exited ${version.exitCode} (${version.stderr.trim().split("\n").pop() ?? ""}).`,
      `Make npm exec -- pulumi version work, then run it again. ${NOTHING_MADE}`,
      2,
    );
}

/**
 * The caller as an IAM member. ADC names an e-mail for a service account's key or an account
 * Workload Identity Federation impersonates; a user's login names none, and the kit has no call
 * that asks Google for it, so gcloud's account is asked instead (the account gcloud is logged in
 * as, which is normally the one that made the ADC login).
 */
async function callerMember(principal: string, deps: E2eCommandDeps) {
  let email = principal;
  let from = "Application Default Credentials";
  if (!EMAIL.pattern.test(principal)) {
    const r = await deps.run("gcloud", ["config", "get-value", "account"]);
    email = r.stdout.trim();
    from = "gcloud config get-value account";
    if (r.missing || r.exitCode !== 0 || !EMAIL.pattern.test(email))
      throw new Failure(
        "NO_CREDENTIALS",
        `e2e needs your e-mail, which Application Default Credentials of ${principal === "user" ? "a user login" : principal} do not name, from gcloud config get-value account: ${r.missing ? "gcloud is not installed" : `it printed ${JSON.stringify(email)}`}.`,
        `Log gcloud in as the same person (gcloud auth login), or use a service account's credentials. ${NOTHING_MADE}`,
        2,
      );
  }
  const member = `${/\.gserviceaccount\.com$/.test(email) ? "serviceAccount" : "user"}:${email}`;
  return { member, from };
}

export async function e2eMain(ctx: MainContext, deps: E2eCommandDeps): Promise<number> {
  const options = parseE2eArgs(ctx.argv);
  if (options.command === "help") {
    ctx.out(E2E_HELP);
    return 0;
  }
  if (options.command === "janitor") {
    const { google } = await connect(ctx, deps);
    const report = await runJanitor(options, {
      google,
      now: () => deps.clock.now(),
      progress: (line) => ctx.err(`${line}\n`),
    });
    ctx.out(
      options.json
        ? jsonText({ command: "e2e janitor", ...report, exitCode: undefined })
        : formatJanitorText(report),
    );
    return report.exitCode;
  }
  const project = "adopt" in options.source ? options.source.adopt.project : undefined;
  const { google, principal } = await connect(ctx, deps, project);
  await checkPulumi(deps);
  const caller = await callerMember(principal, deps);
  ctx.err(`[e2e] acting as ${caller.member} (from ${caller.from})\n`);
  const interruption = { steps: new Interruption(), cleanup: new Interruption() };
  deps.onInterrupt(() => {
    if (!interruption.steps.interrupted) {
      ctx.err(
        "\nInterrupted: stopping the running step; the clean-up steps run next (Ctrl-C again stops them too).\n",
      );
      interruption.steps.interrupt();
    } else {
      interruption.steps.interrupt();
      interruption.cleanup.interrupt();
    }
  });
  const report = await runE2e(options, {
    kitRoot: deps.kitRoot,
    tempRoot: deps.tempRoot,
    run: deps.run,
    node: deps.node,
    google,
    member: caller.member,
    machine: deps.machine(),
    randomBytes: deps.randomBytes,
    clock: deps.clock,
    progress: (line) => ctx.err(`${line}\n`),
    secret: (value) => ctx.redactor.add(value),
    interruption,
    makeWorkspace: deps.makeWorkspace,
  });
  ctx.out(
    options.json
      ? jsonText({
          command: "e2e",
          ...report,
          caller: { member: caller.member, from: caller.from },
          exitCode: undefined,
        })
      : formatRunText(report),
  );
  return report.exitCode;
}
