/**
 * The three committed stacks, run end to end under Pulumi's mocks, checked against the kit's
 * invariants: what a reviewer of a real `pulumi up` would want to be true of every stack.
 */

import { join } from "node:path";
import { ConfigError, formatProblem, parseConfig, type KitConfig, type RawConfig } from "../src/config";
import { readStackFile } from "../src/config/stack-file";
import { decodeKeyFile } from "../src/components/rotating-key";
import { BASIC_ROLES } from "../src/config/members";
import { buildStack } from "../src/program";
import { clientFile, NOW, SECRET_KEYS } from "./helpers/fixtures";
import { criticalPath, runMocked, type Deployment, type RecordedResource } from "./helpers/mocks";

const ROOT = join(__dirname, "..");
const STACKS = ["dev", "staging", "prod"] as const;
const ACCESSOR = "roles/secretmanager.secretAccessor";

/** The stack's committed config, plus the client file a person would have set for prod. */
function committed(stack: string): { raw: RawConfig; clientSecret?: string } {
  const { raw, encrypted } = readStackFile(ROOT, stack);
  expect(encrypted).toEqual([]);
  if (stack !== "prod") return { raw };
  const project = raw["gcp:project"]!;
  const file = clientFile(project);
  return { raw: { ...raw, "gemini-access-kit:oauthClientJson": file.text }, clientSecret: file.clientSecret };
}

function configOf(raw: RawConfig, stack: string): KitConfig {
  const { config, problems } = parseConfig(raw, { stack, now: NOW, secretKeys: SECRET_KEYS });
  if (config === undefined) throw new ConfigError(stack, problems);
  return config;
}

const deployments = new Map<string, { d: Deployment<unknown>; config: KitConfig; clientSecret?: string }>();

beforeAll(async () => {
  for (const stack of STACKS) {
    const { raw, clientSecret } = committed(stack);
    const config = configOf(raw, stack);
    const d = await runMocked(() => buildStack(config), { stack });
    deployments.set(stack, { d, config, clientSecret });
  }
});

const custom = (d: Deployment<unknown>) => d.resources.filter((r) => r.custom);

describe.each(STACKS)("the committed %s stack", (stack) => {
  const get = () => deployments.get(stack)!;

  test("the critical path of a fresh up is at most 4 resources deep", () => {
    const path = criticalPath(get().d.resources);
    expect(path.length).toBeGreaterThan(0);
    expect(path.length).toBeLessThanOrEqual(4);
  });

  test("no output holds key material, a key string or a client secret, in any form", () => {
    const { d, clientSecret } = get();
    const exported = JSON.stringify(d.outputs);
    const secrets = [...d.generatedSecrets, ...(clientSecret ? [clientSecret] : [])];
    for (const secret of secrets) expect(exported).not.toContain(secret);
    expect(d.secretOutputPaths).toEqual([]);
  });

  test("secret material reaches the engine only as the secret data of a secret version", () => {
    const { d, clientSecret } = get();
    const secrets = [...d.generatedSecrets, ...(clientSecret ? [clientSecret] : [])];
    for (const r of d.resources) {
      for (const [field, value] of Object.entries(r.inputs)) {
        const text = JSON.stringify(value);
        if (!secrets.some((s) => text.includes(s))) continue;
        expect([r.type, field]).toEqual(["gcp:secretmanager/secretVersion:SecretVersion", "secretData"]);
        expect(r.secretInputs).toContain("secretData");
      }
    }
  });

  test("every key reaches a secret version, decoded", () => {
    const { d } = get();
    const versions = d.ofType("gcp:secretmanager/secretVersion:SecretVersion").map((v) => v.inputs.secretData);
    for (const key of d.ofType("gcp:serviceaccount/key:Key")) {
      expect(versions).toContain(decodeKeyFile(key.state.privateKey as string));
    }
    for (const key of d.ofType("gcp:projects/apiKey:ApiKey")) expect(versions).toContain(key.state.keyString);
  });

  test("secretAccessor is granted on single secrets only, never on the project", () => {
    const { d } = get();
    const projectRoles = d.ofType("gcp:projects/iAMMember:IAMMember").map((r) => r.inputs.role);
    expect(projectRoles).not.toContain(ACCESSOR);
    for (const grant of d.ofType("gcp:secretmanager/secretIamMember:SecretIamMember")) {
      expect(grant.inputs.role).toBe(ACCESSOR);
      expect(grant.inputs.member).not.toMatch(/^all(Authenticated)?Users$/);
    }
  });

  test("no resource grants a basic role", () => {
    const roles = custom(get().d).map((r) => r.inputs.role).filter((r) => r !== undefined);
    for (const role of roles) expect(BASIC_ROLES).not.toContain(role);
  });

  test("APIs stay enabled when the stack is destroyed", () => {
    const apis = get().d.ofType("gcp:projects/service:Service");
    expect(apis.map((a) => a.inputs.service)).toContain("generativelanguage.googleapis.com");
    for (const api of apis) expect(api.inputs.disableOnDestroy).toBe(false);
  });

  test("secrets carry the environment and managed-by labels", () => {
    const { d, config } = get();
    for (const secret of d.ofType("gcp:secretmanager/secret:Secret")) {
      expect(secret.inputs.labels).toMatchObject({ environment: config.environment, "managed-by": "gemini-access-kit" });
    }
  });

  test("exports the verify command and an e-mail for each account", () => {
    const { d, config } = get();
    const outputs = d.outputs as { verifyCommand: string; serviceAccounts: Record<string, { email: string }> };
    expect(outputs.verifyCommand).toBe(`npm run verify -- --stack ${stack}`);
    expect(Object.keys(outputs.serviceAccounts).sort()).toEqual(config.accounts.map((a) => a.key));
  });
});

