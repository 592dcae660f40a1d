/** Run by jest after each test file's environment is set up (jest.config.js, setupFilesAfterEnv). */

import { removeTempDirs } from "./temp-dir.ts";

afterAll(removeTempDirs);
