/**
 * What the commands that call Google (verify, preflight, rotate) take from the machine they run on:
 * the HTTP client, the real clock, the process's environment, the files a user names, and the
 * Pulumi CLI. Read when called, so a test that runs a command in its own process gets its own.
 */

import type { Clock } from "../src/google/http.ts";
import { readInputFile } from "../src/cli/input-file.ts";
import { nodeFetch } from "../src/google/transport/fetch.ts";
import { runForOutput } from "./runner.ts";

const clock: Clock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function machine() {
  return {
    fetch: nodeFetch,
    clock,
    env: process.env,
    readFile: readInputFile,
    run: runForOutput,
  };
}
