/**
 * The committed stacks, run end to end under Pulumi's mocks, checked against the kit's invariants:
 * what a reviewer of a real `pulumi up` would want to be true of every stack. The environment stacks
 * apply only their workload plane; the CI stack applies every environment's foundation.
 */

import { join } from "node:path";
import {
  ConfigError,
  formatProblem,
  parseConfig,
  type KitConfig,
  type RawConfig,
} from "../src/config/index.ts";
import { parseCiConfig } from "../src/config/ci.ts";
import { BASIC_ROLES } from "../src/config/members.ts";
import { readStackFile, stackReader } from "../src/config/stack-file.ts";
import { plannedProjects, projectOf } from "../src/preflight/needs.ts";
import { buildCiStack, buildStack } from "../src/program.ts";
import { clientFile, mustParse, SECRET_KEYS } from "./helpers/fixtures.ts";
import { CI_INVOKES } from "./helpers/fake-cloud.ts";
import {
  criticalPath,
  runMocked,
  waitsFor,
  type Deployment,
  type RecordedResource,
} from "./helpers/mocks.ts";
import { readFileSync } from "node:fs";

const ROOT = join(import.meta.dirname, "..");
const STACKS = ["dev", "staging", "prod"] as const;
const ACCESSOR = "roles/secretmanager.secretAccessor";
/** The resource types whose state holds key material: none may be registered by any stack. */
const KEY_CARRYING = ["gcp:serviceaccount/key:Key", "gcp:projects/apiKey:ApiKey"];
/** The foundation's resource types: an environment stack with foundation: ci registers none. */
const FOUNDATION = [
  "gcp:projects/service:Service",
  "gcp:serviceaccount/account:Account",
  "gcp:projects/iAMMember:IAMMember",
  "gcp:serviceaccount/iAMMember:IAMMember",
];

/**
 * The stack's committed config, plus the client file a person would have set: for prod, which
 * requires it, always; for the others when `plant` (every committed stack has a consent screen), a
 * secret planted in its input for the searches of its outputs and state.
 */
function committed(
  stack: string,
  plant = stack === "prod",
): { raw: RawConfig; clientSecret?: string } {
  const { raw, encrypted } = readStackFile(ROOT, stack);
  expect(encrypted).toEqual([]);
  if (!plant) return { raw };
  const file = clientFile(raw["gcp:project"]);
  return {
    raw: { ...raw, "gemini-access-kit:oauthClientJson": file.text },
    clientSecret: file.clientSecret,
  };
}

const deployments = new Map<
  string,
  { d: Deployment<unknown>; config: KitConfig; clientSecret?: string }
>();
/** The same stacks, each with a client secret planted. */
const planted = new Map<string, { d: Deployment<unknown>; clientSecret: string }>();
/** The same stacks applying their own foundation (foundation: stack), secrets and readers included. */
const selfApplied = new Map<string, Deployment<unknown>>();
let ci: Deployment<unknown>;

beforeAll(async () => {
  for (const stack of STACKS) {
    const { raw, clientSecret } = committed(stack);
    const config = mustParse(raw, stack);
    const d = await runMocked(() => buildStack(config), { stack });
    deployments.set(stack, { d, config, clientSecret });
    selfApplied.set(
      stack,
      await runMocked(() => buildStack({ ...config, foundation: "stack" }), { stack }),
    );
    const withClient = committed(stack, true);
    planted.set(stack, {
      d: await runMocked(() => buildStack(mustParse(withClient.raw, stack)), { stack }),
      clientSecret: withClient.clientSecret!,
    });
  }
  const { config, problems } = parseCiConfig(readStackFile(ROOT, "ci").raw, {
    stack: "ci",
    secretKeys: new Set(),
    readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
  });
  if (config === undefined) throw new ConfigError("ci", problems);
  ci = await runMocked(() => buildCiStack(config), { stack: "ci", invokes: CI_INVOKES });
});

