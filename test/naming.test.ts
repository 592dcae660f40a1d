/**
 * Naming (src/naming.ts) over any stack fast-check draws: whatever prefix, environment, account
 * keys and members a stack file holds, the config check either refuses it or every id it derives
 * is one Google accepts and no two resources get the same name.
 */

import fc from "fast-check";
import { NAMESPACE, parseConfig, type KitConfig } from "../src/config/index.ts";
import {
  ACCOUNT_ID,
  API_KEY_ID,
  memberSlug,
  NAME_PREFIX,
  SECRET_ID,
  type NameRule,
} from "../src/naming.ts";
import { API_KEY_SUFFIX_LENGTH } from "../src/rotation.ts";
import { baseRaw, SECRET_KEYS } from "./helpers/fixtures.ts";

// Mostly values a stack file would hold, so most draws pass the check; the rest are anything.
const prefix = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,5}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const environment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,6}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
);
const accountKeys = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,9}$/), {
  minLength: 1,
  maxLength: 4,
});
/** Members whose addresses often differ only in the characters a resource name replaces. */
const member = fc
  .tuple(
    fc.constantFrom("user", "group"),
    fc.constantFrom("ann", "ann+ci", "ann-ci", "ann.ci", "ann_ci"),
    fc.constantFrom("example.com", "corp.example.com"),
  )
  .map(([kind, local, domain]) => `${kind}:${local}@${domain}`);

const stacks = fc.record({
  prefix,
  environment,
  keys: accountKeys,
  readers: fc.uniqueArray(member, { minLength: 1, maxLength: 4 }),
  apiKey: fc.boolean(),
});

type Drawn = typeof stacks extends fc.Arbitrary<infer T> ? T : never;

/** The stack a draw describes, as the config check returns it, or undefined if it refuses it. */
function parsed({ prefix, environment, keys, readers, apiKey }: Drawn): KitConfig | undefined {
  const accounts = Object.fromEntries(
    keys.map((key) => [
      key,
      { roles: ["roles/serviceusage.serviceUsageConsumer"], createKey: true, keyReaders: readers },
    ]),
  );
  const raw = baseRaw({
    [`${NAMESPACE}:namePrefix`]: prefix,
    [`${NAMESPACE}:environment`]: environment,
    [`${NAMESPACE}:serviceAccounts`]: accounts,
    [`${NAMESPACE}:oauthClientReaders`]: readers,
    ...(apiKey ? { [`${NAMESPACE}:apiKey`]: { serviceAccount: keys[0], readers } } : {}),
  });
  return parseConfig(raw, { stack: "test", secretKeys: SECRET_KEYS }).config;
}

function matches(rule: NameRule, id: string): boolean {
  return rule.pattern.test(id);
}

describe("naming, for any stack the config check accepts", () => {
  test("every account id, secret id and API key id it derives is one Google accepts", () => {
    fc.assert(
      fc.property(stacks, (drawn) => {
        const config = parsed(drawn);
        if (config === undefined) return;
        expect(matches(NAME_PREFIX, config.namePrefix)).toBe(true);
        for (const account of config.accounts) {
          expect(matches(ACCOUNT_ID, account.accountId)).toBe(true);
          expect(matches(SECRET_ID, account.keySecretId)).toBe(true);
        }
        if (config.oauth) expect(matches(SECRET_ID, config.oauth.secretId)).toBe(true);
        if (config.apiKey) {
          expect(matches(SECRET_ID, config.apiKey.secretId)).toBe(true);
          // The rotator appends a time stamp to the prefix; the whole id must still be one.
          const rotated = `${config.apiKey.keyId}-20261206-213000`;
          expect(rotated.length - config.apiKey.keyId.length).toBe(API_KEY_SUFFIX_LENGTH);
          expect(matches(API_KEY_ID, rotated)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("no two accounts and no two secrets share an id", () => {
    fc.assert(
      fc.property(stacks, (drawn) => {
        const config = parsed(drawn);
        if (config === undefined) return;
        const accountIds = config.accounts.map((a) => a.accountId);
        const secretIds = [
          ...config.accounts.filter((a) => a.createKey).map((a) => a.keySecretId),
          ...(config.oauth ? [config.oauth.secretId] : []),
          ...(config.apiKey ? [config.apiKey.secretId] : []),
        ];
        expect(new Set(accountIds).size).toBe(accountIds.length);
        expect(new Set(secretIds).size).toBe(secretIds.length);
      }),
      { numRuns: 300 },
    );
  });

  test("each member of a reader list gets a grant of its own name", () => {
    fc.assert(
      fc.property(stacks, (drawn) => {
        const config = parsed(drawn);
        if (config === undefined) return;
        for (const readers of [
          ...config.accounts.map((a) => a.keyReaders),
          config.oauth?.clientReaders ?? [],
          config.apiKey?.readers ?? [],
        ]) {
          expect(new Set(readers.map(memberSlug)).size).toBe(readers.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("a member as part of a resource name", () => {
  test("keeps the member's length and holds only characters a URN may", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const slug = memberSlug(text);
        expect(slug).toHaveLength(text.length);
        expect(slug).toMatch(/^[A-Za-z0-9@._-]*$/);
      }),
    );
  });

  test("two members that would share a name are refused, the second named", () => {
    const raw = baseRaw({
      [`${NAMESPACE}:oauthClientReaders`]: ["user:ann+ci@example.com", "user:ann-ci@example.com"],
    });
    const { config, problems } = parseConfig(raw, { stack: "test", secretKeys: SECRET_KEYS });
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({
        path: "oauthClientReaders",
        got: "user:ann-ci@example.com",
        message: expect.stringContaining(
          'gives the same resource name as "user:ann+ci@example.com" (user-ann-ci@example.com)',
        ) as string,
      }),
    ]);
  });
});
