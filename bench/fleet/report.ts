/** The fleet benchmark's figures, and how they print: a compact table for people, one JSON line for scripts. */

/** A range of counts over environments, or one count when they agree. */
export interface Range {
  min: number;
  max: number;
}

/** The offline plans of every environment stack, run side by side. */
export interface EnvironmentPlans {
  /** Wall time for all of them, each run. */
  runsMs: number[];
  wallMs: number;
  /** One plan process, median over every process of every run. */
  planMs: number;
  rssKbMedian?: number;
  rssKbMax?: number;
  failed: number;
  firstFailure?: string;
  /**
   * The same plans, each process planning its share in one Node process (npm run inventory), as
   * many processes as cores: what loading the program once per process saves.
   */
  batched?: { runsMs: number[]; wallMs: number; rssKbMax?: number; failed: number };
}

/** What one kind of environment (its template) adds to the CI stack. */
export interface TemplateShare {
  environments: number;
  resources: Range;
  ciAccounts: Range;
  criticalPath: Range;
}

/** The CI stack's offline plan at one number of environments. */
export interface SizeResult {
  environments: number;
  runsMs: number[];
  wallMs: number;
  rssKb?: number;
  /** The config check's message, when it refused this size. */
  refused?: string;
  resources?: number;
  components?: number;
  shared?: number;
  criticalPath?: number;
  ciAccounts?: number;
  byTemplate?: Record<string, TemplateShare>;
}

export interface LimitRow {
  name: string;
  limit: number;
  used: number;
  where: string;
  /** Whether the figure grew with the number of environments across the sizes planned. */
  grows: boolean;
  /** The first number of environments that passes the limit; undefined: never. */
  firstAt?: number;
  extrapolated?: boolean;
  source: string;
}

