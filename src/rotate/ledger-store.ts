/** The ledger of one key secret (ledger.ts), read from and written to its annotations. */

import { Failure } from "../cli/failure.ts";
import type { Api } from "./google/api.ts";
import { getSecret, patchAnnotations, type SecretState } from "./google/secrets.ts";
import { ledgerAnnotations, readLedger, type Ledger } from "./ledger.ts";

export class SecretLedger {
  readonly ledger: Ledger;
  readonly #api: Api;
  readonly #secret: string;
  readonly #dryRun: boolean;
  #state: SecretState;

  private constructor(api: Api, secret: string, state: SecretState, dryRun: boolean) {
    this.#api = api;
    this.#secret = secret;
    this.#state = state;
    this.#dryRun = dryRun;
    this.ledger = readLedger(state.annotations);
  }

  static async open(api: Api, secret: string, dryRun: boolean): Promise<SecretLedger> {
    return new SecretLedger(api, secret, await getSecret(api, secret), dryRun);
  }

  /**
   * Writes the ledger. Only with the etag last read, so an annotation someone else set meanwhile is
   * never overwritten: on a stale etag the secret is read again, its other annotations kept, and
   * the write tried once more. A dry run writes nothing.
   */
  async save(): Promise<void> {
    if (this.#dryRun) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      const annotations = ledgerAnnotations(this.ledger);
      const written = await patchAnnotations(this.#api, this.#secret, { annotations, etag: this.#state.etag });
      if (!written.stale) {
        this.#state = { annotations, etag: written.etag };
        return;
      }
      this.#state = await getSecret(this.#api, this.#secret);
      this.ledger.others = readLedger(this.#state.annotations).others;
    }
    throw new Failure(
      "ROTATION_UNSAFE",
      `The secret ${this.#secret} changed twice while the rotator was recording its keys in its annotations.`,
      "Make sure only one rotation runs per stack at a time (the workflow's concurrency group does), then run again.",
    );
  }
}
