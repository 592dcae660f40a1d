/**
 * What a live run asks of Google itself, besides what the kit's commands do: its entry builds this
 * from src/google/ (scripts/e2e-google.ts), and tests hand in their own.
 */

interface LabelledProject {
  projectId: string;
  /** ACTIVE, or DELETE_REQUESTED for a project pending deletion. */
  state: string;
  /** RFC 3339. */
  createTime: string;
  labels: Record<string, string>;
}

export interface E2eGoogle {
  /** Marks the project for deletion (Resource Manager v3 projects.delete). */
  deleteProject(projectId: string): Promise<void>;
  /** Deletes the project's API keys whose id is `prefix` or starts `prefix-`; returns their ids. */
  deleteApiKeys(project: string, prefix: string): Promise<string[]>;
  /** The projects the caller may see that carry the label `key` (Resource Manager v3 projects.search). */
  labelledProjects(key: string): Promise<LabelledProject[]>;
}
