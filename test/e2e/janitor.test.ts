/**
 * `npm run e2e -- janitor` and the run's own calls to Google, against the fake Google on 127.0.0.1
 * through the real src/google/ layer and the entry's wiring (scripts/e2e-google.ts): Resource
 * Manager v3's search by label and project deletion, and API Keys' deletion of a run's keys.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Failure } from "../../src/cli/failure.ts";
import { Redactor } from "../../src/cli/redact.ts";
import { E2E_LABEL } from "../../src/e2e/names.ts";
import { connectE2e } from "../../scripts/e2e-google.ts";
import { startFakeGoogle, type FakeGoogle } from "../helpers/google/server.ts";
import { cloudProject } from "../helpers/google/state.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { cleanEnv } from "../helpers/verify-cli.ts";
import { inProcess } from "../helpers/in-process.ts";
import { e2eMain } from "../../src/e2e/cli.ts";
import { e2eWorld } from "./world.ts";

const CALLER = "e2e-runner@acme-ci.iam.gserviceaccount.com";
const NOW = Date.parse("2026-11-02T08:00:00Z");
const HOUR = 3_600_000;

let google: FakeGoogle;
let env: Record<string, string>;

/** A project as the fake holds it: labelled with a run id or not, made `ageHours` ago, and what the caller holds on it. */
function addProject(
  id: string,
  number: string,
  options: {
    label?: string;
    ageHours: number;
    state?: "ACTIVE" | "DELETE_REQUESTED";
    caller?: string[];
  },
) {
  const p = cloudProject(id, number, []);
  p.labels = options.label === undefined ? { team: "platform" } : { [E2E_LABEL]: options.label };
  p.createTime = new Date(NOW - options.ageHours * HOUR).toISOString();
  p.lifecycleState = options.state ?? "ACTIVE";
  google.state.cloudProjects.set(id, p);
  const grants = google.state.grants.get(CALLER) ?? [];
  if (options.caller !== undefined) grants.push({ project: id, permissions: options.caller });
  google.state.grants.set(CALLER, grants);
}

const SEE_AND_DELETE = ["resourcemanager.projects.get", "resourcemanager.projects.delete"];

beforeEach(async () => {
  google = await startFakeGoogle();
  const key = google.addServiceAccount(CALLER, "acme-ci");
  // The caller's own project, which its calls are charged to.
  google.state.cloudProjects.set(
    "acme-ci",
    cloudProject("acme-ci", "555555555555", ["cloudresourcemanager.googleapis.com"]),
  );
  addProject("gak-e2e-old001", "100000000001", {
    label: "gak-e2e-old001",
    ageHours: 72,
    caller: SEE_AND_DELETE,
  });
  addProject("gak-e2e-old002", "100000000002", {
    label: "gak-e2e-old002",
    ageHours: 25,
    caller: SEE_AND_DELETE,
  });
  addProject("gak-e2e-new001", "100000000003", {
    label: "gak-e2e-new001",
    ageHours: 1,
    caller: SEE_AND_DELETE,
  });
  addProject("gak-e2e-gone01", "100000000004", {
    label: "gak-e2e-gone01",
    ageHours: 90,
    state: "DELETE_REQUESTED",
    caller: SEE_AND_DELETE,
  });
  addProject("acme-prod-main", "100000000005", { ageHours: 5000, caller: SEE_AND_DELETE });
  // Another team's run, in a folder the caller cannot see.
  addProject("gak-e2e-theirs", "100000000006", { label: "gak-e2e-theirs", ageHours: 72 });
  const keyFile = join(tempDir("e2e-janitor"), "caller.json");
  writeFileSync(keyFile, key.file);
  env = cleanEnv({ ...google.env, GOOGLE_APPLICATION_CREDENTIALS: keyFile });
});
afterEach(() => google.close());

/** `npm run e2e -- janitor ...` in this process, through the entry's connection to the fake. */
function janitor(argv: string[]) {
  const world = e2eWorld();
  world.deps.connect = connectE2e;
  world.deps.clock.now = () => NOW;
  return inProcess("e2e", (c) => e2eMain(c, world.deps), ["janitor", ...argv], env);
}

const state = (id: string) => google.state.cloudProjects.get(id)!.lifecycleState;

