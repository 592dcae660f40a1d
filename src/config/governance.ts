/**
 * Who applies a stack's foundation and with which roles: the stack itself (its file may allow
 * privileged roles), or the CI stack (its administrator's list decides); and whether it is a
 * production stack, whose secrets a passphrase must not guard.
 */

import type { Values } from "./decode.ts";
import type { RolePolicy } from "./members.ts";
import type { ParseContext } from "./context.ts";
import type { Problems } from "./problems.ts";
import type { Foundation } from "./types.ts";

const FOUNDATIONS = ["stack", "ci"] as const;

function parseFoundation(p: Problems, v: Values, stackFile: string): Foundation {
  const value = p.string("foundation", v.foundation, `Correct it in ${stackFile}.`) ?? "stack";
  if ((FOUNDATIONS as readonly string[]).includes(value)) return value as Foundation;
  p.add(
    "foundation",
    value,
    "must be stack (this stack applies its foundation) or ci (the CI stack does)",
    `Correct it in ${stackFile}.`,
  );
  return "stack";
}

export function parseGovernance(
  p: Problems,
  v: Values,
  ctx: ParseContext,
  stackFile: string,
): { foundation: Foundation; production: boolean; roles: RolePolicy } {
  const fix = `Correct it in ${stackFile}.`;
  const foundation = parseFoundation(p, v, stackFile);
  const production = p.boolean("production", v.production, fix) ?? false;
  if (production && ctx.secretsProvider === "passphrase") {
    p.add(
      "production",
      true,
      "marks a production stack, and its secrets are encrypted with a passphrase: whoever learns the one passphrase (CI holds it) can decrypt every secret in its state, offline",
      `Move the stack to a KMS key: pulumi stack change-secrets-provider --stack ${ctx.stack} gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K (the CI stack's output names the environment's key).`,
    );
  }
  const privilegedRoles = p.stringList("privilegedRoles", v.privilegedRoles, fix) ?? [];
  if (privilegedRoles.length > 0 && foundation === "ci") {
    p.add(
      "privilegedRoles",
      privilegedRoles,
      "applies to stacks that apply their own foundation; this one's is applied by the CI stack",
      "Remove it: the administrator's ci.grantableRoles in the CI stack decides which roles its accounts may hold.",
    );
  }
  const roles: RolePolicy =
    foundation === "stack"
      ? { kind: "own", privileged: new Set(privilegedRoles), stackFile }
      : ctx.governing === undefined
        ? { kind: "elsewhere" }
        : {
            kind: "governed",
            grantable: ctx.governing.grantable,
            ciStackFile: ctx.governing.ciStackFile,
          };
  if (v.ci !== undefined) {
    p.add(
      "ci",
      v.ci,
      "makes a stack the CI stack, which holds only gcp:project, namePrefix and ci",
      `Move it to the CI stack's file, or move the other settings out of ${stackFile}.`,
    );
  }
  return { foundation, production, roles };
}
