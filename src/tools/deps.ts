/** What the pulumi-tools command takes from the machine, passed in so tests run it on their own. */

/** The files the command reads. */
interface ToolFiles {
  /** A file's text, or undefined when there is none. */
  readText: (path: string) => string | undefined;
}

export interface ToolsDeps {
  /** The project's root: package.json, package-lock.json and the pin file are read from there. */
  root: string;
  files: ToolFiles;
}
