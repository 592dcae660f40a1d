/** The critical path of a fresh `up`, from the resources the recorder (record.ts) saw. */

import type { RecordedResource } from "./record.ts";

/** The longest chain of custom resources linked by dependencies: the critical path of a fresh `up`. */
export function criticalPath(resources: RecordedResource[]): RecordedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, RecordedResource[]>();
  const longest = (r: RecordedResource): RecordedResource[] => {
    const known = memo.get(r.urn);
    if (known) return known;
    let best: RecordedResource[] = [];
    for (const dep of r.dependencies) {
      const d = byUrn.get(dep);
      if (d === undefined || !d.custom) continue;
      const chain = longest(d);
      if (chain.length > best.length) best = chain;
    }
    const chain = [...best, r];
    memo.set(r.urn, chain);
    return chain;
  };
  return resources
    .filter((r) => r.custom)
    .map(longest)
    .reduce((a, b) => (b.length > a.length ? b : a), []);
}
