/** What one verify run is asked to do: its command line, parsed and checked (./args.ts). */

import type { GranteeType, PermissionRole, ProbeMethod } from "../google/apis/gemini.ts";
import type { AuthKind } from "../google/errors/context.ts";

export interface VerifyOptions {
  command: "verify" | "share-tuned-model" | "logout";
  help: boolean;
  stack?: string;
  outputs?: string;
  auth?: AuthKind;
  account?: string;
  keyFile?: string;
  clientFile?: string;
  impersonate?: string;
  project?: string;
  expectModels: string[];
  /** --probe: countTokens; --probe-generate: generateContent of one token; else none. */
  probe?: ProbeMethod;
  tuned: boolean;
  pageSize?: number;
  scopes: string[];
  waitSeconds?: number;
  timeoutSeconds: number;
  retries: number;
  loginTimeoutSeconds: number;
  browser: boolean;
  tokenCache?: string;
  json: boolean;
  share?: { model: string; granteeType: GranteeType; emailAddress?: string; role: PermissionRole };
}
