/** What one verify run is asked to do: its command line, parsed and checked (./args.ts). */

import type { GranteeType, PermissionRole, ProbeMethod } from "../google/apis/gemini.ts";
import type { AuthKind } from "../google/errors/context.ts";

/** What a run verifies: the Gemini API (generativelanguage), Vertex (aiplatform), or both. */
export type Target = "gemini-api" | "vertex" | "both";

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
  /** --target; else the stack outputs' `target`, else gemini-api. */
  target?: Target;
  /** --location: where Vertex is called, ahead of the stack outputs' vertex.location. */
  location?: string;
  /** --model (repeatable): the Vertex models to call, bare ids, ahead of the outputs' vertex.models. */
  vertexModels: string[];
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