export interface FleetReport {
  environments: number;
  byTemplate: Record<string, number>;
  previewed: number;
  runs: number;
  cores: number;
  node: string;
  load: { start: number[]; end: number[] };
  rssMethod: string;
  environmentPlans: EnvironmentPlans;
  /** The environment stacks' own critical paths (plan --json criticalPath), by template. */
  stackCriticalPath: Record<string, number>;
  sizes: SizeResult[];
  limits: LimitRow[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number | undefined) => (kb === undefined ? "?" : `${Math.round(kb / 1024)} MB`);
const range = (r: Range | undefined) =>
  r === undefined ? "-" : r.min === r.max ? String(r.min) : `${r.min}-${r.max}`;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
const pad = (cells: string[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join("  ");

function sizeTable(sizes: SizeResult[]): string[] {
  const head = [
    "envs",
    "wall",
    "ms/env",
    "peak RSS",
    "resources",
    "components",
    "shared",
    "CI SAs",
  ];
  const rows = sizes.map((z) =>
    z.refused !== undefined
      ? [String(z.environments), s(z.wallMs)]
      : [
          String(z.environments),
          s(z.wallMs),
          (z.wallMs / z.environments).toFixed(0),
          mb(z.rssKb),
          String(z.resources),
          String(z.components),
          String(z.shared),
          String(z.ciAccounts),
        ],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const shares = (z: SizeResult) =>
    Object.entries(z.byTemplate ?? {})
      .map(([t, share]) => `${t}-like ${range(share.resources)} + ${range(share.ciAccounts)} SA`)
      .join(", ");
  return [
    `    ${pad(head, widths)}  per environment: resources + CI SAs`,
    ...sizes.map((z, i) =>
      z.refused !== undefined
        ? `    ${pad(rows[i]!, widths)}  refused by the config check:\n${z.refused.replace(/^/gm, "      ")}`
        : `    ${pad(rows[i]!, widths)}  ${shares(z)}`,
    ),
  ];
}

/** What each further environment costs the CI stack's plan, from the smallest size planned to the largest. */
function growth(sizes: SizeResult[]): string[] {
  const ok = sizes.filter((z) => z.refused === undefined);
  const [a, b] = [ok[0], ok.at(-1)];
  if (a === undefined || b === undefined || a === b) return [];
  const per = (x: number, y: number) => (y - x) / (b.environments - a.environments);
  const same = (t: string) => {
    const values = ok.flatMap((z) => {
      const r = z.byTemplate?.[t]?.resources;
      return r === undefined ? [] : [r.min, r.max];
    });
    return Math.min(...values) === Math.max(...values);
  };
  const templates = [...new Set(ok.flatMap((z) => Object.keys(z.byTemplate ?? {})))];
  return [
    `    from ${a.environments} to ${b.environments} environments, each further one adds ${per(a.wallMs, b.wallMs).toFixed(0)} ms and ${(per(a.rssKb ?? 0, b.rssKb ?? 0) / 1024).toFixed(1)} MB of peak memory to the plan; ` +
      `resources per environment the same at every size: ${templates.map((t) => `${t}-like ${same(t) ? "yes" : "no"}`).join(", ")}`,
  ];
}

function limitTable(limits: LimitRow[]): string[] {
  const head = ["limit", "Google", "used", "grows", "first exceeded at", "where"];
  const rows = limits.map((l) => [
    l.name,
    l.limit.toLocaleString("en"),
    String(l.used),
    l.grows ? "yes" : "no",
    l.firstAt === undefined ? "never" : `${l.extrapolated ? "~" : ""}${l.firstAt} envs`,
    l.where,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `    ${r.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`.trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The first limit the fleet passes, as one sentence. */
function firstLimit(limits: readonly LimitRow[]): string {
  const hit = limits
    .filter((l) => l.firstAt !== undefined)
    .sort((a, b) => a.firstAt! - b.firstAt!)[0];
  if (hit === undefined) return "No limit is passed: none of the figures grows with the fleet.";
  return `The design hits ${hit.name} first, at ${hit.extrapolated ? "about " : ""}${hit.firstAt!} environments (${hit.where}).`;
}

/** The figures as a compact table. */
export function renderReport(r: FleetReport): string {
  const e = r.environmentPlans;
  const kinds = Object.entries(r.byTemplate).map(([t, n]) => `${n} like ${t}`);
  const last = r.sizes.find((z) => z.environments === r.environments);
  const out = [
    `Fleet benchmark: ${r.environments} environments (${kinds.join(", ")}; ${r.previewed} previewed, as the committed CI stack previews dev and staging), medians of ${r.runs} run${r.runs === 1 ? "" : "s"}`,
    `Machine: ${r.cores} cores, Node ${r.node}; load average (1/5/15 min) ${load(r.load.start)} at start, ${load(r.load.end)} at end; peak memory by ${r.rssMethod}`,
    "",
    `(a) Every environment stack's offline plan (plan --stack eNNNN --json), ${r.cores} processes at a time`,
    `    ${r.environments} plans: ${s(e.wallMs)} wall; one plan ${s(e.planMs)}, peak RSS ${mb(e.rssKbMedian)} (max ${mb(e.rssKbMax)}); failed ${e.failed}${e.firstFailure ? `: ${e.firstFailure}` : ""}`,
    ...(e.batched === undefined
      ? []
      : [
          `    the same ${r.environments} plans, ${r.cores} processes each planning its share in one process (inventory --stack ...): ${s(e.batched.wallMs)} wall, peak RSS ${mb(e.batched.rssKbMax)}; failed processes ${e.batched.failed}`,
        ]),
    "",
    "(b) The CI stack's offline plan (plan --json) by number of environments; resources are cloud resources, components apart",
    ...sizeTable(r.sizes),
    ...growth(r.sizes),
    "",
    `(c) Google's limits at ${r.environments} environments (the CI stack's plan and every environment stack's)`,
    ...(r.limits.length === 0
      ? [
          `    not measured: the config check refused the CI stack at ${r.environments} environments`,
        ]
      : [...limitTable(r.limits), `    ${firstLimit(r.limits)}`]),
    ...[...new Set(r.limits.map((l) => l.source))].map((src) => `    source: ${src}`),
    "",
    "(d) Critical path (resources that must be created one after another)",
    `    environment stack's own plan: ${Object.entries(r.stackCriticalPath)
      .map(([t, n]) => `${t}-like ${n}`)
      .join(", ")} (foundation: ci; the CI stack creates the environment's resources)`,
    `    in the CI stack, the longest chain ending at one environment's resources: ${Object.entries(
      last?.byTemplate ?? {},
    )
      .map(([t, share]) => `${t}-like ${range(share.criticalPath)}`)
      .join(
        ", ",
      )}; the whole CI stack: ${r.sizes.map((z) => z.criticalPath ?? "-").join(", ")} at ${r.sizes.map((z) => z.environments).join(", ")} environments`,
  ];
  return `${out.join("\n")}\n`;
}
