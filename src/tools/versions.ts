/**
 * Which Pulumi CLI and which resource plugins the project runs, read from its own files: the CLI is
 * package.json's `pulumi` devDependency (the npm launcher of that exact CLI), and each provider SDK
 * among the dependencies (`@pulumi/gcp`) needs the plugin of the same version, which
 * package-lock.json records.
 */

import { badInput } from "../cli/failure.ts";
import { jsonInput } from "../cli/input-file.ts";
import { quoted } from "../cli/output.ts";
import { record } from "../json.ts";

/**
 * The versions the kit accepts in a pin file: they become parts of download addresses and file
 * names, so nothing but digits and dots.
 */
export const VERSION = /^\d+\.\d+\.\d+$/;

interface WantedPlugin {
  /** The plugin's name (gcp), which is also the SDK's: @pulumi/gcp. */
  name: string;
  version: string;
}

export interface Wanted {
  cli: string;
  plugins: WantedPlugin[];
}

/** The SDK packages that are not providers, so have no plugin. */
const NOT_PROVIDERS = new Set(["@pulumi/pulumi"]);

const INSTALL = "Run npm install to bring package-lock.json in line with package.json.";

/** The versions package.json and package-lock.json (their texts) name; either missing is bad input. */
export function wantedVersions(
  packageJson: string | undefined,
  lockfile: string | undefined,
): Wanted {
  if (packageJson === undefined || lockfile === undefined)
    throw badInput(
      `${packageJson === undefined ? "package.json" : "package-lock.json"} cannot be read.`,
      "Run the command from a checkout of the project (both files are committed).",
    );
  const pkg = record(jsonInput(packageJson, "package.json", "Restore it from git.")) ?? {};
  const lock = record(jsonInput(lockfile, "package-lock.json", INSTALL)) ?? {};
  const cli = record(pkg.devDependencies)?.pulumi;
  if (typeof cli !== "string" || !VERSION.test(cli))
    throw badInput(
      `[devDependencies.pulumi] in package.json is ${quoted(cli)}, not one exact version (3.265.0).`,
      "It names the Pulumi CLI the project runs: write the exact version, without ^ or ~.",
    );
  const sdks = Object.keys(record(pkg.dependencies) ?? {}).filter(
    (name) => name.startsWith("@pulumi/") && !NOT_PROVIDERS.has(name),
  );
  const packages = record(lock.packages) ?? {};
  const plugins = sdks.map((sdk) => {
    const version = record(packages[`node_modules/${sdk}`])?.version;
    if (typeof version !== "string" || !VERSION.test(version))
      throw badInput(
        `package-lock.json holds no installed version of ${sdk} (packages["node_modules/${sdk}"].version is ${quoted(version)}).`,
        INSTALL,
      );
    return { name: sdk.slice("@pulumi/".length), version };
  });
  return { cli, plugins };
}
