/**
 * What the fleet benchmark reads from offline plans (`npm run plan -- --json`): what each governed
 * environment adds to the CI stack, and the figures Google limits: service accounts and custom
 * roles per project, principals in one allow policy, conditional bindings of one role and member,
 * logical operators in one condition. Pure.
 */

/** A resource as `npm run plan -- --json` prints it. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string | null;
  dependsOn: string[];
  inputs: Record<string, unknown>;
}

/** The parts of `npm run plan -- --json` the benchmark reads. */
export interface PlanDocument {
  stack: string;
  project: string;
  resources: PlannedResource[];
  criticalPath: string[];
}

const ACCOUNT = "gcp:serviceaccount/account:Account";
const CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole";
const GOVERNED = "gemini-access-kit:index:GovernedEnvironment";

/**
 * IAM member resources by type: the inputs that name the resource whose allow policy they join,
 * and that resource's type, for when the input is known only after up (a KMS key's id).
 */
const IAM_MEMBERS: Record<string, { kind: string; fields: string[]; target?: string }> = {
  "gcp:projects/iAMMember:IAMMember": { kind: "project", fields: ["project"] },
  "gcp:serviceaccount/iAMMember:IAMMember": {
    kind: "service account",
    fields: ["serviceAccountId"],
    target: ACCOUNT,
  },
  "gcp:storage/bucketIAMMember:BucketIAMMember": {
    kind: "bucket",
    fields: ["bucket"],
    target: "gcp:storage/bucket:Bucket",
  },
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": {
    kind: "KMS key",
    fields: ["cryptoKeyId"],
    target: "gcp:kms/cryptoKey:CryptoKey",
  },
  "gcp:secretmanager/secretIamMember:SecretIamMember": {
    kind: "secret",
    fields: ["project", "secretId"],
    target: "gcp:secretmanager/secret:Secret",
  },
};

/** The most of something on one resource, and which. */
export interface Peak {
  count: number;
  where: string;
}

export interface LimitFigures {
  serviceAccountsByProject: Record<string, number>;
  customRolesByProject: Record<string, number>;
  /** Principals in one allow policy: IAM counts every occurrence, one per binding (iam/docs/policies). */
  principals: Peak;
  /** Conditional bindings of one role and one member on one resource. */
  conditionalBindings: Peak;
  /** Logical operators (&&, ||, !) in one IAM condition's expression. */
  logicalOperators: Peak;
}

/** `&&`, `||` and `!` outside string literals, as IAM Conditions count them. */
export function logicalOperators(expression: string): number {
  const code = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
  return (code.match(/&&|\|\||!(?!=)/g) ?? []).length;
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

function peak(counts: Record<string, number>): Peak {
  return Object.entries(counts).reduce<Peak>(
    (best, [where, count]) => (count > best.count ? { count, where } : best),
    { count: 0, where: "none" },
  );
}

/** The resource whose allow policy an IAM member resource joins. */
function policyOf(r: PlannedResource, byUrn: Map<string, PlannedResource>): string {
  const how = IAM_MEMBERS[r.type];
  if (how === undefined)
    throw new Error(
      `bench/fleet/analyse.ts does not know whose policy ${r.type} joins; add it to IAM_MEMBERS`,
    );
  const values = how.fields.map((f) => r.inputs[f]);
  if (values.every((v) => typeof v === "string")) return `${how.kind} ${values.join("/")}`;
  const target = r.dependsOn.map((urn) => byUrn.get(urn)).find((d) => d?.type === how.target);
  if (target === undefined) throw new Error(`${r.urn}: no ${how.target ?? "target"} to attach to`);
  // Resource names are unique within a stack, and the CI stack's are apart from the environments'.
  return `${how.kind} (resource ${target.name})`;
}

const isIamMember = (type: string) => /IamMember|IAMMember/.test(type);

/** The figures Google limits, over the resources of one or more plans. */
export function limitFigures(resources: readonly PlannedResource[]): LimitFigures {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const ofType = (type: string) =>
    resources.filter((r) => r.type === type).map((r) => String(r.inputs.project));
  const members = resources.filter((r) => r.custom && isIamMember(r.type));
  const conditional = members.filter((r) => r.inputs.condition != null);
  const expressions = conditional.map((r) => {
    const condition = r.inputs.condition as { expression?: unknown };
    return typeof condition.expression === "string" ? condition.expression : "";
  });
  const operators = expressions.map(logicalOperators);
  const most = Math.max(0, ...operators);
  return {
    serviceAccountsByProject: countBy(ofType(ACCOUNT)),
    customRolesByProject: countBy(ofType(CUSTOM_ROLE)),
    principals: peak(countBy(members.map((r) => policyOf(r, byUrn)))),
    conditionalBindings: peak(
      countBy(
        conditional.map(
          (r) => `${policyOf(r, byUrn)}: ${String(r.inputs.role)} to ${String(r.inputs.member)}`,
        ),
      ),
    ),
    logicalOperators: { count: most, where: conditional[operators.indexOf(most)]?.name ?? "none" },
  };
}

/** What one governed environment adds to the CI stack. */
export interface EnvironmentShare {
  /** Cloud resources (components not counted). */
  resources: number;
  /** Service accounts in the CI project. */
  ciAccounts: number;
  /** The longest chain of cloud resources that ends at one of the environment's. */
  criticalPath: number;
}

export interface CiFigures {
  /** Cloud resources (components not counted). */
  resources: number;
  components: number;
  /** Cloud resources no environment owns: the pool, the key ring, the CI project's APIs. */
  shared: number;
  criticalPath: number;
  environments: Record<string, EnvironmentShare>;
}

/** The length of the longest chain of cloud resources ending at each, as src/offline-plan/critical-path.ts measures it. */
function chainLengths(resources: readonly PlannedResource[]): Map<string, number> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, number>();
  const length = (r: PlannedResource): number => {
    const known = memo.get(r.urn);
    if (known !== undefined) return known;
    let before = 0;
    for (const dep of r.dependsOn) {
      const d = byUrn.get(dep);
      if (d?.custom) before = Math.max(before, length(d));
    }
    memo.set(r.urn, before + 1);
    return before + 1;
  };
  for (const r of resources) if (r.custom) length(r);
  return memo;
}

/** The CI stack's plan, per governed environment (a GovernedEnvironment `ci-<name>` and what it parents). */
export function ciFigures(plan: PlanDocument): CiFigures {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const owner = (r: PlannedResource | undefined): string | undefined => {
    for (let at = r; at !== undefined; at = byUrn.get(at.parent ?? ""))
      if (at.type === GOVERNED) return at.name.replace(/^ci-/, "");
    return undefined;
  };
  const chains = chainLengths(plan.resources);
  const environments: Record<string, EnvironmentShare> = {};
  let shared = 0;
  for (const r of plan.resources.filter((x) => x.custom)) {
    const name = owner(r);
    if (name === undefined) {
      shared++;
      continue;
    }
    const e = (environments[name] ??= { resources: 0, ciAccounts: 0, criticalPath: 0 });
    e.resources++;
    if (r.type === ACCOUNT && r.inputs.project === plan.project) e.ciAccounts++;
    e.criticalPath = Math.max(e.criticalPath, chains.get(r.urn) ?? 0);
  }
  const custom = plan.resources.filter((r) => r.custom).length;
  return {
    resources: custom,
    components: plan.resources.length - custom,
    shared,
    criticalPath: plan.criticalPath.length,
    environments,
  };
}
