/**
 * A run's private folder: a copy of the kit with the run's stack file, a file:// state backend, and
 * a home, a Pulumi home and a gcloud configuration of its own, so no step reads or writes the
 * user's stacks, state or logins; of the user's Pulumi home only the plugin binaries are used.
 * Each program a step runs gets `runEnvironment`.
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface Workspace {
  root: string;
  /** The copy of the kit the commands and pulumi run in. */
  project: string;
  /** The file:// backend's folder. */
  state: string;
  home: string;
  pulumiHome: string;
  gcloudConfig: string;
  /** The stack's passphrase, mode 0600: what a kept run's destroy needs. */
  passphraseFile: string;
}

/** What of the kit a run's copy holds: the commands, the program, and what Node and Pulumi read. */
const COPIED = ["scripts", "src", "package.json", "Pulumi.yaml", "tsconfig.json"];

export interface WorkspaceRequest {
  /** The kit's own folder, copied. */
  kitRoot: string;
  /** The system's temporary folder. */
  tempRoot: string;
  runId: string;
  /** Files to write into the copy, by path relative to it (the stack file, the waves file). */
  files: Record<string, string>;
  passphrase: string;
  /** The user's Pulumi plugin folder, linked into the run's Pulumi home when there is one. */
  pluginCache?: string;
}

export function makeWorkspace(r: WorkspaceRequest): Workspace {
  const root = mkdtempSync(join(r.tempRoot, `${r.runId}-`));
  const ws: Workspace = {
    root,
    project: join(root, "project"),
    state: join(root, "state"),
    home: join(root, "home"),
    pulumiHome: join(root, "pulumi-home"),
    gcloudConfig: join(root, "gcloud"),
    passphraseFile: join(root, "passphrase"),
  };
  // Pulumi's file backend does not create its folder.
  for (const dir of [ws.project, ws.state, ws.home, ws.pulumiHome, ws.gcloudConfig])
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const entry of COPIED)
    cpSync(join(r.kitRoot, entry), join(ws.project, entry), { recursive: true });
  symlinkSync(join(r.kitRoot, "node_modules"), join(ws.project, "node_modules"));
  mkdirSync(join(ws.project, "stacks"));
  for (const [path, text] of Object.entries(r.files)) writeFileSync(join(ws.project, path), text);
  writeFileSync(ws.passphraseFile, r.passphrase, { mode: 0o600 });
  // A cache of plugin binaries, nothing of the user's logins or state: the gcp plugin is not
  // downloaded again, and the one `npm run pulumi-tools -- install` checked is the one run.
  if (r.pluginCache !== undefined) symlinkSync(r.pluginCache, join(ws.pulumiHome, "plugins"));
  return ws;
}

export function removeWorkspace(ws: Workspace): void {
  rmSync(ws.root, { recursive: true, force: true });
}

export interface MachineFacts {
  /** The credential file ADC reads, passed on by name: the run's own gcloud folder holds none. */
  adcFile?: string;
  /** The folder of the Pulumi CLI binary, put first on PATH, so the run's empty Pulumi home needs no download of it. */
  pulumiBin?: string;
  /** The user's Pulumi plugin folder ($PULUMI_HOME/plugins), when it exists. */
  pulumiPlugins?: string;
  /** This process's PATH. */
  path: string;
}

/**
 * The variables every program of the run gets on top of this process's: homes of its own, its
 * backend and passphrase, and the ADC file named explicitly.
 */
export function runEnvironment(
  ws: Workspace,
  machine: MachineFacts,
  passphrase: string,
): Record<string, string> {
  return {
    HOME: ws.home,
    XDG_CONFIG_HOME: join(ws.home, ".config"),
    XDG_CACHE_HOME: join(ws.home, ".cache"),
    XDG_DATA_HOME: join(ws.home, ".local", "share"),
    PULUMI_HOME: ws.pulumiHome,
    CLOUDSDK_CONFIG: ws.gcloudConfig,
    PULUMI_BACKEND_URL: `file://${ws.state}`,
    // Both, so a PULUMI_CONFIG_PASSPHRASE_FILE of the user's own is never the one read.
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_CONFIG_PASSPHRASE_FILE: ws.passphraseFile,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...(machine.adcFile === undefined ? {} : { GOOGLE_APPLICATION_CREDENTIALS: machine.adcFile }),
    ...(machine.pulumiBin === undefined
      ? {}
      : { PATH: `${machine.pulumiBin}${delimiter}${machine.path}` }),
  };
}
