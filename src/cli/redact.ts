/**
 * The last guard between a credential and the terminal: every line a command prints passes through
 * `redact`, which removes each secret value the run has handled and anything shaped like one.
 */

const SHAPES: RegExp[] = [
  /ya29\.[A-Za-z0-9._-]+/g, // OAuth access tokens
  /1\/\/[A-Za-z0-9_-]{20,}/g, // Google refresh tokens
  /GOCSPX-[A-Za-z0-9_-]+/g, // OAuth client secrets
  /AIza[0-9A-Za-z_-]{35}/g, // API keys
  /AQ\.[0-9A-Za-z_-]{20,}/g, // API keys made in AI Studio since 2026
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

export class Redactor {
  readonly #values = new Set<string>();

  /**
   * Remembers a secret value so it is never printed; short values would blank out ordinary words.
   * Its base64 forms too (standard and URL-safe): Secret Manager takes a version's payload in base64,
   * so a proxy or a log that echoes a request would show the key in that form.
   */
  add(value: string | null | undefined): void {
    if (typeof value !== "string" || value.length < 8) return;
    this.#values.add(value);
    const encoded = Buffer.from(value, "utf8");
    for (const form of [encoded.toString("base64"), encoded.toString("base64url")])
      this.#values.add(form.replace(/=+$/, ""));
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a value is never half-replaced by a shorter one it contains.
    for (const value of [...this.#values].sort((a, b) => b.length - a.length))
      result = result.split(value).join("[redacted]");
    for (const shape of SHAPES) result = result.replace(shape, "[redacted]");
    return result;
  }
}
