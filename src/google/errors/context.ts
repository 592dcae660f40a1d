/**
 * What a call to Google was for and who made it: the terms its failure is explained in
 * (./diagnose.ts), given by each call (../apis/) and each identity (../identities/).
 */

export type AuthKind = "service-account" | "oauth" | "adc" | "impersonate" | "api-key";

/** What a request was for, so its failure can be explained in the user's terms. */
export interface CallContext {
  /** "List models", "Read secret projects/p/secrets/s", ... */
  what: string;
  service:
    | "gemini"
    | "secretmanager"
    | "iamcredentials"
    | "iam"
    | "apikeys"
    | "orgpolicy"
    | "cloudbilling"
    | "cloudresourcemanager"
    | "serviceusage"
    | "aiplatform";
  identity: AuthKind;
  /** The principal making the call, when known (an e-mail). */
  principal?: string;
  /** The stack config key that grants what this call needs, e.g. `serviceAccounts.runtime.keyReaders`. */
  grantKey?: string;
  /** The stack, for naming its file in a fix. */
  stack?: string;
  /**
   * The fix when the call is refused (403) or its resource is not found (404), where what it needs
   * is not granted through a stack key (the resource APIs' calls: ../apis/call.ts).
   */
  denied?: string;
  /** A Vertex model call: the model, where it was called (`global` in express mode), and in which project. */
  vertex?: { model: string; location: string; project?: string; express: boolean };
}