describe("stack-specific settings", () => {
  const outputs = (stack: string) => deployments.get(stack)!.d.outputs as Record<string, unknown>;

  test("dev routes a rotating runtime key and an API key into the secret store", () => {
    const d = deployments.get("dev")!.d;
    expect(d.ofType("gcp:serviceaccount/key:Key")).toHaveLength(1);
    expect(d.ofType("gcp:projects/apiKey:ApiKey")).toHaveLength(1);
    const accounts = outputs("dev").serviceAccounts as Record<string, { keySecret?: string }>;
    expect(accounts.runtime?.keySecret).toMatch(/\/secrets\/gak-runtime-key-dev$/);
  });

  test("staging and prod are keyless and replicate secrets to the regions they name", () => {
    for (const stack of ["staging", "prod"]) {
      const d = deployments.get(stack)!.d;
      expect(d.ofType("gcp:serviceaccount/key:Key")).toHaveLength(0);
      for (const secret of d.ofType("gcp:secretmanager/secret:Secret")) {
        expect(secret.inputs.replication).toEqual({ userManaged: { replicas: [{ location: "europe-west1" }, { location: "europe-west4" }] } });
      }
    }
  });

  test("staging still waits for its optional OAuth client; prod has stored it and exports its id", () => {
    expect(outputs("staging").oauthClient).toEqual({ status: "pending" });
    const prod = outputs("prod").oauthClient as { status: string; clientId: string; secret: string };
    expect(prod.status).toBe("stored");
    expect(prod.clientId).toMatch(/\.apps\.googleusercontent\.com$/);
    expect(prod.secret).toMatch(/\/secrets\/gak-oauth-client-prod$/);
  });

  test("prod refuses to deploy until its Desktop OAuth client has been set", () => {
    const { raw } = readStackFile(ROOT, "prod");
    const { config, problems } = parseConfig(raw, { stack: "prod", now: NOW, secretKeys: SECRET_KEYS });
    expect(config).toBeUndefined();
    expect(problems.map(formatProblem)).toEqual([
      expect.stringContaining("[oauthClientJson] (not set) is required by oauthClientRequired: true"),
    ]);
  });

  test("reordering the accounts in a stack file changes no resource name", async () => {
    const { raw } = committed("dev");
    const accounts = JSON.parse(raw["gemini-access-kit:serviceAccounts"]!) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(accounts).reverse());
    expect(Object.keys(reversed)).not.toEqual(Object.keys(accounts));
    const d = await runMocked(() => buildStack(configOf({ ...raw, "gemini-access-kit:serviceAccounts": JSON.stringify(reversed) }, "dev")), { stack: "dev" });
    const urns = (rs: RecordedResource[]) => rs.map((r) => r.urn).sort();
    expect(urns(d.resources)).toEqual(urns(deployments.get("dev")!.d.resources));
  });

  test("a stack with many accounts keeps the same critical-path depth", async () => {
    const { raw } = committed("dev");
    const many = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`svc${i}`, { roles: ["roles/aiplatform.user"], createKey: true, keyReaders: [`account:svc${(i + 1) % 30}`] }]),
    );
    const config = configOf({ ...raw, "gemini-access-kit:serviceAccounts": JSON.stringify(many), "gemini-access-kit:apiKey": JSON.stringify({ serviceAccount: "svc0", readers: ["account:svc1"] }) }, "dev");
    const d = await runMocked(() => buildStack(config), { stack: "dev" });
    // The stack's 30, and the CI identity's deployer and previewer.
    expect(d.ofType("gcp:serviceaccount/account:Account")).toHaveLength(30 + 2);
    expect(criticalPath(d.resources).length).toBeLessThanOrEqual(4);
  });
});
