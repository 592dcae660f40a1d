/** Run in each test file before its tests (vitest.config.ts, setupFiles). */

import { removeTempDirs } from "./temp-dir.ts";

afterAll(removeTempDirs);
