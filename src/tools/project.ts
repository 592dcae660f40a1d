/** The pin file and the project's versions, read and checked together, as every subcommand starts. */

import { join, relative } from "node:path";
import { Failure } from "../cli/failure.ts";
import type { ToolsDeps } from "./deps.ts";
import { checkPins, readPins, type PinnedTool } from "./pins.ts";
import { wantedVersions, type Wanted } from "./versions.ts";

export interface Project {
  wanted: Wanted;
  /** The pin file's fields as read. */
  pins: Record<string, unknown>;
  /** The pin file's path, for messages: relative to the root when it is inside it. */
  source: string;
}

/** The project's versions and the pin file at `pinFile` (absolute), unchecked; `pins` when missing are {}. */
export function readProject(deps: ToolsDeps, pinFile: string, missingIsEmpty = false): Project {
  const read = (name: string) => deps.files.readText(join(deps.root, name));
  const wanted = wantedVersions(read("package.json"), read("package-lock.json"));
  const inside = relative(deps.root, pinFile);
  const source = inside.startsWith("..") ? pinFile : inside;
  const text = deps.files.readText(pinFile);
  const pins = text === undefined && missingIsEmpty ? {} : readPins(text, source);
  return { wanted, pins, source };
}

/** The pinned tools once the pin file agrees with the project; otherwise every problem, exit 1. */
export function agreedPins(project: Project): PinnedTool[] {
  const { tools, problems } = checkPins(project.pins, project.wanted);
  if (problems.length > 0)
    throw new Failure(
      "PINS_INVALID",
      `${project.source} does not agree with package.json and package-lock.json:\n${problems.map((p) => `  ${p}`).join("\n")}`,
      "After changing versions, run npm run pulumi-tools -- pin (the administrator's step, with internet access): it writes the project's versions with their verified SHA-256s and replaces a malformed field. Review that change and commit it.",
      1,
      { problems },
    );
  return tools;
}
