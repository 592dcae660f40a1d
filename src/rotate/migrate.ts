/**
 * `npm run rotate -- migrate --stack NAME`: a stack whose keys an earlier kit made in Pulumi's state
 * (`gcp:serviceaccount/key:Key`, `gcp:projects/apiKey:ApiKey`, each written to a
 * `gcp:secretmanager/secretVersion:SecretVersion`) hands them to the rotator without revoking one.
 * From the stack's state export (never a secret value: the export keeps them encrypted) it pairs
 * each key with the version that holds it, by the version's dependency on the key, and records the
 * pairs in the secrets' annotations, where the rotator then finds them as its own. Then it removes
 * those keys and versions from the state (`pulumi state delete`, which only edits the state), so the
 * next `pulumi up`, whose program no longer declares them, leaves them in Google. The rotator retires
 * them by its usual rule: the older at its first rotation, the newer one period later.
 */

import { badInput, Failure } from "../cli/failure.ts";
import { jsonInput } from "../cli/input-file.ts";
import { record } from "../json.ts";
import { pulumiFailed, type Runner } from "../cli/stack-outputs.ts";
import type { RotateOptions } from "./args.ts";
import { enabledVersions } from "../google/apis/secret-manager.ts";
import { SecretLedger } from "./ledger-store.ts";
import type { RotateDeps } from "./run.ts";
import { commandHttp } from "../google/http.ts";
import { rotatorApi } from "./run.ts";
import { migratedTooLate, type CommittedStacks } from "./migrate-order.ts";

const KEY = "gcp:serviceaccount/key:Key";
const API_KEY = "gcp:projects/apiKey:ApiKey";
const VERSION = "gcp:secretmanager/secretVersion:SecretVersion";

export interface LegacyKey {
  kind: "service-account-key" | "api-key";
  keyId: string;
  urn: string;
  /** The version that holds it, when the state has one. */
  stored?: { secret: string; version: number; urn: string };
}

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  outputs: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

function resources(json: string, source: string): StateResource[] {
  const parsed = jsonInput(
    json,
    source,
    "Save the state with `pulumi stack export --stack NAME > FILE` (without --show-secrets).",
  );
  const top = record(parsed);
  const deployment = record(top?.deployment) ?? top;
  if (!Array.isArray(deployment?.resources) && top?.version === undefined) {
    throw badInput(
      `${source} is not a Pulumi state export (no deployment with resources).`,
      "Save it with `pulumi stack export --stack NAME > FILE`.",
    );
  }
  return (Array.isArray(deployment?.resources) ? deployment.resources : []).flatMap(
    (value): StateResource[] => {
      const r = record(value);
      if (typeof r?.urn !== "string" || typeof r.type !== "string") return [];
      const deps: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(record(r.propertyDependencies) ?? {}))
        deps[k] = Array.isArray(v) ? v.filter((u): u is string => typeof u === "string") : [];
      return [
        {
          urn: r.urn,
          type: r.type,
          id: typeof r.id === "string" ? r.id : undefined,
          outputs: record(r.outputs) ?? {},
          dependencies: Array.isArray(r.dependencies)
            ? r.dependencies.filter((u): u is string => typeof u === "string")
            : [],
          propertyDependencies: deps,
        },
      ];
    },
  );
}

/** The key's id: the last segment of its resource name (`.../keys/ID`), for either kind. */
function keyIdOf(r: StateResource): string | undefined {
  const name = typeof r.outputs.name === "string" ? r.outputs.name : r.id;
  return name?.split("/").pop() || undefined;
}

/** Every key the state holds, with the version it was written to (pure). */
export function legacyKeys(json: string, source: string): LegacyKey[] {
  const all = resources(json, source);
  const keys = all.filter((r) => r.type === KEY || r.type === API_KEY);
  return keys.flatMap((k): LegacyKey[] => {
    const keyId = keyIdOf(k);
    if (keyId === undefined) return [];
    const holder = all.find(
      (v) =>
        v.type === VERSION && (v.propertyDependencies.secretData ?? v.dependencies).includes(k.urn),
    );
    const name = typeof holder?.outputs.name === "string" ? holder.outputs.name : holder?.id;
    const m =
      name === undefined ? null : /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/(\d+)$/.exec(name);
    return [
      {
        kind: k.type === KEY ? "service-account-key" : "api-key",
        keyId,
        urn: k.urn,
        ...(m !== null && holder !== undefined
          ? { stored: { secret: m[1]!, version: Number(m[2]), urn: holder.urn } }
          : {}),
      },
    ];
  });
}

export interface MigrateResult {
  ok: boolean;
  command: "rotate migrate";
  stack: string;
  dryRun: boolean;
  keys: (LegacyKey & { recorded: boolean; note: string })[];
  /** The URNs removed from the state (or, in a dry run, that would be). */
  removed: string[];
  exitCode: 0 | 1;
}

async function stateExport(
  options: RotateOptions,
  deps: RotateDeps,
): Promise<{ text: string; source: string }> {
  if (options.state !== undefined)
    return { text: await deps.readFile(options.state), source: options.state };
  deps.progress(`Exporting the state of stack ${options.stack!} (secrets stay encrypted)...`);
  const r = await pulumi(deps.run, ["stack", "export", "--stack", options.stack!]);
  return { text: r.stdout, source: `stack ${options.stack!}` };
}

