/**
 * What to rotate: a stack's `rotation` output (src/outputs.ts, RotationOutput), read with `pulumi
 * stack output --json` (`--stack`) or from a saved copy (`--outputs`: what that command printed, or
 * what `npm run plan -- --outputs` prints offline). Checked field by field, since what the rotator
 * does with a name is create and delete keys.
 */

import { badInput } from "../cli/failure.ts";
import { jsonInput } from "../cli/input-file.ts";
import { record } from "../json.ts";
import { API_KEY_ID, EMAIL, PROJECT_ID } from "../naming.ts";
import { VERTEX_MODEL } from "../google/apis/aiplatform.ts";
import {
  API_KEY_SUFFIX_LENGTH,
  GEMINI_API,
  GRACE_HOURS,
  VERTEX_API,
  type RotationKey,
} from "../rotation.ts";

export interface RotationList {
  /** Where it came from, for messages: "stack dev" or the file's path. */
  source: string;
  periodDays: number;
  /** How long a key the rotator did not make may live before it deletes it (the stack's unmanagedKeyGraceHours). */
  unmanagedKeyGraceHours: number;
  keys: RotationKey[];
}

/** `projects/PROJECT/secrets/ID`, with the project's id or number. */
const SECRET_NAME =
  /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|\d{1,20})\/secrets\/[A-Za-z0-9_-]{1,255}$/;
const MAX_PERIOD_DAYS = 90;
/** API Keys v2 Key.displayName: at most 63 characters; no control character reaches Google from here. */
const DISPLAY_NAME = /^[^\p{Cc}]{1,63}$/u;
const FIX =
  "Save the outputs of a gemini-access-kit stack with `pulumi stack output --json > FILE`, or `npm run -s plan -- --stack NAME --outputs > FILE` (-s keeps npm's banner out of the file).";

function field(
  entry: Record<string, unknown>,
  name: string,
  path: string,
  source: string,
  valid: (v: string) => boolean,
): string {
  const value = entry[name];
  if (typeof value !== "string" || !valid(value)) {
    throw badInput(
      `${source}: ${path}.${name} is ${value === undefined ? "missing" : JSON.stringify(value)}, not what the kit exports.`,
      FIX,
    );
  }
  return value;
}

function rotationKey(value: unknown, path: string, source: string): RotationKey {
  const entry = record(value);
  if (entry === undefined) throw badInput(`${source}: ${path} is not an object.`, FIX);
  const email = (v: string) => EMAIL.pattern.test(v) && v.endsWith(".gserviceaccount.com");
  const account = field(entry, "account", path, source, email);
  const secret = field(entry, "secret", path, source, (v) => SECRET_NAME.test(v));
  if (entry.kind === "service-account-key") return { kind: "service-account-key", account, secret };
  if (entry.kind === "api-key") {
    const project = field(entry, "project", path, source, (v) => PROJECT_ID.pattern.test(v));
    const keyIdPrefix = field(
      entry,
      "keyIdPrefix",
      path,
      source,
      (v) => API_KEY_ID.pattern.test(v) && v.length + API_KEY_SUFFIX_LENGTH <= 63,
    );
    // Outputs of a stack deployed before the kit exported it name no displayName: the config's default.
    const displayName =
      entry.displayName === undefined
        ? `Gemini API (${keyIdPrefix})`
        : field(entry, "displayName", path, source, (v) => DISPLAY_NAME.test(v));
    // Outputs of a stack deployed before the kit made Vertex keys name no service: a Gemini API key.
    const service =
      entry.service === undefined
        ? GEMINI_API
        : field(entry, "service", path, source, (v) => v === GEMINI_API || v === VERTEX_API);
    const model =
      service === VERTEX_API
        ? field(entry, "model", path, source, (v) => VERTEX_MODEL.test(v))
        : undefined;
    return {
      kind: "api-key",
      account,
      secret,
      project,
      keyIdPrefix,
      displayName,
      service,
      ...(model !== undefined && { model }),
    };
  }
  throw badInput(
    `${source}: ${path}.kind is ${JSON.stringify(entry.kind)}; the kit rotates "service-account-key" and "api-key".`,
    FIX,
  );
}

/** The rotation list in a stack's outputs JSON; a file that is not one is one clear line, exit 2. */
export function parseRotation(json: string, source: string): RotationList {
  const parsed = jsonInput(json, source, FIX);
  const outputs = record(parsed);
  if (outputs === undefined || typeof outputs.project !== "string") {
    throw badInput(
      `${source} has no "project" output, so it is not this kit's stack outputs.`,
      FIX,
    );
  }
  const rotation = record(outputs.rotation);
  if (rotation === undefined) {
    throw badInput(
      `${source} has no "rotation" output: the stack was last deployed by an earlier version of the kit.`,
      "Run pulumi up for the stack (or use npm run plan -- --stack NAME --outputs), then run again.",
    );
  }
  const days = rotation.periodDays;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > MAX_PERIOD_DAYS) {
    throw badInput(
      `${source}: rotation.periodDays is ${JSON.stringify(days)}, not a whole number of days from 1 to ${MAX_PERIOD_DAYS}.`,
      FIX,
    );
  }
  // Outputs of a stack deployed before the kit exported it name no grace period: the config's default.
  const grace = rotation.unmanagedKeyGraceHours ?? GRACE_HOURS.default;
  if (
    typeof grace !== "number" ||
    !Number.isInteger(grace) ||
    grace < GRACE_HOURS.min ||
    grace > GRACE_HOURS.max
  ) {
    throw badInput(
      `${source}: rotation.unmanagedKeyGraceHours is ${JSON.stringify(grace)}, not a whole number of hours from ${GRACE_HOURS.min} to ${GRACE_HOURS.max}.`,
      FIX,
    );
  }
  if (!Array.isArray(rotation.keys)) throw badInput(`${source}: rotation.keys is not a list.`, FIX);
  const keys = rotation.keys.map((k, i) => rotationKey(k, `rotation.keys[${i}]`, source));
  const secrets = keys.map((k) => k.secret);
  const twice = secrets.find((s, i) => secrets.indexOf(s) !== i);
  if (twice !== undefined)
    throw badInput(`${source}: two keys go in the secret ${twice}; each key needs its own.`, FIX);
  return { source, periodDays: days, unmanagedKeyGraceHours: grace, keys };
}
