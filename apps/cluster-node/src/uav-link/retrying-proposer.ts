import { Inject, Injectable } from '@nestjs/common';
import { FleetApplyOutcome, FleetCommandDraft } from '@falconmind/fleet';
import { NODE_LOGGER } from '../cluster/cluster.tokens';
import { ApiError } from '../common/api-error';
import { FleetGateway } from '../fleet/fleet-gateway.service';
import { NodeLogger } from '../node-logger';

/** How long a message from a UAV may wait for the cluster (an election, a leader change). */
const GIVE_UP_AFTER_MS = 30_000;
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 3_200;

/**
 * Proposes what a UAV reported as a fleet command through the fleet gateway, retrying while the
 * cluster has no leader or the leader changed in flight. Only idempotent commands come here (acks,
 * progress reports with an idempotency key), so a retry of one that did apply changes nothing.
 */
@Injectable()
export class RetryingProposer {
  constructor(
    private readonly fleet: FleetGateway,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {}

  /** The command's outcome, or undefined if the cluster could not take it in time (logged). */
  async propose(draft: FleetCommandDraft): Promise<FleetApplyOutcome | undefined> {
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
      try {
        return (await this.fleet.executeInBackground(draft)) as FleetApplyOutcome;
      } catch (error) {
        // A bad command is ours to fix, not the cluster's: never retried.
        if (error instanceof ApiError) throw error;
        if (Date.now() + wait > deadline) {
          this.logger.warn('UAV link: the cluster did not take a command in time', {
            type: draft.type,
            error: String(error),
          });
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
