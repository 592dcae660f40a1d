/**
 * Stack names and where their files live. Pure, so every command checks a name the same way before
 * it uses one, and the verify path (whose start-up time counts) loads nothing heavy for it.
 */

import { PROJECT_ID } from "../naming.ts";
import { usage } from "./failure.ts";

/**
 * A stack name as Pulumi accepts it (pulumi/pulumi sdk/go/common/tokens/stack_name.go: letters,
 * digits, `-`, `_`, `.`, at most 100). No `/`, so a name can never reach outside stacks/.
 */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Where a stack's file is, as messages name it. */
export function stackFileName(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

/** The stack names committed under `stacks/` (Pulumi.<name>.yaml), sorted. */
export function stackNames(files: string[]): string[] {
  return files
    .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
    .filter((s) => STACK_NAME.test(s))
    .sort();
}

/** The stack a file is for, from its name (`Pulumi.<stack>.yaml`), if it follows that pattern. */
export function stackOfFile(path: string): string | undefined {
  const name = /^Pulumi\.(.+)\.ya?ml$/.exec(path.split(/[\\/]/).pop() ?? "")?.[1];
  return name !== undefined && STACK_NAME.test(name) ? name : undefined;
}

/** `--stack VALUE`, checked: a stack name, never a path. */
export function checkStackName(value: string, flag = "--stack"): string {
  if (STACK_NAME.test(value)) return value;
  throw usage(
    `${flag} ${JSON.stringify(value)} is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores or dots.`,
    "Pass the name of a file in stacks/ (Pulumi.NAME.yaml), e.g. --stack dev; for a file elsewhere use --file where the command has it.",
  );
}

/** `--project VALUE`, checked: a project id or number, which the kit sends in a header. */
export function checkProject(value: string, flag = "--project"): string {
  if (PROJECT_ID.pattern.test(value) || /^\d{1,20}$/.test(value)) return value;
  throw usage(
    `${flag} ${JSON.stringify(value)} is not a project id (${PROJECT_ID.allowed}) or a project number.`,
    "Pass the project's id, e.g. --project acme-gemini-dev.",
  );
}
