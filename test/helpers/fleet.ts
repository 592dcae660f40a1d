/**
 * A generated fleet, as committed files in memory: one CI stack governing `stacks` environment
 * stacks (each in a project of its own, some with keys, some previewed), their waves, and the
 * coordinates file the CI stack's bootstrap would write. Paths are relative to the project's root.
 */

import { renderCoordinates, type CoordinatesByStack } from "../../src/ci-coordinates.ts";

export const FLEET_PROVIDER =
  "projects/210987654321/locations/global/workloadIdentityPools/gak-github/providers/github";

interface FleetOptions {
  stacks: number;
  /** How many waves the stacks are dealt into, in order (default 1). */
  waves?: number;
  /** Which stacks declare a key (default: every third). */
  keyed?: (i: number) => boolean;
  /** Which stacks pull requests preview (default: none). */
  previewed?: (i: number) => boolean;
}

const fleetName = (i: number) => `s${String(i).padStart(3, "0")}`;

/** An environment stack governed by the CI stack; with `keyed`, its account has a key. */
export function environmentStack(name: string, keyed: boolean): string {
  return [
    "config:",
    `  gcp:project: acme-gemini-${name}`,
    `  gemini-access-kit:environment: ${name}`,
    "  gemini-access-kit:namePrefix: gak",
    "  gemini-access-kit:foundation: ci",
    "  gemini-access-kit:serviceAccounts:",
    "    runtime:",
    "      roles: [roles/serviceusage.serviceUsageConsumer]",
    ...(keyed
      ? ["      createKey: true", "      keyReaders: [group:team@example.com]"]
      : ["      impersonators: [group:team@example.com]"]),
    "",
  ].join("\n");
}

/** The CI stack file governing `environments`, `previews` among them. */
export function ciStack(
  environments: string[],
  previews: string[],
  project = "acme-gemini-ci",
  bucketPrefix = "acme-gemini-state",
) {
  return [
    "config:",
    `  gcp:project: ${project}`,
    "  gemini-access-kit:namePrefix: gak",
    "  gemini-access-kit:ci:",
    "    repository: acme/gemini-platform",
    '    repositoryId: "812345671"',
    '    repositoryOwnerId: "112345678"',
    "    location: europe-west1",
    `    stateBucketPrefix: ${bucketPrefix}`,
    // A fleet's CI project with its service-account quota raised (ci.serviceAccountQuota).
    "    serviceAccountQuota: 1000",
    "    grantableRoles: [roles/serviceusage.serviceUsageConsumer]",
    `    previews: [${previews.join(", ")}]`,
    "    environments:",
    ...environments.map((e) => `      ${e}: {}`),
    "",
  ].join("\n");
}

/** The entry the CI stack `ciStack`'s bootstrap writes for `name`. */
export function coordinatesOf(
  name: string,
  o: {
    keyed: boolean;
    previewed: boolean;
    ciStack?: string;
    ciProject?: string;
    bucketPrefix?: string;
  },
) {
  const account = (role: string) =>
    `gak-${role}-${name}@${o.ciProject ?? "acme-gemini-ci"}.iam.gserviceaccount.com`;
  return {
    ciStack: o.ciStack ?? "ci",
    githubEnvironment: name,
    workloadIdentityProvider: FLEET_PROVIDER,
    deployer: account("deploy"),
    ...(o.previewed ? { previewer: account("preview") } : {}),
    ...(o.keyed ? { rotator: account("rotate"), rotationEnvironment: `${name}-rotation` } : {}),
    backend: `gs://${o.bucketPrefix ?? "acme-gemini-state"}-${name}`,
  };
}

export function fleetFiles(o: FleetOptions): Record<string, string> {
  const keyed = o.keyed ?? ((i: number) => i % 3 === 0);
  const previewed = o.previewed ?? (() => false);
  const names = Array.from({ length: o.stacks }, (_, i) => fleetName(i));
  const waveCount = o.waves ?? 1;
  const per = Math.ceil(names.length / waveCount);
  const waves = Array.from({ length: waveCount }, (_, w) => names.slice(w * per, (w + 1) * per));
  const coordinates: CoordinatesByStack = Object.fromEntries(
    names.map((n, i) => [n, coordinatesOf(n, { keyed: keyed(i), previewed: previewed(i) })]),
  );
  return {
    "stacks/Pulumi.ci.yaml": ciStack(
      names,
      names.filter((_, i) => previewed(i)),
    ),
    ...Object.fromEntries(
      names.map((n, i) => [`stacks/Pulumi.${n}.yaml`, environmentStack(n, keyed(i))]),
    ),
    "stacks/deploy-waves.yaml": `waves:\n${waves.map((w) => `  - [${w.join(", ")}]`).join("\n")}\nadmin: [ci]\n`,
    ".github/gak-environments.json": renderCoordinates(coordinates),
  };
}
