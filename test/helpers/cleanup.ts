/** Run in each test file before its tests (vitest.config.ts, setupFiles). */

import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeTempDirs } from "./temp-dir.ts";

// google-auth-library looks a project up with `gcloud config config-helper` when it is given none
// (an authorized_user ADC file), through the process's own environment: a gcloud on this machine
// would read and write the developer's ~/.config/gcloud. The tests point gcloud at a throwaway
// configuration folder of their own instead (one, shared, so runs leave no more than it behind).
const config = join(tmpdir(), "gak-tests-gcloud-config");
mkdirSync(config, { recursive: true });
process.env.CLOUDSDK_CONFIG = config;

afterAll(removeTempDirs);
