/**
 * Google's limits that a fleet meets, against what the plans use: the figure at the full fleet,
 * whether it grows with the number of environments, and where it passes the limit. Pure.
 */

import type { EnvironmentShare, LimitFigures, Peak } from "./analyse.ts";
import { environmentIndex, templateOf } from "./generate.ts";
import type { LimitRow, Range, TemplateShare } from "./report.ts";

const QUOTAS = "https://cloud.google.com/iam/quotas";

/** Google's figures, with where each is stated (the sources of /work/shared/docs/fleet-notes.md and naming.ts). */
const LIMITS = {
  serviceAccounts: {
    limit: 100,
    source:
      "service accounts per project, a default quota that can be raised: https://cloud.google.com/iam/docs/service-accounts-create",
  },
  customRoles: { limit: 300, source: `custom roles per project: ${QUOTAS}` },
  principals: {
    limit: 1500,
    source:
      "principals per allow policy, every occurrence counted: https://cloud.google.com/iam/docs/policies",
  },
  conditionalBindings: {
    limit: 20,
    source: `conditional bindings of one role and member, logical operators per condition: ${QUOTAS}`,
  },
  operators: {
    limit: 12,
    source: `conditional bindings of one role and member, logical operators per condition: ${QUOTAS}`,
  },
} as const;

/** The limit figures of the CI stack's plan at one size. */
export interface SizeFigures {
  environments: number;
  figures: LimitFigures;
}

/** What the full fleet's plans show. */
export interface FleetFigures {
  ciProject: string;
  /** Over the CI stack's plan and every environment stack's. */
  figures: LimitFigures;
  /** Each environment's share of the CI stack. */
  environments: Record<string, EnvironmentShare>;
}

function mostIn(byProject: Record<string, number>, skip?: string): Peak {
  return Object.entries(byProject)
    .filter(([project]) => project !== skip)
    .reduce<Peak>((best, [where, count]) => (count > best.count ? { count, where } : best), {
      count: 0,
      where: "none",
    });
}

/**
 * The first number of environments, taken in order, at which what the plan shares plus what each
 * environment adds passes `limit`. Past the environments measured, each further one is taken to
 * add their mean (extrapolated); undefined when they add nothing.
 */
export function firstOver(
  shared: number,
  perEnvironment: readonly number[],
  limit: number,
): { environments: number; extrapolated: boolean } | undefined {
  let used = shared;
  for (const [i, adds] of perEnvironment.entries()) {
    used += adds;
    if (used > limit) return { environments: i + 1, extrapolated: false };
  }
  const mean = used === shared ? 0 : (used - shared) / perEnvironment.length;
  if (mean <= 0) return undefined;
  const more = Math.floor((limit - used) / mean) + 1;
  return { environments: perEnvironment.length + more, extrapolated: true };
}

/** A figure at one number of environments. */
export interface Point {
  environments: number;
  used: number;
}

/**
 * Where a figure measured at increasing sizes passes `limit`, on the straight line through the two
 * sizes that bracket it (or the last two); undefined when it does not grow there.
 */
export function trendOver(points: readonly Point[], limit: number): number | undefined {
  if (points[0] !== undefined && points[0].used > limit) return points[0].environments;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    const slope = (b.used - a.used) / (b.environments - a.environments);
    if (slope > 0 && (b.used > limit || i === points.length - 1))
      return a.environments + Math.floor((limit - a.used) / slope) + 1;
  }
  return undefined;
}

/** One row per limit. */
export function limitRows(sizes: readonly SizeFigures[], fleet: FleetFigures): LimitRow[] {
  const ci = fleet.ciProject;
  const grows = (pick: (f: LimitFigures) => number) =>
    sizes.length > 1 && pick(sizes.at(-1)!.figures) > pick(sizes[0]!.figures);
  const row = (
    name: string,
    which: keyof typeof LIMITS,
    pick: (f: LimitFigures) => Peak,
  ): LimitRow => {
    const { limit, source } = LIMITS[which];
    const points = sizes.map((s) => ({
      environments: s.environments,
      used: pick(s.figures).count,
    }));
    const at = grows((f) => pick(f).count) ? trendOver(points, limit) : undefined;
    const used = pick(fleet.figures);
    return {
      name,
      limit,
      used: used.count,
      where: used.where,
      grows: grows((f) => pick(f).count),
      ...(at === undefined ? {} : { firstAt: at, extrapolated: true }),
      source,
    };
  };
  // The CI project's accounts are a sum over environments, so where they pass the limit is exact.
  const shares = Object.entries(fleet.environments)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, share]) => share.ciAccounts);
  const ciAccounts = fleet.figures.serviceAccountsByProject[ci] ?? 0;
  const over = firstOver(
    ciAccounts - shares.reduce((a, b) => a + b, 0),
    shares,
    LIMITS.serviceAccounts.limit,
  );
  const inCi = (f: LimitFigures): Peak => ({
    count: f.serviceAccountsByProject[ci] ?? 0,
    where: ci,
  });
  return [
    {
      ...row("service accounts in the CI project", "serviceAccounts", inCi),
      // A sum over environments grows with the fleet whenever an environment adds an account.
      grows: over !== undefined,
      ...(over === undefined
        ? {}
        : { firstAt: over.environments, extrapolated: over.extrapolated }),
    },
    row("service accounts in one environment's project", "serviceAccounts", (f) =>
      mostIn(f.serviceAccountsByProject, ci),
    ),
    row("custom roles in one project", "customRoles", (f) => mostIn(f.customRolesByProject)),
    row("principals in one allow policy", "principals", (f) => f.principals),
    row(
      "conditional bindings of one role and member",
      "conditionalBindings",
      (f) => f.conditionalBindings,
    ),
    row("logical operators in one condition", "operators", (f) => f.logicalOperators),
  ];
}

function rangeOf(values: number[]): Range {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** The environments' shares of the CI stack, by the committed stack each is modelled on. */
export function shareByTemplate(
  environments: Record<string, EnvironmentShare>,
): Record<string, TemplateShare> {
  const groups: Record<string, EnvironmentShare[]> = {};
  for (const [name, share] of Object.entries(environments))
    (groups[templateOf(environmentIndex(name))] ??= []).push(share);
  return Object.fromEntries(
    Object.entries(groups).map(([template, list]) => [
      template,
      {
        environments: list.length,
        resources: rangeOf(list.map((s) => s.resources)),
        ciAccounts: rangeOf(list.map((s) => s.ciAccounts)),
        criticalPath: rangeOf(list.map((s) => s.criticalPath)),
      },
    ]),
  );
}
