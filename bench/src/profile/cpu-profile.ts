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

/** Self time per function and per area, from sample counts (hitCount × the mean sampling interval). */
export function summarizeProfile(profile: CpuProfile, limit = 25): ProfileSummary {
  const sampledMs = (profile.endTime - profile.startTime) / 1000;
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const msPerHit = totalHits === 0 ? 0 : sampledMs / totalHits;
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const selfMs = (node.hitCount ?? 0) * msPerHit;
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
