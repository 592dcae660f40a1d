/** Reading parsed JSON whose shape is not yet known. */

/** The value as an object's fields, or undefined if it is not a plain JSON object. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
