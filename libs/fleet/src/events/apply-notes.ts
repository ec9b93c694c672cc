import type { UavStatus } from '../model';

/**
 * What the applier knew while applying one command and its outcome does not say: the status each
 * UAV had before (for uav_online / uav_offline), whether a CreateMission inserted the mission or
 * found the same one already there, and whether a FlagUavCommand flagged its command or found it
 * acknowledged or flagged already. The applier fills it where it has read the rows anyway, so
 * deriving events costs no extra query.
 */
export class FleetApplyNotes {
  private readonly statusBefore = new Map<string, UavStatus | null>();
  private inserted = false;
  private flagged = false;

  /** Notes a UAV's status before the command (null: not registered). The first note wins. */
  uavStatusBefore(uavId: string, status: UavStatus | null): void {
    if (!this.statusBefore.has(uavId)) this.statusBefore.set(uavId, status);
  }

  /** The status noted for `uavId`: null when it was not registered, undefined when not noted. */
  previousStatus(uavId: string): UavStatus | null | undefined {
    return this.statusBefore.get(uavId);
  }

  missionInserted(): void {
    this.inserted = true;
  }

  get insertedMission(): boolean {
    return this.inserted;
  }

  /** A FlagUavCommand flagged its command here (it was still PENDING). */
  uavCommandFlagged(): void {
    this.flagged = true;
  }

  get flaggedUavCommand(): boolean {
    return this.flagged;
  }
}
