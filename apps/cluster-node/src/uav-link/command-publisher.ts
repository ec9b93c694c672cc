import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import {
  JsonValue,
  pendingUavCommandHeads,
  UavCommandHead,
  UavCommandHeadsPage,
  uavCommandMissions,
} from '@falconmind/fleet';
import { kindOfAction, MissionDetails, UavCommand } from '@falconmind/uav-link';
import { DataSource } from 'typeorm';
import { CLUSTER_RUNTIME, NODE_DATA_SOURCE, NODE_LOGGER } from '../cluster/cluster.tokens';
import { NodeLogger } from '../node-logger';
import { CommandFlagger } from './command-flagger';
import { ResendTracker } from './resend-tracker';
import { UavLinkConnection } from './uav-link-connection';
import { UavLinkCounters } from './uav-link-counters';

/** How often the leader looks at the outbox for new heads and resends that are due. */
const POLL_MS = 100;

/**
 * The leader's half of fenced dispatch. Only the leader publishes, from the replicated outbox: for
 * each UAV its pending command of lowest seq (one at a time, so a UAV gets them in order), stamped
 * with the leader's current term. Unacknowledged, a command is sent again 2 s later, then 4, 8, …
 * (capped at 64 s); after the 10th send it is given up on and its UAV flagged, through Raft. A new
 * leader knows nothing of its predecessor's sends: it sends every pending head again at once (the
 * UAV drops a repeat and acknowledges it again). It stops the moment it is no longer leader.
 */
@Injectable()
export class CommandPublisher implements OnApplicationShutdown {
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** The UAV id after which the next page of heads starts. */
  private cursor = '';
  private readonly schedule = new ResendTracker();

  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
    private readonly link: UavLinkConnection,
    private readonly counters: UavLinkCounters,
    private readonly flagger: CommandFlagger,
  ) {}

  start(): void {
    this.runtime.driver.onRoleChange((state) => {
      if (state.role === 'leader') this.lead();
      else this.stepDown();
    });
    if (this.isLeader()) this.lead();
  }

  /** True while this node leads (and so publishes). */
  get publishing(): boolean {
    return this.leading;
  }

  /** Commands being sent, by UAV (for /health). */
  inFlightCount(): number {
    return this.schedule.size;
  }

  onApplicationShutdown(): void {
    this.stepDown();
  }

  private lead(): void {
    if (this.leading || !this.link.enabled) return;
    this.leading = true;
    this.schedule.clear();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
    this.logger.info('UAV link: leading, publishing the command outbox', {});
  }

  private stepDown(): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.schedule.clear();
  }

  private isLeader(): boolean {
    return this.runtime.driver.running && this.runtime.driver.status().role === 'leader';
  }

  /** One look at the outbox (the interval calls it; a test may call it directly). */
  async poll(): Promise<void> {
    if (this.polling || !this.leading) return;
    // The node's stop halts the driver before the app closes: the core still says leader then, but
    // nothing may leave a stopping node.
    if (!this.isLeader()) {
      this.stepDown();
      return;
    }
    this.polling = true;
    try {
      // The term the schedule's decisions are made in: a flag is proposed only in it.
      const term = this.runtime.driver.status().term;
      // One page of heads per look, from where the last look ended: every UAV gets its turn.
      const page = await pendingUavCommandHeads(this.dataSource, this.cursor);
      this.cursor = page.next;
      if (!this.leading) return;
      const actions = this.schedule.due(page.heads, Date.now(), this.link.connected, (uavId) =>
        pageCovers(page, uavId),
      );
      const dispatches = actions.filter((a) => a.kind === 'send' && a.head.action === 'dispatch');
      const missions = await uavCommandMissions(
        this.dataSource,
        dispatches.map((a) => a.head.command_id),
      );
      for (const action of actions) {
        if (!this.leading) return;
        if (action.kind === 'send') this.send(action.head, missions.get(action.head.command_id));
        else this.flag(action.head, action.tries, term);
      }
    } catch (error) {
      this.logger.debug('UAV link: reading the outbox failed', { error: String(error) });
    } finally {
      this.polling = false;
    }
  }

  /** Publishes one send, stamped with the term this node leads in. */
  private send(head: UavCommandHead, mission: MissionRecord | undefined): void {
    // Checked right before publishing: a deposed (or stopping) leader's term must never leave this
    // node anew.
    if (!this.isLeader()) {
      this.stepDown();
      return;
    }
    const status = this.runtime.driver.status();
    const command = toWire(head, mission ?? null, status.term);
    const channel = command.kind === 'mission' ? 'missions' : 'commands';
    this.counters.commandSent(head.action);
    this.link
      .publish(this.link.topics.downlink(head.uav_id, channel), JSON.stringify(command))
      .catch((error: unknown) => {
        this.logger.debug('UAV link: a command send failed', {
          command: head.command_id,
          error: String(error),
        });
      });
  }

  private flag(head: UavCommandHead, tries: number, term: number): void {
    this.logger.warn('UAV link: a command was never acknowledged; flagging its UAV', {
      uav: head.uav_id,
      command: head.command_id,
      tries,
    });
    void this.flagger
      .flag(head, tries, term)
      .then((applied) => {
        if (applied) this.counters.commandFlagged();
      })
      .finally(() => this.schedule.flagEnded(head.uav_id));
  }
}

type MissionRecord = { readonly [key: string]: JsonValue };

/** Whether the page's heads were read for this UAV (its range of ids). */
function pageCovers(page: UavCommandHeadsPage, uavId: string): boolean {
  return uavId > page.after && (page.through === null || uavId <= page.through);
}

/** The outbox row as the UAV receives it, with the publishing leader's term. */
export function toWire(
  head: UavCommandHead,
  mission: MissionRecord | null,
  term: number,
): UavCommand {
  return {
    command_id: head.command_id,
    uav_id: head.uav_id,
    seq: head.seq,
    term,
    kind: kindOfAction(head.action),
    action: head.action,
    mission_id: head.mission_id,
    ...(mission === null ? {} : { mission: mission as unknown as MissionDetails }),
    issued_at: head.issued_at,
  };
}
