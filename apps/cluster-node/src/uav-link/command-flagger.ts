import { Inject, Injectable } from '@nestjs/common';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import { FleetApplyOutcome } from '@falconmind/fleet';
import { CLUSTER_RUNTIME, NODE_LOGGER } from '../cluster/cluster.tokens';
import { FleetGateway } from '../fleet/fleet-gateway.service';
import { NodeLogger } from '../node-logger';

/** The command given up on, as the leader's schedule knows it. */
export interface CommandToFlag {
  readonly command_id: string;
  readonly uav_id: string;
}

/**
 * Proposes `FlagUavCommand` for a command the leader gave up on. Flagging is a leader's decision:
 * it is proposed only while this node still leads in the term it was decided in (checked in the same
 * tick as the proposal, so it enters this leader's own log), and it is tried once: a failure is never
 * retried here nor forwarded to another leader, which keeps its own schedule and decides for itself.
 * The leader's schedule flags again if the command is still pending.
 */
@Injectable()
export class CommandFlagger {
  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    private readonly fleet: FleetGateway,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {}

  /** True once the flag was applied; false if not proposed (no longer leader) or not taken. */
  async flag(command: CommandToFlag, tries: number, decidedInTerm: number): Promise<boolean> {
    const driver = this.runtime.driver;
    const status = driver.running ? driver.status() : undefined;
    if (status?.role !== 'leader' || status.term !== decidedInTerm) return false;
    try {
      const outcome = (await this.fleet.executeInBackground({
        type: 'FlagUavCommand',
        command_id: command.command_id,
        uav_id: command.uav_id,
        tries,
      })) as FleetApplyOutcome;
      return outcome.status === 'applied';
    } catch (error) {
      this.logger.debug('UAV link: a flag was not taken', {
        command: command.command_id,
        error: String(error),
      });
      return false;
    }
  }
}