const custom = (d: Deployment<unknown>) => d.resources.filter((r) => r.custom);

describe.each(STACKS)("the committed %s stack", (stack) => {
  const get = () => deployments.get(stack)!;

  test("registers no resource that carries key material: keys are the rotator's, never in the state", () => {
    for (const d of [get().d, selfApplied.get(stack)!])
      for (const type of KEY_CARRYING) expect([type, d.ofType(type)]).toEqual([type, []]);
  });

  test("registers none of its foundation, which the CI stack applies (foundation: ci)", () => {
    expect(get().config.foundation).toBe("ci");
    for (const type of FOUNDATION) expect([type, get().d.ofType(type).length]).toEqual([type, 0]);
  });

  test("no output and no resource's state holds the planted client secret, or key material the cloud generated", () => {
    const { d, clientSecret } = planted.get(stack)!;
    const secrets = [...d.generatedSecrets, clientSecret];
    const exported = JSON.stringify(d.outputs);
    const state = JSON.stringify(d.resources.map((r) => r.state));
    for (const secret of secrets)
      expect([exported.includes(secret), state.includes(secret)]).toEqual([false, false]);
    expect(d.secretOutputPaths).toEqual([]);
  });

  test("the client secret reaches the engine only as a write-only secret version, which the state never keeps", () => {
    const { d, clientSecret } = planted.get(stack)!;
    let carried = 0;
    for (const r of d.resources) {
      for (const [field, value] of Object.entries(r.inputs)) {
        if (!JSON.stringify(value).includes(clientSecret)) continue;
        carried++;
        expect([r.type, field]).toEqual([
          "gcp:secretmanager/secretVersion:SecretVersion",
          "secretDataWo",
        ]);
        expect(r.secretInputs).toContain("secretDataWo");
      }
      expect(JSON.stringify(r.state)).not.toContain(clientSecret);
    }
    expect(carried).toBe(1);
    for (const v of d.ofType("gcp:secretmanager/secretVersion:SecretVersion"))
      expect(v.inputs.secretData).toBeUndefined();
  });

  /**
   * The stack's secrets and their readers wherever they are made: by the CI stack (the committed
   * stacks), and by the stack itself when it applies its own foundation.
   */
  const made = (type: string) => {
    const project = get().config.project;
    const inCi = ci.ofType(type).filter((r) => r.inputs.project === project);
    return [...inCi, ...selfApplied.get(stack)!.ofType(type)];
  };

  test("secretAccessor is granted on single secrets only, never on the project", () => {
    const grants = made("gcp:secretmanager/secretIamMember:SecretIamMember");
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      expect(grant.inputs.role).toBe(ACCESSOR);
      expect(grant.inputs.member).not.toMatch(/^all(Authenticated)?Users$/);
    }
  });

  test("every secret is named with the stack's prefix, which the rotator's and deployer's conditions name", () => {
    const { config } = get();
    const secrets = made("gcp:secretmanager/secret:Secret");
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets)
      expect(String(secret.inputs.secretId)).toMatch(new RegExp(`^${config.namePrefix}-`));
  });

  test("secrets carry the environment and managed-by labels", () => {
    const { config } = get();
    for (const secret of made("gcp:secretmanager/secret:Secret")) {
      expect(secret.inputs.labels).toMatchObject({
        environment: config.environment,
        "managed-by": "gemini-access-kit",
      });
    }
  });

  test("exports the verify command and an e-mail for each account", () => {
    const { d, config } = get();
    const outputs = d.outputs as {
      verifyCommand: string;
      serviceAccounts: Record<string, { email: string }>;
    };
    expect(outputs.verifyCommand).toBe(`npm run verify -- --stack ${stack}`);
    expect(Object.entries(outputs.serviceAccounts).map(([k, a]) => [k, a.email])).toEqual(
      config.accounts.map((a) => [a.key, a.email]),
    );
  });
});

