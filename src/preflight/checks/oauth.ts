/** The OAuth step: whether the Desktop client the stack needs has been handed over. */

import type { PreflightTarget } from "../targets.ts";
import { type CheckResult } from "./result.ts";

export interface DeployedOauth {
  /** Where the state was read: "stack dev's outputs", or the committed config. */
  source: string;
  /** Why the outputs were not the source, when they were not. */
  note?: string;
  status?: string;
  steps: { id: string; status: string; title: string }[];
}

/** The manual consent-screen and Desktop-client step, as the stack's outputs (or, before any up, its config) say: nothing to ask Google. */
export function oauthCheck(t: PreflightTarget, deployed: DeployedOauth): CheckResult {
  const oauth = t.oauth!;
  const evidence = [
    ...(deployed.note === undefined ? [] : [`${deployed.note}; read from ${deployed.source}`]),
    ...deployed.steps.map((s) => `${s.status}: ${s.title}`),
  ];
  const base = { id: "oauth", project: t.project, calls: [] as string[] };
  if (deployed.status === "stored" || oauth.clientSet) {
    return {
      ...base,
      status: "pass",
      summary: `The Desktop OAuth client is handed to the stack, as ${deployed.source} says; the consent screen is a console setting no API reads, so check it against the steps.`,
      evidence,
    };
  }
  const command = `pulumi config set --secret --stack ${t.stack} gemini-access-kit:oauthClientJson < client_secret.json`;
  if (oauth.required) {
    return {
      ...base,
      status: "fail",
      summary: `The Desktop OAuth client is not set, and the stack requires it (oauthClientRequired: true): up refuses the stack until it is.`,
      evidence,
      fix: `Follow the manual steps (npm run plan -- --stack ${t.stack} shows them), then: ${command}`,
    };
  }
  return {
    ...base,
    status: "warn",
    summary: `The Desktop OAuth client is pending, as ${deployed.source} says: up deploys without it, and sign-in with --auth oauth waits for it.`,
    evidence,
    fix: `Follow the manual steps (npm run plan -- --stack ${t.stack} shows them), then: ${command}`,
  };
}
