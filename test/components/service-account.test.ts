import * as gcp from "@pulumi/gcp";
import { ServiceAccount } from "../../src/components/service-account.ts";
import { runMocked } from "../helpers/mocks.ts";

function account(roles: string[], impersonators: string[]) {
  const iam = new gcp.projects.Service("iam", {
    project: "acme-gemini-dev",
    service: "iam.googleapis.com",
  });
  const crm = new gcp.projects.Service("crm", {
    project: "acme-gemini-dev",
    service: "cloudresourcemanager.googleapis.com",
  });
  return new ServiceAccount("runtime", {
    project: "acme-gemini-dev",
    accountId: "gak-runtime-dev",
    displayName: "Runtime",
    description: "d",
    roles,
    impersonators,
    iamApi: iam,
    resourceManagerApi: crm,
  }).email;
}

describe("ServiceAccount", () => {
  test("creates the account only after the IAM API is enabled", async () => {
    const d = await runMocked(() => account([], []));
    const [acct] = d.ofType("gcp:serviceaccount/account:Account");
    const iam = d.resources.find((r) => r.name === "iam")!;
    expect(acct!.inputs).toMatchObject({
      accountId: "gak-runtime-dev",
      project: "acme-gemini-dev",
    });
    expect(acct!.dependencies).toEqual([iam.urn]);
    expect(d.outputs).toBe("gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com");
  });

  test("grants each project role as its own member binding, so no other member of the role is touched", async () => {
    const d = await runMocked(() =>
      account(["roles/serviceusage.serviceUsageConsumer", "roles/aiplatform.user"], []),
    );
    const bindings = d.ofType("gcp:projects/iAMMember:IAMMember");
    expect(bindings.map((b) => [b.inputs.role, b.inputs.member])).toEqual([
      [
        "roles/serviceusage.serviceUsageConsumer",
        "serviceAccount:gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
      ],
      [
        "roles/aiplatform.user",
        "serviceAccount:gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
      ],
    ]);
    expect(d.ofType("gcp:projects/iAMPolicy:IAMPolicy")).toHaveLength(0);
    expect(d.ofType("gcp:projects/iAMBinding:IAMBinding")).toHaveLength(0);
  });

  test("lets impersonators mint tokens for this account only (tokenCreator on the account, not the project)", async () => {
    const d = await runMocked(() => account([], ["group:devs@example.com"]));
    const [grant] = d.ofType("gcp:serviceaccount/iAMMember:IAMMember");
    expect(grant!.inputs).toMatchObject({
      serviceAccountId:
        "projects/acme-gemini-dev/serviceAccounts/gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
      role: "roles/iam.serviceAccountTokenCreator",
      member: "group:devs@example.com",
    });
  });
});
