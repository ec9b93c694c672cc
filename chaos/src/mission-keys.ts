/**
 * The missions the clients work on. A few are in play at once, so that concurrent operations on
 * one mission collide (versions, transitions); each is retired after a number of operations and
 * replaced by a fresh one, which keeps every mission's history short enough to check quickly and
 * keeps new creates and dispatches coming. Every mission gets a UAV of its own, registered before
 * the mission comes into play, so that missions stay independent of each other.
 */
import { SeededRandom } from './seeded-random';

export interface MissionKey {
  readonly missionId: string;
  readonly uavId: string;
  invoked: number;
}

/** Registers a UAV somewhere in the cluster; true once a node confirmed it. */
export type RegisterUav = (uavId: string) => Promise<boolean>;

export class MissionKeyPool {
  private readonly active: MissionKey[] = [];
  private readonly used: MissionKey[] = [];
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(
    private readonly size: number,
    private readonly opsPerKey: number,
    private readonly registerUav: RegisterUav,
    private readonly isStopping: () => boolean,
  ) {}

  /** Brings the first missions into play (their UAVs registered). */
  async fill(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.addKey()));
  }

  /** A mission in play, or undefined while none is ready. */
  choose(random: SeededRandom): MissionKey | undefined {
    return this.active.length > 0 ? random.pick(this.active) : undefined;
  }

  /** Counts an operation on `key`; past its budget it is retired and a fresh one prepared. */
  noteInvoked(key: MissionKey): void {
    key.invoked++;
    const at = this.active.indexOf(key);
    if (key.invoked < this.opsPerKey || at < 0) return;
    this.active.splice(at, 1);
    const adding = this.addKey().finally(() => this.pending.delete(adding));
    this.pending.add(adding);
  }

  /** Every mission that was ever in play. */
  allKeys(): readonly MissionKey[] {
    return this.used;
  }

  /** Waits for the replacements being prepared (they give up once the run is stopping). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async addKey(): Promise<void> {
    this.sequence++;
    const missionId = `m-${this.sequence}`;
    const key: MissionKey = { missionId, uavId: `uav-${missionId}`, invoked: 0 };
    while (!this.isStopping()) {
      if (await this.registerUav(key.uavId)) {
        this.used.push(key);
        this.active.push(key);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
