import type { ClusterNodeRuntime } from '@falconmind/consensus';
import type { NodeConfig } from '@falconmind/config';
import { UavTopics } from '@falconmind/uav-link';
import type { DataSource } from 'typeorm';
import { FleetGateway } from '../../fleet/fleet-gateway.service';
import { NodeLogger } from '../../node-logger';
import type { UavLinkConnection } from '../uav-link-connection';

/**
 * Test-only stand-ins for the parts of the UAV link that a unit test cannot run for
 * real without a whole cluster: the Raft driver (its role, term and stop are set by the test; its
 * proposals are recorded) and the broker connection (its publishes are recorded). The outbox is a
 * real database.
 */
export class ScriptedDriver {
  role: 'leader' | 'follower' = 'leader';
  term = 3;
  running = true;
  readonly proposals: Uint8Array[] = [];
  /** What a proposal does: by default it fails as if no leader took it. */
  answer: () => Promise<unknown> = () => Promise.reject(new Error('no leader'));
  private readonly roleListeners: Array<(state: { role: string }) => void> = [];

  status(): { role: string; term: number; stateMachineApplied: number } {
    return { role: this.role, term: this.term, stateMachineApplied: 0 };
  }

  onRoleChange(listener: (state: { role: string }) => void): void {
    this.roleListeners.push(listener);
  }

  /** Changes the role and tells the listeners, as the driver does after a Ready. */
  become(role: 'leader' | 'follower', term: number): void {
    this.role = role;
    this.term = term;
    for (const listener of this.roleListeners) listener({ role });
  }

  /** What a read barrier does before it resolves (by default nothing: the node is caught up). */
  barrier: () => Promise<void> = () => Promise.resolve();
  barriers = 0;

  async readBarrier(): Promise<number> {
    this.barriers++;
    await this.barrier();
    return 0;
  }

  propose(payload: Uint8Array): Promise<unknown> {
    this.proposals.push(payload);
    return this.answer();
  }
}

export interface RecordedPublish {
  readonly topic: string;
  readonly payload: string;
}

export function scriptedRuntime(driver: ScriptedDriver): ClusterNodeRuntime {
  return { nodeId: 'n1', driver } as unknown as ClusterNodeRuntime;
}

/** A connected link that records what is published instead of sending it. */
export function recordingLink(published: RecordedPublish[]): UavLinkConnection {
  const link = {
    enabled: true,
    connected: true,
    topics: new UavTopics('uav'),
    publish: (topic: string, payload: string) => {
      published.push({ topic, payload });
      return Promise.resolve();
    },
  };
  return link as unknown as UavLinkConnection;
}

export function gatewayOver(runtime: ClusterNodeRuntime, dataSource: DataSource): FleetGateway {
  return new FleetGateway(runtime, dataSource, {} as NodeConfig);
}

export function quietLogger(): NodeLogger {
  return new NodeLogger('n1', 'error');
}
