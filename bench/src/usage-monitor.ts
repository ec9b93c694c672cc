import { epochMs } from './clock';
import { sampleProcess } from './process-usage';

/** One measured process: a node, or the database backends that work for it (summed). */
export interface MonitoredProcess {
  readonly label: string;
  /** The pids to sum, read again at every sample (a node restarts, backends come and go). */
  readonly pids: () => readonly number[];
}

/** What one monitored process used during a measurement window. */
export interface ProcessUsage {
  readonly label: string;
  /** CPU time over wall time, in percent of one core (200 % is both cores of the machine). */
  readonly cpuPercent: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

const SAMPLE_INTERVAL_MS = 500;
/** Pid lists are refreshed every this many samples: each refresh is itself a database query. */
const SAMPLES_PER_REFRESH = 4;

function toMb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

interface Tracked {
  readonly process: MonitoredProcess;
  /** CPU seconds seen per pid at its first and latest sample (a pid that died keeps its last). */
  readonly firstCpu: Map<number, number>;
  readonly lastCpu: Map<number, number>;
  rssBytes: number;
  peakRssBytes: number;
}

/**
 * Samples /proc of every monitored process twice a second while a workload runs, and reports CPU
 * and memory over that window. Sampling often keeps the CPU of a process that is killed mid-window
 * (failover) instead of losing it with the process.
 */
export class UsageMonitor {
  private readonly tracked: Tracked[];
  private readonly startedAt = epochMs();
  private readonly timer: NodeJS.Timeout;

  /** A refresh of the pid lists still running, so that refreshes never pile up. */
  private refreshing: Promise<void> | undefined;
  private samples = 0;

  /**
   * `refreshPids` runs every few samples (without being waited for): database backends come and
   * go as a node's connection pool closes idle connections and opens new ones.
   */
  constructor(
    processes: readonly MonitoredProcess[],
    private readonly refreshPids?: () => Promise<void>,
  ) {
    this.tracked = processes.map((process) => ({
      process,
      firstCpu: new Map(),
      lastCpu: new Map(),
      rssBytes: 0,
      peakRssBytes: 0,
    }));
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  private sample(): void {
    if (this.refreshPids && !this.refreshing && this.samples++ % SAMPLES_PER_REFRESH === 0) {
      this.refreshing = this.refreshPids()
        .catch(() => undefined)
        .finally(() => {
          this.refreshing = undefined;
        });
    }
    for (const entry of this.tracked) {
      let rss = 0;
      for (const pid of entry.process.pids()) {
        const sample = sampleProcess(pid);
        if (!sample) continue;
        if (!entry.firstCpu.has(pid)) entry.firstCpu.set(pid, sample.cpuSeconds);
        entry.lastCpu.set(pid, sample.cpuSeconds);
        rss += sample.rssBytes;
      }
      entry.rssBytes = rss;
      entry.peakRssBytes = Math.max(entry.peakRssBytes, rss);
    }
  }

  stop(): ProcessUsage[] {
    this.sample();
    clearInterval(this.timer);
    const wallSeconds = Math.max(0.001, (epochMs() - this.startedAt) / 1000);
    return this.tracked.map((entry) => {
      let cpuSeconds = 0;
      for (const [pid, last] of entry.lastCpu)
        cpuSeconds += last - (entry.firstCpu.get(pid) ?? last);
      return {
        label: entry.process.label,
        cpuPercent: Math.round((cpuSeconds / wallSeconds) * 1000) / 10,
        rssMb: toMb(entry.rssBytes),
        peakRssMb: toMb(entry.peakRssBytes),
      };
    });
  }
}