async function pulumi(run: Runner, args: string[]): Promise<{ stdout: string }> {
  let r;
  try {
    r = await run("pulumi", args);
  } catch {
    throw new Failure(
      "PULUMI_FAILED",
      "The Pulumi CLI (pulumi) was not found on PATH.",
      "Install it and log in to the stack's backend, then run again.",
      2,
    );
  }
  if (r.exitCode !== 0 || r.missingDetail !== undefined)
    throw pulumiFailed(
      `pulumi ${args.slice(0, 2).join(" ")}`,
      r,
      "Nothing was removed from the state; fix what it says and run again (what was recorded stays recorded).",
    );
  return r;
}

/**
 * The backend the CLI acts on: PULUMI_BACKEND_URL, else the one it is logged in to. Undefined when a
 * dry run reads the state from a file, and so runs no pulumi at all.
 */
async function backendUrl(options: RotateOptions, deps: RotateDeps): Promise<string | undefined> {
  const set = deps.env.PULUMI_BACKEND_URL;
  if (set !== undefined && set !== "") return set;
  if (options.state !== undefined && options.dryRun) {
    deps.progress(
      "Not asking pulumi which backend holds the stack (a dry run from --state runs none); set PULUMI_BACKEND_URL to have it checked.",
    );
    return undefined;
  }
  const who = await pulumi(deps.run, ["whoami", "--json"]);
  try {
    const url = record(JSON.parse(who.stdout))?.url;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** What migrate takes besides the rotator's collaborators: the committed stack files, for the CI stack's. */
export interface MigrateDeps extends RotateDeps {
  stacks: CommittedStacks;
}

export async function runMigrate(
  options: RotateOptions,
  deps: MigrateDeps,
): Promise<MigrateResult> {
  const { text, source } = await stateExport(options, deps);
  const found = legacyKeys(text, source);
  const result: MigrateResult = {
    ok: true,
    command: "rotate migrate",
    stack: options.stack!,
    dryRun: options.dryRun,
    keys: [],
    removed: [],
    exitCode: 0,
  };
  if (found.length === 0) return result;
  // Before anything is recorded: after the move, the keys are exposed in the backend's history.
  const late = migratedTooLate({
    stack: options.stack!,
    backend: await backendUrl(options, deps),
    exportJson: text,
    stacks: deps.stacks,
    progress: deps.progress,
  });
  if (late !== undefined) throw late;
  const api = await rotatorApi(options, commandHttp(options, deps), deps);
  for (const secret of [...new Set(found.flatMap((k) => (k.stored ? [k.stored.secret] : [])))]) {
    const book = await SecretLedger.open(api, secret, options.dryRun);
    const enabled = new Set((await enabledVersions(api, secret)).map((v) => v.number));
    for (const key of found.filter((k) => k.stored?.secret === secret)) {
      const { version } = key.stored!;
      const held = book.ledger.versions.get(version);
      if (held !== undefined && held !== key.keyId) {
        throw new Failure(
          "ROTATION_UNSAFE",
          `${secret} already records key ${held} for version ${version}, but the state says it holds ${key.keyId}.`,
          "Check which key the version holds before going on; nothing was removed from the state.",
        );
      }
      if (!enabled.has(version)) {
        result.keys.push({
          ...key,
          recorded: false,
          note: `version ${version} is no longer enabled, so no consumer reads it; the rotator will report the key as unmanaged`,
        });
        continue;
      }
      book.ledger.versions.set(version, key.keyId);
      result.keys.push({
        ...key,
        recorded: true,
        note: `recorded as the rotator's key in version ${version} of ${secret}`,
      });
    }
    await book.save();
  }
  for (const key of found.filter((k) => k.stored === undefined)) {
    result.keys.push({
      ...key,
      recorded: false,
      note: "no version in the state holds it; left in Google, where the rotator will report it as unmanaged",
    });
  }
  // Versions before keys: a version depends on its key, and the state refuses to drop a resource others depend on.
  result.removed = [
    ...found.flatMap((k) => (k.stored ? [k.stored.urn] : [])),
    ...found.map((k) => k.urn),
  ];
  if (!options.dryRun) {
    deps.progress(
      `Removing ${result.removed.length} resources from the state of stack ${options.stack!} (they stay in Google)...`,
    );
    await pulumi(deps.run, [
      "state",
      "delete",
      "--stack",
      options.stack!,
      "--yes",
      ...result.removed,
    ]);
  }
  return result;
}

export function formatMigrate(r: MigrateResult): string {
  if (r.keys.length === 0)
    return `The state of stack ${r.stack} holds no key: nothing to migrate.\n`;
  const would = r.dryRun ? " (dry run: nothing was changed)" : "";
  const lines = [`Keys in the state of stack ${r.stack}, handed to the rotator${would}:`];
  for (const k of r.keys)
    lines.push(
      `  ${(k.recorded ? (r.dryRun ? "would adopt" : "adopted") : "left").padEnd(12)} ${k.keyId.padEnd(41)} ${k.note}`,
    );
  lines.push(
    `${r.dryRun ? "Would remove" : "Removed"} from the state (not from Google):`,
    ...r.removed.map((u) => `  ${u}`),
  );
  lines.push(
    "",
    `Next: pulumi up for stack ${r.stack} (it no longer manages these), then npm run rotate -- --stack ${r.stack}.`,
  );
  return `${lines.join("\n")}\n`;
}
