/**
 * What `pulumi destroy` leaves to the project's own deletion in create mode. The program makes the
 * project with deletionPolicy PREVENT, so the provider refuses to delete it: destroy excludes it, and
 * what it stands on (its parents, its provider, its dependencies), deletes everything else, and the
 * run then deletes the project through Resource Manager. The excluded resources stay in the run's
 * state, which is removed with its folder.
 */

import { record } from "../json.ts";

/** The type token of the project the program makes (pulumi-gcp: gcp.organizations.Project). */
const PROJECT_TYPE = "gcp:organizations/project:Project";

interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  /** `URN::ID`, as the state records a provider reference. */
  provider?: string;
  dependencies: string[];
}

function resources(exportJson: string): StateResource[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(exportJson);
  } catch {
    return undefined;
  }
  const list = record(record(parsed)?.deployment)?.resources;
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((value) => {
    const r = record(value);
    if (r === undefined || typeof r.urn !== "string" || typeof r.type !== "string") return [];
    const byProperty: unknown[] = Object.values(record(r.propertyDependencies) ?? {}).flat();
    return [
      {
        urn: r.urn,
        type: r.type,
        ...(typeof r.parent === "string" ? { parent: r.parent } : {}),
        ...(typeof r.provider === "string" ? { provider: r.provider } : {}),
        dependencies: [
          ...(Array.isArray(r.dependencies) ? (r.dependencies as unknown[]) : []),
          ...byProperty,
        ].filter((d): d is string => typeof d === "string"),
      },
    ];
  });
}

export interface ProjectKeep {
  /** The project resources in the state (none: up never made it). */
  projects: number;
  /** Every URN destroy must leave: the projects and what they stand on. */
  exclude: string[];
}

/** What to exclude, from `pulumi stack export`; undefined when the export cannot be read. */
export function projectKeep(exportJson: string): ProjectKeep | undefined {
  const all = resources(exportJson);
  if (all === undefined) return undefined;
  const byUrn = new Map(all.map((r) => [r.urn, r]));
  const projects = all.filter((r) => r.type === PROJECT_TYPE);
  const keep = new Set<string>();
  const pending = projects.map((p) => p.urn);
  while (pending.length > 0) {
    const urn = pending.pop()!;
    if (keep.has(urn)) continue;
    keep.add(urn);
    const r = byUrn.get(urn);
    if (r === undefined) continue;
    const provider = r.provider?.slice(0, r.provider.lastIndexOf("::"));
    for (const next of [r.parent, provider, ...r.dependencies])
      if (next !== undefined && next !== "" && byUrn.has(next)) pending.push(next);
  }
  // In the state's order, so the command line reads as the state does.
  return { projects: projects.length, exclude: all.map((r) => r.urn).filter((u) => keep.has(u)) };
}
