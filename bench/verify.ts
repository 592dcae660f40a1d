/**
 * Times a cold `npm run verify -- --auth service-account --key-file K` against the quickstart's
 * manual flow with the same key (`gcloud auth activate-service-account`, `gcloud auth
 * print-access-token --scopes=...`, curl models.list), both against the same loopback fake Google,
 * interleaved. Prints each flow's median and the ratio; the target is a ratio of at most 0.2.
 *
 *   npm run bench -- [--runs N]
 */

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFakeGoogle } from "../test/helpers/google/server.ts";

const TARGET = 0.2;
const SCOPES = [
  "https://www.googleapis.com/auth/cloud-platform",
  "https://www.googleapis.com/auth/generative-language.retriever",
];

const { values } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const runs = Number(values.runs);

/** Runs a program to completion; the fake Google lives in this process, so this must not block. */
function timed(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input ?? "");
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0)
        reject(new Error(`${file} ${args[0]} ${args[1]} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, stdout });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const google = await startFakeGoogle();
  const dir = mkdtempSync(join(tmpdir(), "gak-bench-"));
  try {
    const key = google.addServiceAccount(
      "runtime@acme-gemini-dev.iam.gserviceaccount.com",
      "acme-gemini-dev",
    );
    const keyFile = join(dir, "key.json");
    writeFileSync(keyFile, key.file, { mode: 0o600 });

    const verifyEnv = {
      ...process.env,
      ...google.env,
      METADATA_SERVER_DETECTION: "none",
      NO_COLOR: "1",
    };
    const gcloudFlow = async (i: number): Promise<number> => {
      // A fresh gcloud configuration folder per run, as on a new CI runner.
      const env = {
        ...process.env,
        CLOUDSDK_CONFIG: join(dir, `gcloud-${i}`),
        CLOUDSDK_AUTH_TOKEN_HOST: `${google.url}/token`,
        CLOUDSDK_CORE_DISABLE_PROMPTS: "1",
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: "1",
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: "1",
      };
      let ms = (
        await timed(
          "gcloud",
          ["auth", "activate-service-account", `--key-file=${keyFile}`, "--quiet"],
          env,
        )
      ).ms;
      const token = await timed(
        "gcloud",
        ["auth", "print-access-token", `--scopes=${SCOPES.join(",")}`],
        env,
      );
      ms += token.ms;
      const header = `Authorization: Bearer ${token.stdout.trim()}`;
      // The header goes through a config file on stdin so the token is not in the process list.
      ms += (
        await timed(
          "curl",
          ["-sf", "-K", "-", `${google.url}/v1beta/models`],
          env,
          `header = "${header}"\n`,
        )
      ).ms;
      return ms;
    };
    const verifyFlow = async (): Promise<number> =>
      (
        await timed(
          "npm",
          ["run", "-s", "verify", "--", "--auth", "service-account", "--key-file", keyFile],
          verifyEnv,
        )
      ).ms;

    // One untimed run of each warms the disk cache, so both flows are measured the same way.
    await gcloudFlow(-1);
    await verifyFlow();
    const gcloud: number[] = [];
    const verify: number[] = [];
    for (let i = 0; i < runs; i++) {
      gcloud.push(await gcloudFlow(i));
      verify.push(await verifyFlow());
      process.stderr.write(
        `run ${i + 1}/${runs}: gcloud flow ${gcloud[i]!.toFixed(0)} ms, npm run verify ${verify[i]!.toFixed(0)} ms\n`,
      );
    }
    const g = median(gcloud);
    const v = median(verify);
    const ratio = v / g;
    console.log(
      `gcloud flow (activate-service-account + print-access-token + curl): median ${g.toFixed(0)} ms over ${runs} runs`,
    );
    console.log(
      `npm run verify -- --auth service-account --key-file K:             median ${v.toFixed(0)} ms over ${runs} runs`,
    );
    console.log(
      `ratio ${ratio.toFixed(3)} (target <= ${TARGET}: ${ratio <= TARGET ? "met" : "NOT met"})`,
    );
  } finally {
    await google.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
