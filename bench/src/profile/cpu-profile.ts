/** The parts of a V8 `.cpuprofile` (as written by `node --cpu-prof`) that the summary reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  /** Microseconds from the previous sample (the first: from startTime), one per sample. */
  readonly timeDeltas?: readonly number[];
}

export interface ProfileShare {
  readonly name: string;
  readonly selfMs: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  /** Time not idle: where the process was busy. */
  readonly busyMs: number;
  readonly topFrames: readonly ProfileShare[];
  readonly byArea: readonly ProfileShare[];
}

const NON_FUNCTIONS = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Which part of the stack a frame belongs to: a package, a library of ours, Node itself. */
export function areaOf(url: string, functionName: string): string {
  if (NON_FUNCTIONS.has(functionName) && url === '') return functionName;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  const ours = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:') || url === '') return 'Node.js internals and natives';
  return url;
}

function shares(totals: Map<string, number>, busyMs: number, limit: number): ProfileShare[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, selfMs]) => ({
      name,
      selfMs: Math.round(selfMs),
      percent: Math.round((selfMs / Math.max(1, busyMs)) * 1000) / 10,
    }));
}

/**
 * Hits per node id among the samples taken in the last `lastMs` of the profile: the workload, not
 * the start-up (module loading and compiling dominate a whole short run).
 */
function hitsInLast(
  profile: CpuProfile,
  lastMs: number,
): { hits: Map<number, number>; ms: number } {
  const hits = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const from = profile.endTime - lastMs * 1000;
  let at = profile.startTime;
  let first: number | undefined;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < from) continue;
    first ??= at;
    hits.set(samples[i], (hits.get(samples[i]) ?? 0) + 1);
  }
  return { hits, ms: first === undefined ? 0 : (profile.endTime - first) / 1000 };
}

/**
 * Self time per function and per area, from sample counts (hits × the mean sampling interval); with
 * `lastMs`, of the samples in the last `lastMs` only.
 */
export function summarizeProfile(profile: CpuProfile, limit = 25, lastMs?: number): ProfileSummary {
  const window = lastMs === undefined ? undefined : hitsInLast(profile, lastMs);
  const hitsOf = (node: CpuProfile['nodes'][number]): number =>
    window ? (window.hits.get(node.id) ?? 0) : (node.hitCount ?? 0);
  const sampledMs = window ? window.ms : (profile.endTime - profile.startTime) / 1000;
  const totalHits = profile.nodes.reduce((sum, node) => sum + hitsOf(node), 0);
  const msPerHit = totalHits === 0 ? 0 : sampledMs / totalHits;
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const selfMs = hitsOf(node) * msPerHit;
    if (selfMs === 0 || functionName === '(idle)') continue;
    busyMs += selfMs;
    const where =
      url === ''
        ? ''
        : ` ${url.replace(/^.*?\/(node_modules|libs|apps)\//, '$1/')}:${lineNumber + 1}`;
    const frame = `${functionName || '(anonymous)'}${where}`;
    frames.set(frame, (frames.get(frame) ?? 0) + selfMs);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + selfMs);
  }
  return {
    sampledMs: Math.round(sampledMs),
    busyMs: Math.round(busyMs),
    topFrames: shares(frames, busyMs, limit),
    byArea: shares(areas, busyMs, limit),
  };
}