describe("the committed CI stack", () => {
  test("applies each environment's foundation: its APIs, its accounts and their roles, in the environment's project", () => {
    for (const stack of STACKS) {
      const config = deployments.get(stack)!.config;
      const accounts = ci
        .ofType("gcp:serviceaccount/account:Account")
        .filter((a) => a.inputs.project === config.project)
        .map((a) => a.inputs.accountId);
      // And the verify gate's probe account (governed-environment.ts), which no consumer uses.
      expect([stack, accounts.sort()]).toEqual([
        stack,
        [...config.accounts.map((a) => a.accountId), `gak-probe-${stack}`].sort(),
      ]);
      const apis = ci
        .ofType("gcp:projects/service:Service")
        .filter((s) => s.inputs.project === config.project)
        .map((s) => s.inputs.service);
      expect([stack, apis.sort()]).toEqual([stack, [...config.apis].sort()]);
      for (const a of config.accounts) {
        const roles = ci
          .ofType("gcp:projects/iAMMember:IAMMember")
          .filter((b) => b.inputs.member === `serviceAccount:${a.email}`)
          .map((b) => b.inputs.role);
        expect([a.email, roles.sort()]).toEqual([a.email, [...a.roles].sort()]);
      }
    }
  });

  test("creates staging's and prod's projects and adopts dev's, and every resource it makes in a created project waits for it", () => {
    const projects = ci.ofType("gcp:organizations/project:Project");
    expect(
      projects
        .map(
          (p) =>
            `${String(p.inputs.projectId)} ${p.importId === undefined ? "created" : "adopted"}`,
        )
        .sort(),
    ).toEqual([
      "acme-gemini-dev adopted",
      "acme-gemini-prod created",
      "acme-gemini-staging created",
    ]);
    const planned = plannedProjects(ci.resources);
    for (const project of projects.filter((p) => p.importId === undefined)) {
      const id = String(project.inputs.projectId);
      const inside = custom(ci).filter(
        (r) => r !== project && projectOf(r, "acme-gemini-ci", planned) === id,
      );
      expect(inside.length).toBeGreaterThan(10);
      expect([
        id,
        inside.filter((r) => !waitsFor(ci.resources, r).has(project.urn)).map((r) => r.name),
      ]).toEqual([id, []]);
    }
  });

  test("puts a lien against deletion on prod's project alone, production being the only stack that says so, and a budget where the file asks for one (prod)", () => {
    const onProject = (type: string) =>
      ci.ofType(type).map((r) => r.name.replace(/-vending-.*$/, ""));
    expect(onProject("gcp:resourcemanager/lien:Lien")).toEqual(["ci-prod"]);
    expect(onProject("gcp:billing/budget:Budget")).toEqual(["ci-prod"]);
    expect(onProject("gcp:projects/defaultServiceAccounts:DefaultServiceAccounts").sort()).toEqual([
      "ci-prod",
      "ci-staging",
    ]);
  });

  test("registers no key-carrying resource either", () => {
    for (const type of KEY_CARRYING) expect(ci.ofType(type)).toEqual([]);
  });

  test("APIs stay enabled when a stack is destroyed", () => {
    for (const api of ci.ofType("gcp:projects/service:Service"))
      expect(api.inputs.disableOnDestroy).toBe(false);
  });

  test("grants no basic role and no project-wide secret access", () => {
    for (const r of custom(ci)) {
      expect(BASIC_ROLES).not.toContain(r.inputs.role);
      if (r.type === "gcp:projects/iAMMember:IAMMember") expect(r.inputs.role).not.toBe(ACCESSOR);
    }
  });
});

