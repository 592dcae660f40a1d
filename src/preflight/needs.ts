/**
 * What up of a stack's planned resources needs the caller to hold, per project and per secret: the
 * permission table (src/permissions.ts) applied to the resources the offline plan recorded.
 */

import type { RecordedResource } from "../offline-plan/record.ts";
import { permissionsOf } from "../permissions.ts";

/** What up of one project's resources needs there: on the project, and on each of its secrets by id. */
export interface ProjectNeeds {
  project: string;
  permissions: string[];
  /** Secret id to the permissions needed on it; those held on the project count too. */
  secrets: Map<string, string[]>;
  /** The ids of the secrets up creates; the others it needs must exist already (the CI stack makes them). */
  creates: string[];
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

/** The project a recorded resource is in: its `project` input, else one its parent's id names, else the stack's. */
export function projectOf(r: RecordedResource, fallback: string): string {
  const named = text(r.inputs.project);
  if (named !== undefined) return named;
  for (const field of ["serviceAccountId", "cryptoKeyId", "keyRing", "secretId", "secret"]) {
    const m = /^projects\/([^/]+)\//.exec(text(r.inputs[field]) ?? "");
    if (m !== null && !m[1]!.startsWith("NUMBER-OF-")) return m[1]!;
  }
  return fallback;
}

/** The id of the secret a secret resource is, or belongs to: its secretId input, or the id in its parent's name. */
function secretOf(r: RecordedResource, byUrn: Map<string, RecordedResource>): string | undefined {
  const own = text(r.inputs.secretId);
  if (own !== undefined && r.type === "gcp:secretmanager/secret:Secret") return own;
  const ref = text(r.inputs.secretId) ?? text(r.inputs.secret);
  const m = /secrets\/([^/]+)$/.exec(ref ?? "");
  if (m !== null) return m[1];
  // Planned: the secret's name is not known yet, but the resource depends on exactly one secret.
  const secrets = r.dependencies
    .map((u) => byUrn.get(u))
    .filter((d) => d?.type === "gcp:secretmanager/secret:Secret");
  return secrets.length === 1 ? text(secrets[0]!.inputs.secretId) : undefined;
}

/**
 * Per project, the permissions up of these resources needs: the same table the CI grants use, so a
 * deployer that holds its grants passes, and a caller that lacks one is told which.
 */
export function neededPermissions(
  resources: readonly RecordedResource[],
  stackProject: string,
): ProjectNeeds[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const projects = new Map<
    string,
    { permissions: Set<string>; secrets: Map<string, Set<string>>; creates: Set<string> }
  >();
  for (const r of resources.filter((x) => x.custom)) {
    const entry = permissionsOf(r.type);
    const project = projectOf(r, stackProject);
    const needs = projects.get(project) ?? {
      permissions: new Set<string>(),
      secrets: new Map<string, Set<string>>(),
      creates: new Set<string>(),
    };
    projects.set(project, needs);
    if (r.type === "gcp:secretmanager/secret:Secret" && text(r.inputs.secretId) !== undefined)
      needs.creates.add(text(r.inputs.secretId)!);
    for (const p of entry.project) needs.permissions.add(p);
    if (entry.secret !== undefined) {
      const id = secretOf(r, byUrn);
      if (id === undefined) {
        for (const p of entry.secret) needs.permissions.add(p);
        continue;
      }
      const held = needs.secrets.get(id) ?? new Set<string>();
      for (const p of entry.secret) held.add(p);
      needs.secrets.set(id, held);
    }
  }
  return [...projects]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, n]) => ({
      project,
      permissions: [...n.permissions].sort(),
      secrets: new Map(
        [...n.secrets].sort(([a], [b]) => a.localeCompare(b)).map(([id, p]) => [id, [...p].sort()]),
      ),
      creates: [...n.creates].sort(),
    }));
}
