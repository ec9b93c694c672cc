import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where this machine lets the benchmark cap a process group's CPU: the cgroup v2 `cpu.max` file,
 * or the v1 `cpu` controller's quota and period. Undefined where neither exists; where one exists
 * but is not writable (not root, or a container that does not delegate the controller), `apply`
 * says so, and the workload notes it instead of measuring.
 */
type CgroupFlavour =
  { readonly version: 2; readonly root: string } | { readonly version: 1; readonly root: string };

/** The period a quota is given over: short, so a capped member is paused for milliseconds, not a tenth of a second. */
const PERIOD_US = 10_000;

function detectFlavour(): CgroupFlavour | undefined {
  const unified = '/sys/fs/cgroup';
  try {
    if (readFileSync(join(unified, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu'))
      return { version: 2, root: unified };
  } catch {
    // not a cgroup v2 host; try v1
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (existsSync(join(v1, 'cpu.cfs_quota_us'))) return { version: 1, root: v1 };
  return undefined;
}

/**
 * Equal CPU for every member, as members on machines of their own would have: each member's
 * processes (the member and the database backends that work only for it) are moved into a cgroup
 * of their own capped at `coreFraction` of one core, and moved back by `release()`. On one machine
 * the members otherwise share its cores with each other and with the load generator, so three
 * members can answer no more than one; under equal budgets, what the members can serve together
 * shows whether the work spreads over them or waits on one of them.
 */
export class CpuBudget {
  private constructor(
    private readonly flavour: CgroupFlavour,
    private readonly groups: string[],
  ) {}

  /**
   * Caps each entry of `memberPids` (one list per member) at `coreFraction` of a core, or tells
   * why this machine does not allow it.
   */
  static apply(
    name: string,
    memberPids: readonly (readonly number[])[],
    coreFraction: number,
  ): CpuBudget | { readonly unavailable: string } {
    const flavour = detectFlavour();
    if (!flavour) return { unavailable: 'no writable cgroup cpu controller on this machine' };
    const groups: string[] = [];
    const budget = new CpuBudget(flavour, groups);
    try {
      const quotaUs = Math.max(1_000, Math.round(PERIOD_US * coreFraction));
      for (const [member, pids] of memberPids.entries()) {
        const group = join(flavour.root, `${name}-${process.pid}-member${member + 1}`);
        mkdirSync(group);
        groups.push(group);
        if (flavour.version === 2) writeFileSync(join(group, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
        else {
          writeFileSync(join(group, 'cpu.cfs_period_us'), String(PERIOD_US));
          writeFileSync(join(group, 'cpu.cfs_quota_us'), String(quotaUs));
        }
        for (const pid of pids) moveProcess(group, pid);
      }
      return budget;
    } catch (error) {
      budget.release();
      return { unavailable: `cgroup cpu controller not usable: ${(error as Error).message}` };
    }
  }

  /** Moves every process back to the root group and removes the groups. Safe to call twice. */
  release(): void {
    for (const group of this.groups.splice(0)) {
      for (const pid of readPids(group)) moveProcess(this.flavour.root, pid);
      try {
        rmdirSync(group);
      } catch {
        // a process that was mid-exit can hold the group a moment longer; it is empty and harmless
      }
    }
  }
}

function moveProcess(group: string, pid: number): void {
  try {
    writeFileSync(join(group, 'cgroup.procs'), String(pid));
  } catch (error) {
    // A process that exited since it was listed (a database backend closed by its pool) is fine.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function readPids(group: string): number[] {
  try {
    return readFileSync(join(group, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
