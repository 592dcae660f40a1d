/** The plan as a person reads it (a tree, the manual steps, the critical path, a Mermaid graph) or as JSON. */

import type { Plan } from "../offline-plan/plan.ts";
import { UNKNOWN } from "../offline-plan/monitor-messages.ts";
import type { RecordedResource } from "../offline-plan/record.ts";

/** The inputs worth a glance, by resource type; other types show their first plain inputs. */
const SUMMARY: Record<string, string[]> = {
  "gcp:projects/service:Service": ["service"],
  "gcp:projects/serviceIdentity:ServiceIdentity": ["service"],
  "gcp:serviceaccount/account:Account": ["accountId"],
  "gcp:projects/iAMMember:IAMMember": ["role", "member", "condition"],
  "gcp:serviceaccount/iAMMember:IAMMember": ["role", "member"],
  "gcp:serviceaccount/key:Key": ["keepers"],
  "gcp:secretmanager/secret:Secret": ["secretId"],
  "gcp:secretmanager/secretVersion:SecretVersion": ["secretDataWo"],
  "gcp:secretmanager/secretIamMember:SecretIamMember": ["role", "member"],
  "gcp:projects/apiKey:ApiKey": ["name", "restrictions"],
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ["workloadIdentityPoolId"],
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": [
    "workloadIdentityPoolProviderId",
    "attributeCondition",
  ],
  "gcp:storage/bucketIAMMember:BucketIAMMember": ["bucket", "role", "member"],
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": ["role", "member"],
  "gcp:projects/iAMCustomRole:IAMCustomRole": ["roleId", "permissions"],
  "gcp:storage/bucket:Bucket": ["name", "location"],
  "gcp:kms/cryptoKey:CryptoKey": ["name"],
  "gcp:organizations/project:Project": [
    "projectId",
    "folderId",
    "orgId",
    "billingAccount",
    "deletionPolicy",
    "autoCreateNetwork",
  ],
  "gcp:resourcemanager/lien:Lien": ["restrictions", "origin"],
  "gcp:projects/defaultServiceAccounts:DefaultServiceAccounts": ["action"],
  "gcp:essentialcontacts/contact:Contact": ["email", "notificationCategorySubscriptions"],
  "gcp:billing/budget:Budget": ["amount", "thresholdRules"],
};

/** `gcp:serviceaccount/account:Account` → `serviceaccount.Account`; `pkg:index:Name` → `Name`. */
export function shortType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  if (pkg === "gcp" && mod !== undefined && name !== undefined)
    return `${mod.split("/")[0]}.${name}`;
  return name ?? type;
}

function isUnknown(v: unknown): boolean {
  return (
    v === UNKNOWN ||
    (typeof v === "object" && v !== null && (v as Record<string, unknown>).__pulumiUnknown === true)
  );
}

function show(r: RecordedResource, field: string): string | undefined {
  const v = r.inputs[field];
  if (v === undefined) return undefined;
  if (r.secretInputs.includes(field)) return `${field}=[secret]`;
  if (isUnknown(v)) return `${field}=(known after up)`;
  if (field === "condition") return "conditional";
  const text =
    typeof v === "string"
      ? v
      : JSON.stringify(v, (_k, x: unknown) => (isUnknown(x) ? "(known after up)" : x));
  return `${field}=${text.length > 140 ? `${text.slice(0, 137)}...` : text}`;
}

function summary(r: RecordedResource): string {
  const fields =
    SUMMARY[r.type] ??
    Object.keys(r.inputs)
      .filter((k) => typeof r.inputs[k] === "string" && k !== "project")
      .slice(0, 2);
  return fields.flatMap((f) => show(r, f) ?? []).join("  ");
}