describe("stack-specific settings", () => {
  const outputs = (stack: string) => deployments.get(stack)!.d.outputs as Record<string, unknown>;

  test("dev has a secret for its runtime key and one for its API key, each read only by its readers, which the CI stack applies", () => {
    const inDev = (r: { inputs: Record<string, unknown> }) =>
      r.inputs.project === "acme-gemini-dev";
    expect(
      ci
        .ofType("gcp:secretmanager/secret:Secret")
        .filter(inDev)
        .map((s) => s.inputs.secretId)
        .sort(),
      // The OAuth client's too: dev configures a consent screen, so its secret waits for the client.
    ).toEqual(["gak-api-key-dev", "gak-oauth-client-dev", "gak-runtime-key-dev"]);
    expect(
      ci
        .ofType("gcp:secretmanager/secretIamMember:SecretIamMember")
        .filter(inDev)
        .map((r) => `${String(r.inputs.secretId)} ${String(r.inputs.member)}`)
        .sort(),
    ).toEqual([
      "gak-api-key-dev group:gemini-dev@example.com",
      "gak-oauth-client-dev group:gemini-dev@example.com",
      "gak-runtime-key-dev group:gemini-dev@example.com",
    ]);
    const accounts = outputs("dev").serviceAccounts as Record<string, { keySecret?: string }>;
    expect(accounts.runtime?.keySecret).toMatch(/\/secrets\/gak-runtime-key-dev$/);
    expect(outputs("dev").apiKey).toEqual({
      secret: expect.stringMatching(/\/secrets\/gak-api-key-dev$/),
      boundTo: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
    });
  });

  test("dev exports for the rotator exactly its keyed account's secret and its API key's, by secret name, with the period", () => {
    expect(outputs("dev").rotation).toEqual({
      periodDays: 30,
      unmanagedKeyGraceHours: 24,
      keys: [
        {
          kind: "service-account-key",
          account: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
          secret: "projects/acme-gemini-dev/secrets/gak-runtime-key-dev",
        },
        {
          kind: "api-key",
          account: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
          secret: "projects/acme-gemini-dev/secrets/gak-api-key-dev",
          project: "acme-gemini-dev",
          keyIdPrefix: "gak-gemini-dev",
          displayName: "Gemini API (gak-gemini-dev)",
          service: "generativelanguage.googleapis.com",
        },
      ],
    });
  });

  test("the secrets the rotator is given are the ones the CI stack creates for dev", () => {
    const created = ci
      .ofType("gcp:secretmanager/secret:Secret")
      .filter((s) => s.inputs.project === "acme-gemini-dev")
      .map((s) => `projects/${String(s.inputs.project)}/secrets/${String(s.inputs.secretId)}`);
    const rotation = outputs("dev").rotation as { keys: { secret: string }[] };
    for (const key of rotation.keys) expect(created).toContain(key.secret);
  });

  test("keyless stacks give the rotator nothing to do", () => {
    for (const stack of ["staging", "prod"])
      expect([stack, outputs(stack).rotation]).toEqual([
        stack,
        { periodDays: 45, unmanagedKeyGraceHours: 24, keys: [] },
      ]);
  });

  test("staging and prod are keyless and replicate secrets to the regions they name", () => {
    for (const stack of ["staging", "prod"]) {
      const d = deployments.get(stack)!.d;
      for (const secret of d.ofType("gcp:secretmanager/secret:Secret")) {
        expect(secret.inputs.replication).toEqual({
          userManaged: { replicas: [{ location: "europe-west1" }, { location: "europe-west4" }] },
        });
      }
    }
  });

  test("staging still waits for its optional OAuth client; prod has stored it and exports its id", () => {
    expect(outputs("staging").oauthClient).toEqual({ status: "pending" });
    const prod = outputs("prod").oauthClient as {
      status: string;
      clientId: string;
      secret: string;
    };
    expect(prod.status).toBe("stored");
    expect(prod.clientId).toMatch(/\.apps\.googleusercontent\.com$/);
    expect(prod.secret).toMatch(/\/secrets\/gak-oauth-client-prod$/);
  });

  test("prod refuses to deploy until its Desktop OAuth client has been set", () => {
    const { raw } = readStackFile(ROOT, "prod");
    const { config, problems } = parseConfig(raw, { stack: "prod", secretKeys: SECRET_KEYS });
    expect(config).toBeUndefined();
    expect(problems.map(formatProblem)).toEqual([
      expect.stringContaining(
        "[oauthClientJson] (not set) is required by oauthClientRequired: true",
      ),
    ]);
  });

  test("reordering the accounts in a stack file changes no resource name", async () => {
    const { raw } = committed("dev");
    const accounts = {
      ...(JSON.parse(raw["gemini-access-kit:serviceAccounts"]!) as Record<string, unknown>),
      jobs: {
        roles: ["roles/serviceusage.serviceUsageConsumer"],
        impersonators: ["group:gemini-dev@example.com"],
      },
    };
    const reversed = Object.fromEntries(Object.entries(accounts).reverse());
    expect(Object.keys(reversed)).not.toEqual(Object.keys(accounts));
    const build = (order: Record<string, unknown>) =>
      runMocked(
        () =>
          buildStack(
            mustParse(
              { ...raw, "gemini-access-kit:serviceAccounts": JSON.stringify(order) },
              "dev",
            ),
          ),
        { stack: "dev" },
      );
    const urns = (rs: RecordedResource[]) => rs.map((r) => r.urn).sort();
    expect(urns((await build(reversed)).resources)).toEqual(
      urns((await build(accounts)).resources),
    );
  });
});

