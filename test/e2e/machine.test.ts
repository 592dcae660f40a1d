/**
 * What the e2e entry reads of the machine before a run (scripts/e2e-google.ts): the file ADC reads,
 * passed to every program by name, and the Pulumi CLI and plugins already there, so the run's own
 * Pulumi home downloads neither. Every path here is in a temporary folder.
 */

import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { machineFacts } from "../../scripts/e2e-google.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** A machine: a home, a gcloud login, the pulumi npm launcher on PATH and the CLI it downloaded. */
function machine(options: { cli: boolean; login: boolean; plugins: boolean }) {
  const root = tempDir("e2e-machine");
  const home = join(root, "home");
  const gcloud = join(home, ".config", "gcloud");
  mkdirSync(gcloud, { recursive: true });
  if (options.login) writeFileSync(join(gcloud, "application_default_credentials.json"), "{}");
  const launcher = join(root, "kit", "node_modules", "pulumi");
  mkdirSync(launcher, { recursive: true });
  writeFileSync(join(launcher, "run.js"), "#!/usr/bin/env node\n");
  writeFileSync(join(launcher, "package.json"), JSON.stringify({ version: "3.265.0" }));
  const bin = join(root, "kit", "node_modules", ".bin");
  mkdirSync(bin);
  symlinkSync(join(launcher, "run.js"), join(bin, "pulumi"));
  const pulumiHome = join(home, ".pulumi");
  const cli = join(pulumiHome, "versions", "3.265.0", "bin");
  if (options.cli) {
    mkdirSync(cli, { recursive: true });
    writeFileSync(join(cli, "pulumi"), "");
    chmodSync(join(cli, "pulumi"), 0o755);
  }
  if (options.plugins) mkdirSync(join(pulumiHome, "plugins"), { recursive: true });
  return { home, gcloud, bin, cli, pulumiHome, path: `${bin}:/usr/bin:/bin` };
}

test("the launcher's downloaded CLI and the plugins folder are found, and gcloud's ADC file named", () => {
  const m = machine({ cli: true, login: true, plugins: true });
  expect(machineFacts({ HOME: m.home, PATH: m.path })).toEqual({
    adcFile: join(m.gcloud, "application_default_credentials.json"),
    pulumiBin: m.cli,
    pulumiPlugins: join(m.pulumiHome, "plugins"),
    path: m.path,
  });
});

test("GOOGLE_APPLICATION_CREDENTIALS and PULUMI_HOME are followed where they are set", () => {
  const m = machine({ cli: false, login: false, plugins: false });
  const elsewhere = tempDir("e2e-pulumi-home");
  mkdirSync(join(elsewhere, "versions", "3.265.0", "bin"), { recursive: true });
  writeFileSync(join(elsewhere, "versions", "3.265.0", "bin", "pulumi"), "");
  const facts = machineFacts({
    HOME: m.home,
    PATH: m.path,
    PULUMI_HOME: elsewhere,
    GOOGLE_APPLICATION_CREDENTIALS: "/var/run/ci/wif.json",
  });
  expect(facts).toEqual({
    adcFile: "/var/run/ci/wif.json",
    pulumiBin: join(elsewhere, "versions", "3.265.0", "bin"),
    path: m.path,
  });
});

test("without a login file, a downloaded CLI or plugins, none is named: the metadata server, and the launcher's own download into the run's home", () => {
  const m = machine({ cli: false, login: false, plugins: false });
  expect(machineFacts({ HOME: m.home, PATH: m.path, PULUMI_HOME: m.pulumiHome })).toEqual({
    path: m.path,
  });
});

test("a pulumi on PATH that is not the npm launcher is used from where it is", () => {
  const m = machine({ cli: false, login: false, plugins: false });
  const system = tempDir("e2e-system-bin");
  writeFileSync(join(system, "pulumi"), "");
  expect(
    machineFacts({ HOME: m.home, PATH: `${system}:${m.path}`, PULUMI_HOME: m.pulumiHome })
      .pulumiBin,
  ).toBe(system);
});