/** The resource tree, children under their component, in registration order. */
function renderTree(plan: Plan): string[] {
  const children = new Map<string, RecordedResource[]>();
  const urns = new Set(plan.resources.map((r) => r.urn));
  for (const r of plan.resources) {
    const parent = urns.has(r.parent) ? r.parent : "";
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string, indent: string): void => {
    const list = children.get(parent) ?? [];
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      // An import (an adopted project) reads what exists and creates nothing: Pulumi marks it "=".
      const head = r.custom
        ? `${r.importId === undefined ? "+" : "="} ${shortType(r.type)}  ${r.name}${r.importId === undefined ? "" : `  (imports ${r.importId})`}`
        : `${shortType(r.type)}  ${r.name}`;
      const detail = r.custom ? summary(r) : "";
      lines.push(`${indent}${last ? "└─ " : "├─ "}${head}${detail ? `  ${detail}` : ""}`);
      walk(r.urn, `${indent}${last ? "   " : "│  "}`);
    });
  };
  walk("", "");
  return lines;
}

const nodeId = (i: number) => `r${i}`;
const label = (r: RecordedResource) => `${shortType(r.type)}<br/>${r.name}`.replace(/"/g, "#quot;");

/** A Mermaid flowchart of the cloud resources: an arrow from each dependency, the critical path in bold. */
export function renderMermaid(plan: Plan): string {
  const custom = plan.resources.filter((r) => r.custom);
  const index = new Map(custom.map((r, i) => [r.urn, i]));
  const critical = new Set(plan.criticalPath.map((r) => r.urn));
  const lines = ["flowchart LR"];
  custom.forEach((r, i) =>
    lines.push(`  ${nodeId(i)}["${label(r)}"]${critical.has(r.urn) ? ":::critical" : ""}`),
  );
  custom.forEach((r, i) => {
    for (const dep of new Set(r.dependencies)) {
      const from = index.get(dep);
      if (from !== undefined) lines.push(`  ${nodeId(from)} --> ${nodeId(i)}`);
    }
  });
  lines.push("  classDef critical stroke-width:3px");
  return lines.join("\n");
}

/** The whole plan as text. */
export function renderPlan(plan: Plan): string {
  const custom = plan.resources.filter((r) => r.custom);
  const imports = custom.filter((r) => r.importId !== undefined).length;
  const out = [
    `Plan for stack ${plan.stack} (project ${plan.project}, from ${plan.stackFile}): what a fresh \`pulumi up\` would create.`,
    "Offline: Pulumi's mocks, no credentials, no network, no Pulumi CLI.",
    "",
    `Resources: ${custom.length - imports} to create${imports > 0 ? `, ${imports} to import` : ""}, in ${plan.resources.length - custom.length} components`,
    ...renderTree(plan),
    "",
    `Manual steps: ${plan.manualSteps.length === 0 ? "none" : plan.manualSteps.length}`,
    ...plan.manualSteps.flatMap((s, i) => [
      `  ${i + 1}. [${s.status}] ${s.title}`,
      `     ${s.url}`,
      ...s.instructions.map((t) => `     - ${t}`),
    ]),
    "",
    `Critical path: ${plan.criticalPath.length} resources deep`,
    ...plan.criticalPath.map((r, i) => `  ${i === 0 ? "  " : "→ "}${shortType(r.type)}  ${r.name}`),
    "",
    "Graph (Mermaid):",
    "```mermaid",
    renderMermaid(plan),
    "```",
  ];
  if (plan.notes.length > 0) out.push("", "Notes:", ...plan.notes.map((n) => `  - ${n}`));
  return `${out.join("\n")}\n`;
}

/** The plan for scripts: every resource with its dependencies, secret inputs shown as [secret]. */
export function planJson(plan: Plan): Record<string, unknown> {
  const visible = (r: RecordedResource) =>
    Object.fromEntries(
      Object.entries(r.inputs).map(([k, v]) => [
        k,
        r.secretInputs.includes(k) ? "[secret]" : isUnknown(v) ? null : v,
      ]),
    );
  return {
    stack: plan.stack,
    project: plan.project,
    environment: plan.environment,
    resources: plan.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      custom: r.custom,
      parent: r.parent || null,
      dependsOn: [...new Set(r.dependencies)],
      inputs: visible(r),
    })),
    manualSteps: plan.manualSteps,
    criticalPath: plan.criticalPath.map((r) => r.urn),
    mermaid: renderMermaid(plan),
    notes: plan.notes,
  };
}
