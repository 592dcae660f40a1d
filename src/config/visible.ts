/**
 * Text a person reads in the console (a display name, a description): every character it holds must
 * show. A control character, a zero-width space or a bidirectional override makes the console show
 * something other than what the stack sends (`"Admin\u202eresU"` reads as another name).
 */

import { invisibleCharacter } from "../cli/output.ts";
import type { Problems } from "./problems.ts";

export function checkVisible(p: Problems, path: string, value: string): void {
  const found = invisibleCharacter(value);
  if (found !== undefined)
    p.add(
      path,
      value,
      `holds ${found}, a control or invisible formatting character, so the console would show something other than what is sent`,
      "Write it with visible characters only.",
    );
}