describe("npm run e2e -- janitor", () => {
  test("deletes each labelled project older than 24 h, and only those: younger runs, unlabelled projects and those already pending deletion stay, each reported", async () => {
    const result = await janitor([]);
    expect(result.code).toBe(0);
    expect(state("gak-e2e-old001")).toBe("DELETE_REQUESTED");
    expect(state("gak-e2e-old002")).toBe("DELETE_REQUESTED");
    expect(state("gak-e2e-new001")).toBe("ACTIVE");
    expect(state("acme-prod-main")).toBe("ACTIVE");
    expect(state("gak-e2e-theirs")).toBe("ACTIVE");
    expect(google.requestsTo("projects.delete").map((r) => r.path)).toEqual([
      "/v3/projects/gak-e2e-old001",
      "/v3/projects/gak-e2e-old002",
    ]);
    // The search asks for the label, and follows every page (the fake answers two a page).
    expect(google.requestsTo("projects.search").map((r) => r.query)).toEqual([
      { query: `labels.${E2E_LABEL}:*` },
      { query: `labels.${E2E_LABEL}:*`, pageToken: "2" },
    ]);
    expect(result.stdout).toBe(
      [
        "pending deletion gak-e2e-gone01                 made 2026-10-29T14:00:00.000Z: already DELETE_REQUESTED",
        "deleted          gak-e2e-old001                 made 2026-10-30T08:00:00.000Z: DELETE_REQUESTED; its id stays taken for 30 days",
        "deleted          gak-e2e-old002                 made 2026-11-01T07:00:00.000Z: DELETE_REQUESTED; its id stays taken for 30 days",
        "kept             gak-e2e-new001                 made 2026-11-02T07:00:00.000Z: younger than 24 h",
        "4 labelled projects; 2 deleted, older than 24 h.",
        "",
      ].join("\n"),
    );
  });

  test("--dry-run deletes nothing and says what it would delete", async () => {
    const result = await janitor(["--dry-run", "--json"]);
    expect(result.code).toBe(0);
    expect(google.requestsTo("projects.delete")).toEqual([]);
    expect(state("gak-e2e-old001")).toBe("ACTIVE");
    const doc = JSON.parse(result.stdout) as {
      dryRun: boolean;
      projects: { projectId: string; action: string }[];
    };
    expect(doc.dryRun).toBe(true);
    expect(doc.projects.map((p) => `${p.projectId} ${p.action}`)).toEqual([
      "gak-e2e-gone01 pending deletion",
      "gak-e2e-old001 would delete",
      "gak-e2e-old002 would delete",
      "gak-e2e-new001 kept",
    ]);
  });

  test("--older-than moves the limit", async () => {
    const result = await janitor(["--older-than", "2d"]);
    expect(result.code).toBe(0);
    expect(google.requestsTo("projects.delete").map((r) => r.path)).toEqual([
      "/v3/projects/gak-e2e-old001",
    ]);
    expect(state("gak-e2e-old002")).toBe("ACTIVE");
  });

  test("a project it may see but not delete is reported with the permission it lacks, and the janitor exits 1 after the others", async () => {
    google.state.grants.set(
      CALLER,
      google.state.grants
        .get(CALLER)!
        .map((g) =>
          g.project === "gak-e2e-old001"
            ? { ...g, permissions: ["resourcemanager.projects.get"] }
            : g,
        ),
    );
    const result = await janitor(["--json"]);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      ok: boolean;
      projects: { projectId: string; action: string; detail: string }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.projects.find((p) => p.projectId === "gak-e2e-old001")).toMatchObject({
      action: "failed",
      detail: expect.stringContaining("resourcemanager.projects.delete"),
    });
    expect(state("gak-e2e-old002")).toBe("DELETE_REQUESTED");
  });
});

/** The run's own calls, made through the entry's connection as the test's ADC. */
async function connected() {
  const saved = process.env;
  process.env = { ...env };
  try {
    return await connectE2e({ redactor: new Redactor(), progress: () => undefined });
  } finally {
    process.env = saved;
  }
}

describe("the run's own calls to Google", () => {
  test("deleting the run's project waits for Google's operation to be done", async () => {
    google.state.operationPolls = 2;
    const { google: calls, principal } = await connected();
    expect(principal).toBe(CALLER);
    await calls.deleteProject("gak-e2e-new001");
    expect(state("gak-e2e-new001")).toBe("DELETE_REQUESTED");
    expect(google.requestsTo("projects.operations.get")).toHaveLength(3);
  });

  test("a project Google does not show is refused as one the caller may not delete, naming the permission", async () => {
    const { google: calls } = await connected();
    const err = await calls.deleteProject("gak-e2e-nosuch").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Failure);
    expect((err as Failure).reason).toBe("PERMISSION_DENIED");
    expect((err as Failure).fix).toContain("resourcemanager.projects.delete");
  });

  test("deleting the run's API keys deletes those whose id starts with the run's prefix, no other", async () => {
    google.state.apiKeyAdmins.add(CALLER);
    const made = (keyId: string) =>
      google.state.apiKeyRecords.set(keyId, {
        keyId,
        uid: `uid-${keyId}`,
        displayName: keyId,
        keyString: `AIza${keyId.padEnd(35, "x").slice(0, 35)}`,
        createTime: "2026-11-02T07:00:00Z",
        updateTime: "2026-11-02T07:00:00Z",
        annotations: {},
        refusalsLeft: 0,
      });
    for (const id of [
      "gak-gemini-e2e-abcdef-20261102-070000",
      "gak-gemini-e2e-abcdef",
      "gak-gemini-e2e-abcdefg-20261102-070000",
      "gak-gemini-dev-20261101-000000",
    ])
      made(id);
    const { google: calls } = await connected();
    const deleted = await calls.deleteApiKeys("acme-gemini-dev", "gak-gemini-e2e-abcdef");
    expect(deleted.sort()).toEqual([
      "gak-gemini-e2e-abcdef",
      "gak-gemini-e2e-abcdef-20261102-070000",
    ]);
    const live = [...google.state.apiKeyRecords.values()]
      .filter((k) => k.deleteTime === undefined)
      .map((k) => k.keyId);
    expect(live.sort()).toEqual([
      "gak-gemini-dev-20261101-000000",
      "gak-gemini-e2e-abcdefg-20261102-070000",
    ]);
  });
});
