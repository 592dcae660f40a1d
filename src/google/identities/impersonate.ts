/**
 * Keyless: the caller's ADC asks IAM Credentials for a short-lived token of an account
 * (`generateAccessToken`), which needs roles/iam.serviceAccountTokenCreator on that account only.
 */

import { generateAccessToken } from "../apis/iam-credentials.ts";
import { adcCaller } from "./adc.ts";
import { bearerCaller, SCOPES, type Caller, type IdentityDeps } from "./caller.ts";

export interface ImpersonateOptions {
  /** The account to act as. */
  email: string;
  /** The stack config key that grants the impersonation, named in the fix when it is refused. */
  grantKey?: string;
}

export async function impersonateCaller(
  deps: IdentityDeps,
  options: ImpersonateOptions,
): Promise<Caller> {
  const { email, grantKey } = options;
  // The source only asks IAM Credentials for the token: cloud-platform is all it needs, so a plain
  // `gcloud auth application-default login` will do; the account's token gets the command's scopes.
  const source = await adcCaller({ ...deps, scopes: [SCOPES.cloudPlatform] });
  let token: string | undefined;
  const issue = async (): Promise<string> => {
    token ??= await generateAccessToken(
      deps.http,
      deps.endpoints.iamCredentials,
      await source.headers(),
      { email, scopes: deps.scopes, lifetimeSeconds: 3600 },
      {
        what: `Impersonate ${email}`,
        identity: "impersonate",
        principal: source.identity.principal,
        grantKey,
        stack: deps.stack,
      },
    );
    return token;
  };
  return bearerCaller(
    {
      kind: "impersonate",
      principal: email,
      source: `impersonated by ${source.identity.principal} (${source.identity.source})`,
      project: deps.project,
    },
    issue,
    deps.redactor,
  );
}