describe("a stack that applies its own foundation (foundation: stack, no CI stack)", () => {
  const standalone = () => {
    const { raw } = committed("dev");
    return mustParse({ ...raw, "gemini-access-kit:foundation": "stack" }, "dev");
  };

  test("creates its APIs, accounts, roles and impersonators, under the names the kit has always given them", async () => {
    const d = await runMocked(() => buildStack(standalone()), { stack: "dev" });
    const names = (type: string) =>
      d
        .ofType(type)
        .map((r) => r.name)
        .sort();
    expect(names("gcp:serviceaccount/account:Account")).toEqual(["gemini-runtime-account"]);
    expect(names("gcp:projects/service:Service")).toContain("gemini-apis-generativelanguage");
    // dev targets both: the kit's own Vertex AI grant and service agent too.
    expect(names("gcp:projects/iAMMember:IAMMember")).toEqual([
      "gemini-runtime-role-aiplatform.user",
      "gemini-runtime-role-serviceusage.serviceUsageConsumer",
    ]);
    expect(names("gcp:projects/serviceIdentity:ServiceIdentity")).toEqual(["gemini-vertex-agent"]);
    for (const type of KEY_CARRYING) expect(d.ofType(type)).toEqual([]);
  });

  test("keeps the same critical-path depth however many accounts it has", async () => {
    const { raw } = committed("dev");
    const many = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [
        `svc${i}`,
        // 19 keys and the API key: the 20 key secrets one rotator can be granted.
        i < 19
          ? {
              roles: ["roles/aiplatform.user"],
              createKey: true,
              keyReaders: [`account:svc${(i + 1) % 30}`],
            }
          : { roles: ["roles/aiplatform.user"], impersonators: [`account:svc${(i + 1) % 30}`] },
      ]),
    );
    const config = mustParse(
      {
        ...raw,
        "gemini-access-kit:foundation": "stack",
        "gemini-access-kit:serviceAccounts": JSON.stringify(many),
        "gemini-access-kit:apiKey": JSON.stringify({
          serviceAccount: "svc0",
          readers: ["account:svc1"],
        }),
      },
      "dev",
    );
    const d = await runMocked(() => buildStack(config), { stack: "dev" });
    expect(d.ofType("gcp:serviceaccount/account:Account")).toHaveLength(30);
    expect(criticalPath(d.resources).length).toBeLessThanOrEqual(4);
  });
});
