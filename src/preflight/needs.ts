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
  /**
   * What creating the project, when up creates it, needs outside it: on its parent (`folders/N`,
   * `organizations/N`) and on billing accounts (`billingAccounts/ID`), by resource name.
   */
  elsewhere: Map<string, string[]>;
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

const PROJECT_TYPE = "gcp:organizations/project:Project";

/** The projects a plan creates or adopts, by the URN of their resource: what resources naming no project by id (a lien, a budget) are in. */
export function plannedProjects(resources: readonly RecordedResource[]): Map<string, string> {
  return new Map(
    resources
      .filter((r) => r.type === PROJECT_TYPE && text(r.inputs.projectId) !== undefined)
      .map((r) => [r.urn, r.inputs.projectId as string]),
  );
}

/**
 * The project a recorded resource is in: its `project` input (a project's own id), else one its
 * parent's id names, else the planned project it depends on, else the stack's.
 */
export function projectOf(
  r: RecordedResource,
  fallback: string,
  planned: ReadonlyMap<string, string> = new Map(),
): string {
  const named = text(r.type === PROJECT_TYPE ? r.inputs.projectId : r.inputs.project);
  if (named !== undefined) return named;
  for (const field of [
    "serviceAccountId",
    "cryptoKeyId",
    "keyRing",
    "secretId",
    "secret",
    "parent",
  ]) {
    const m = /^projects\/([^/]+)(\/|$)/.exec(text(r.inputs[field]) ?? "");
    // A number (a lien's parent, a planned project's NUMBER-OF- stand-in) is not an id: the
    // project it names is found from what the resource depends on.
    if (m !== null && !/^(\d+|NUMBER-OF-.*)$/.test(m[1]!)) return m[1]!;
  }
  const dependency = r.dependencies.find((u) => planned.has(u));
  return dependency === undefined ? fallback : planned.get(dependency)!;
}

/** The folder or organization, and the billing account, a resource's inputs name. */
function namedElsewhere(r: RecordedResource): { parent?: string; billingAccount?: string } {
  const folder = text(r.inputs.folderId);
  const org = text(r.inputs.orgId);
  const account = text(r.inputs.billingAccount);
  return {
    parent: folder ? `folders/${folder}` : org ? `organizations/${org}` : undefined,
    billingAccount: account && `billingAccounts/${account}`,
  };
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
  const planned = plannedProjects(resources);
  const projects = new Map<
    string,
    {
      permissions: Set<string>;
      secrets: Map<string, Set<string>>;
      creates: Set<string>;
      elsewhere: Map<string, Set<string>>;
    }
  >();
  for (const r of resources.filter((x) => x.custom)) {
    const entry = permissionsOf(r.type);
    const project = projectOf(r, stackProject, planned);
    const needs = projects.get(project) ?? {
      permissions: new Set<string>(),
      secrets: new Map<string, Set<string>>(),
      creates: new Set<string>(),
      elsewhere: new Map<string, Set<string>>(),
    };
    projects.set(project, needs);
    if (r.type === "gcp:secretmanager/secret:Secret" && text(r.inputs.secretId) !== undefined)
      needs.creates.add(text(r.inputs.secretId)!);
    // Adopting reads what exists; it creates nothing, under a parent or on a billing account.
    if (r.importId !== undefined && entry.imported !== undefined) {
      for (const p of entry.imported) needs.permissions.add(p);
      continue;
    }
    const { parent, billingAccount } = namedElsewhere(r);
    for (const [where, list] of [
      [parent, entry.parent],
      [billingAccount, entry.billingAccount],
    ] as const) {
      if (where === undefined || list === undefined) continue;
      const held = needs.elsewhere.get(where) ?? new Set<string>();
      for (const p of list) held.add(p);
      needs.elsewhere.set(where, held);
    }
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
      elsewhere: new Map(
        [...n.elsewhere].sort(([a], [b]) => a.localeCompare(b)).map(([w, p]) => [w, [...p].sort()]),
      ),
    }));
}
