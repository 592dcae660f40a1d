/**
 * What one verify run found, for the report (./report.ts) and --json: a module of its own because the
 * run and each target's checks (./gemini.ts, ./vertex.ts) all fill it in.
 */

import type { Model, Permission, Probe, TunedModel } from "../google/apis/gemini.ts";
import type { Identity } from "../google/identities/caller.ts";
import type { Target, VerifyOptions } from "./options.ts";
import type { VertexResult } from "./vertex.ts";

/** A failure as the report and --json give it. */
export interface ErrorDocument {
  reason: string;
  message: string;
  fix: string;
}

export interface VerifyResult {
  ok: boolean;
  command: VerifyOptions["command"];
  /** What was verified: the Gemini API, Vertex, or both. */
  target?: Target;
  /** Each target's own verdict: with both, one can fail while the other passes. */
  targets?: Partial<Record<"gemini-api" | "vertex", { ok: boolean; error?: ErrorDocument }>>;
  identity?: Identity;
  project?: string;
  models?: Model[];
  tunedModels?: TunedModel[];
  expectedModels?: { name: string; found: boolean }[];
  /** With --probe or --probe-generate: the model called, how, and the tokens it answered with. */
  probe?: Probe;
  /** The Vertex checks: where, as whom, and what each model answered. */
  vertex?: VertexResult;
  permission?: Permission;
  message?: string;
  /** The run's failure: the first target's that failed, or what stopped the run before them. */
  error?: ErrorDocument;
  exitCode: 0 | 1;
}
