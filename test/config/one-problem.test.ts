/**
 * One bad value in a stack file gives one problem: never a second, contradicting line caused by the
 * first (an account "missing" that is in the file, a setting "not set" that is only misspelt). Each
 * committed stack is mutated one value at a time, in every way below, and must report exactly one.
 */

import { join } from "node:path";
import { formatProblem, parseConfig, type RawConfig } from "../../src/config/index.ts";
import { readStackFile } from "../../src/config/stack-file.ts";
import { SECRET_KEYS } from "../helpers/fixtures.ts";

const NS = "gemini-access-kit";
const ROOT = join(import.meta.dirname, "..", "..");

type Raw = Record<string, string>;
type Mutation = [string, (raw: Raw) => Raw];

const rename =
  (from: string, to: string) =>
  (raw: Raw): Raw => {
    const { [from]: value, ...rest } = raw;
    return { ...rest, [to]: value! };
  };
const set =
  (key: string, value: string) =>
  (raw: Raw): Raw => ({ ...raw, [key]: value });
const json = (raw: Raw, key: string) => JSON.parse(raw[key]!) as Record<string, unknown>;
const setIn =
  (key: string, path: string[], value: unknown) =>
  (raw: Raw): Raw => {
    const doc = json(raw, key);
    let at = doc;
    for (const part of path.slice(0, -1)) at = at[part] as Record<string, unknown>;
    at[path.at(-1)!] = value;
    return { ...raw, [key]: JSON.stringify(doc) };
  };

/** Wrong values by a key's kind in the file. */
const WRONG: Record<string, string> = {
  [`${NS}:environment`]: "Prod env",
  [`${NS}:namePrefix`]: "Gak",
  [`${NS}:keyRotationDays`]: "monthly",
  [`${NS}:oauthClientRequired`]: "yes",
  [`${NS}:secretLocations`]: JSON.stringify(["Europe"]),
  [`${NS}:oauthClientReaders`]: JSON.stringify(["gemini-dev@example.com"]),
  [`${NS}:serviceAccounts`]: "[]",
  [`${NS}:oauthConsent`]: "[]",
  [`${NS}:apiKey`]: "[]",
  [`${NS}:foundation`]: "admin",
  "gcp:project": "Acme Gemini",
};

function mutations(raw: Raw): Mutation[] {
  const list: Mutation[] = [];
  for (const key of Object.keys(raw)) {
    const short = key.slice(key.indexOf(":") + 1);
    if (WRONG[key] !== undefined) list.push([`${key} set to a wrong value`, set(key, WRONG[key])]);
    if (key.startsWith(`${NS}:`)) {
      list.push([`${key} in a misspelt namespace`, rename(key, `gemini-acess-kit:${short}`)]);
      list.push([`${key} misspelt`, rename(key, `${NS}:${short.slice(0, -1)}`)]);
    } else {
      list.push([`${key} in a misspelt namespace`, rename(key, `gpc:${short}`)]);
    }
  }
  const accounts =
    raw[`${NS}:serviceAccounts`] === undefined ? {} : json(raw, `${NS}:serviceAccounts`);
  for (const account of Object.keys(accounts)) {
    list.push([
      `account ${account} given an unusable key`,
      (r) => {
        const all = json(r, `${NS}:serviceAccounts`);
        const { [account]: entry, ...rest } = all;
        return {
          ...r,
          [`${NS}:serviceAccounts`]: JSON.stringify({
            ...rest,
            [`${account.toUpperCase()}_X`]: entry,
          }),
        };
      },
    ]);
    for (const [field, value] of [
      ["roles", ["roles/owner"]],
      ["keyReaders", ["nobody"]],
      ["impersonators", ["someone@example.com"]],
      ["createKey", "yes"],
      ["displayName", "é".repeat(51)],
      ["description", "d".repeat(257)],
      ["accountId", "x"],
    ] as const) {
      list.push([
        `account ${account}.${field} wrong`,
        setIn(`${NS}:serviceAccounts`, [account, field], value),
      ]);
    }
  }
  const vending = raw[`${NS}:project`] === undefined ? {} : json(raw, `${NS}:project`);
  if (vending.create !== undefined) {
    for (const [path, value] of [
      [["create", "parent"], "123456789012"],
      [["create", "billingAccount"], "billingAccounts/01A2B3-C4D5E6-F7A8B9"],
      [["create", "name"], "x"],
      [["create", "labels"], { Team: "platform" }],
      [["create", "contacts"], { "security@example.com": ["SECURTY"] }],
      [["create", "budget"], { amount: 0 }],
      [["create", "parnt"], "folders/1"],
      [["adopt"], {}],
    ] as const) {
      list.push([`project.${path.join(".")} wrong`, setIn(`${NS}:project`, [...path], value)]);
    }
  }
  if (vending.adopt !== undefined)
    list.push([`project.adopt given a field`, setIn(`${NS}:project`, ["adopt", "id"], "x")]);
  if (raw[`${NS}:oauthConsent`] !== undefined) {
    for (const [field, value] of [
      ["supportEmail", "team"],
      ["audience", "Public"],
      ["scopes", ["generative-language"]],
    ] as const) {
      list.push([`oauthConsent.${field} wrong`, setIn(`${NS}:oauthConsent`, [field], value)]);
    }
  }
  return list;
}

describe.each(["dev", "staging", "prod"])(
  "the committed %s stack, changed in one value",
  (stack) => {
    const raw: Raw = { ...readStackFile(ROOT, stack).raw };
    // prod requires its client; the tests' stand-in is set as a person would set it, encrypted.
    if (stack === "prod") raw[`${NS}:oauthClientRequired`] = "false";
    const parse = (r: RawConfig) =>
      parseConfig(r, { stack, secretKeys: SECRET_KEYS }).problems.map(formatProblem);

    test("is valid before the change", () => {
      expect(parse(raw)).toEqual([]);
    });

    test.each(mutations(raw))("%s: exactly one problem", (_name, mutate) => {
      const problems = parse(mutate(raw));
      expect(problems).toHaveLength(1);
    });
  },
);

test("the derived ids of a too-long environment are one problem that names each id", () => {
  const dev = readStackFile(ROOT, "dev").raw;
  const accounts = {
    ...(JSON.parse(dev[`${NS}:serviceAccounts`]!) as Record<string, unknown>),
    jobs: { roles: ["roles/serviceusage.serviceUsageConsumer"] },
  };
  const raw: Raw = {
    ...dev,
    [`${NS}:environment`]: "development-environment-for-gemini",
    [`${NS}:serviceAccounts`]: JSON.stringify(accounts),
  };
  const { problems } = parseConfig(raw, { stack: "dev", secretKeys: SECRET_KEYS });
  expect(problems.map(formatProblem)).toEqual([
    expect.stringMatching(
      /^\[environment\] "development-environment-for-gemini" with namePrefix "gak" gives ids that Google does not allow \(too long, most often\): serviceAccounts\.jobs\.accountId "gak-jobs-development-environment-for-gemini", serviceAccounts\.runtime\.accountId "gak-runtime-development-environment-for-gemini"\. Shorten environment or namePrefix/,
    ),
  ]);
});
