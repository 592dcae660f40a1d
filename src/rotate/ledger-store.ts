/** The ledger of one key secret (ledger.ts), read from and written to its annotations. */

import { Failure } from "../cli/failure.ts";
import type { Api } from "../google/apis/call.ts";
import { getSecret, patchAnnotations, type SecretState } from "../google/apis/secret-manager.ts";
import { ledgerAnnotations, readLedger, type Ledger } from "./ledger.ts";

/** The rotator's own annotations of a ledger, as text, to tell whether another run changed them. */
function ours(ledger: Ledger): string {
  return JSON.stringify(
    ledgerAnnotations({
      versions: ledger.versions,
      recorded: ledger.recorded,
      pending: ledger.pending,
      others: {},
    }),
  );
}

export class SecretLedger {
  readonly ledger: Ledger;
  readonly #api: Api;
  readonly #secret: string;
  readonly #dryRun: boolean;
  #state: SecretState;
  /** The rotator's annotations as last read or written: another run's change shows as a difference. */
  #mine: string;

  private constructor(api: Api, secret: string, state: SecretState, dryRun: boolean) {
    this.#api = api;
    this.#secret = secret;
    this.#state = state;
    this.#dryRun = dryRun;
    this.ledger = readLedger(state.annotations);
    this.#mine = ours(this.ledger);
  }

  static async open(api: Api, secret: string, dryRun: boolean): Promise<SecretLedger> {
    return new SecretLedger(api, secret, await getSecret(api, secret), dryRun);
  }

  /**
   * Writes the ledger. Only with the etag last read, so nothing someone else set meanwhile is
   * overwritten: on a stale etag the secret is read again. Annotations of others are kept and the
   * write tried once more; a change to the rotator's own (another run at work) stops this run. A dry
   * run writes nothing.
   */
  async save(): Promise<void> {
    if (this.#dryRun) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      const annotations = ledgerAnnotations(this.ledger);
      const written = await patchAnnotations(this.#api, this.#secret, {
        annotations,
        etag: this.#state.etag,
      });
      if (!written.stale) {
        this.#state = { annotations, etag: written.etag };
        this.#mine = ours(this.ledger);
        return;
      }
      this.#state = await getSecret(this.#api, this.#secret);
      const now = readLedger(this.#state.annotations);
      if (ours(now) !== this.#mine) {
        throw new Failure(
          "ROTATION_UNSAFE",
          `Another rotation changed the ledger of ${this.#secret} while this one was at work.`,
          "Let one rotation run per stack at a time (the workflow's concurrency group does), then run again: the next run sees what the other did.",
        );
      }
      this.ledger.others = now.others;
    }
    throw new Failure(
      "ROTATION_UNSAFE",
      `The secret ${this.#secret} kept changing while the rotator recorded its keys.`,
      "Run again once nothing else is editing the secret's annotations.",
    );
  }
}
