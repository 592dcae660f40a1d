/**
 * Keyless: the caller's ADC asks IAM Credentials for a short-lived token of the stack's account
 * (`generateAccessToken`), which needs roles/iam.serviceAccountTokenCreator on that account only.
 */

import { badInput } from "../../cli/failure.ts";
import { pickAccount } from "../facts.ts";
import { callJson, malformed } from "../http.ts";
import { record } from "../../json.ts";
import { adcCaller } from "./adc.ts";
import { bearerCaller, type Caller, type IdentityDeps } from "./caller.ts";

export interface ImpersonateOptions {
  account?: string;
  /** `--impersonate EMAIL`: an account outside any stack. */
  email?: string;
}

export async function impersonateCaller(
  deps: IdentityDeps,
  options: ImpersonateOptions,
): Promise<Caller> {
  let email: string;
  let grantKey: string | undefined;
  if (options.email !== undefined) {
    email = options.email;
  } else if (deps.facts !== undefined) {
    const [name, account] = pickAccount(deps.facts, options.account);
    email = account.email;
    grantKey = `serviceAccounts.${name}.impersonators`;
  } else {
    throw badInput(
      "--auth impersonate needs the account: --impersonate EMAIL, or --stack / --outputs.",
      "Pass one of them.",
    );
  }
  const source = await adcCaller(deps);
  const what = `Impersonate ${email}`;
  let token: string | undefined;
  const issue = async (): Promise<string> => {
    if (token !== undefined) return token;
    const url = `${deps.endpoints.iamCredentials}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:generateAccessToken`;
    const body = await callJson(
      deps.http,
      {
        what,
        service: "iamcredentials",
        identity: "impersonate",
        principal: source.identity.principal,
        grantKey,
        stack: deps.facts?.stack,
      },
      {
        method: "POST",
        url,
        headers: await source.headers(),
        body: { scope: deps.scopes, lifetime: "3600s" },
      },
    );
    const accessToken = record(body)?.accessToken;
    if (typeof accessToken !== "string" || accessToken === "")
      throw malformed(what, new URL(url).origin, 200, "has no accessToken");
    token = accessToken;
    return accessToken;
  };
  return bearerCaller(
    {
      kind: "impersonate",
      principal: email,
      source: `impersonated by ${source.identity.principal} (${source.identity.source})`,
      project: deps.facts?.project,
    },
    issue,
    deps.redactor,
  );
}
