/**
 * The parts of the SDK's mock monitor and its protobuf messages that the recorder (record.ts)
 * reads: a resource's registration request, its aliases, and the wrapper the SDK puts around a
 * secret value.
 */

import type * as pulumi from "@pulumi/pulumi";

/** How the SDK serializes a value that is not known until the cloud answers (preview mode). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The key the SDK marks a serialized special value with (@pulumi/pulumi runtime/rpc.js, specialSigKey). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
type Struct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];
interface RegisterRequest {
  getObject(): Struct;
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getDependenciesList(): string[];
  getRetainondelete(): boolean | undefined;
  getProtect(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getImportid(): string;
  getIgnorechangesList(): string[];
  getAliasesList?(): AliasMessage[];
  getAliasurnsList?(): string[];
}
/** pulumirpc.Alias: a full URN, or a spec of the parts of the old identity that differ. */
export interface AliasMessage {
  getUrn(): string;
  getSpec():
    | {
        getName(): string;
        getType(): string;
        getStack(): string;
        getProject(): string;
        getParenturn(): string;
        getNoparent(): boolean;
      }
    | undefined;
}

export function aliasText(alias: AliasMessage): string {
  const spec = alias.getSpec();
  if (alias.getUrn() !== "" || spec === undefined) return alias.getUrn();
  const parts = {
    name: spec.getName(),
    type: spec.getType(),
    stack: spec.getStack(),
    project: spec.getProject(),
    parent: spec.getNoparent() ? "(none)" : spec.getParenturn(),
  };
  return Object.entries(parts)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}
interface RegisterResponse {
  getUrn(): string;
}
type RegisterCallback = (err: unknown, resp: RegisterResponse | undefined) => void;
export interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: RegisterCallback): void;
}

/** Top-level input names whose values are secret wrappers. */
export function secretKeys(struct: Record<string, unknown>): string[] {
  return Object.entries(struct)
    .filter(
      ([, v]) =>
        typeof v === "object" &&
        v !== null &&
        (v as Record<string, unknown>)[SECRET_SIG] !== undefined,
    )
    .map(([k]) => k);
}

/** Replaces secret wrappers with their values; which inputs were secret is recorded separately. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIG] !== undefined) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}
