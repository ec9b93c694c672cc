import { readFileSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of 1/100 s on every platform Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time used so far and resident memory now, of one process; undefined once it is gone. */
export interface ProcessSample {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the state (field 3).
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return {
      cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
      rssBytes: rss ? Number(rss[1]) * 1024 : 0,
    };
  } catch {
    return undefined;
  }
}
