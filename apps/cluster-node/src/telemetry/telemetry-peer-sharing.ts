import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import {
  decodeSampleBatch,
  encodeSampleBatch,
  SourcedSample,
  TelemetrySample,
} from '@falconmind/telemetry';
import { CLUSTER_RUNTIME, NODE_LOGGER } from '../cluster/cluster.tokens';
import { NodeLogger } from '../node-logger';
import { TelemetryService } from './telemetry.service';

/**
 * Samples per batch sent to peers: about 60 KB in the binary form, within one HTTP/2 flow-control
 * window, and quick to encode (well under a millisecond).
 */
export const PEER_BATCH_SAMPLES = 500;

/**
 * Shares the samples this node took in itself (HTTP, MQTT) with its peers, over the Raft
 * transport's telemetry call (outside Raft, best-effort), and takes in what the peers share, as
 * source `peer`. What came from a peer is never shared again: every node hears from the node that
 * took the sample in, directly.
 */
@Injectable()
export class TelemetryPeerSharing implements OnApplicationBootstrap {
  constructor(
    private readonly telemetry: TelemetryService,
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.telemetry.addSink({ take: (fresh) => this.share(fresh) });
    this.runtime.telemetry.onReceive((from, payload) => this.receive(from, payload));
  }

  private share(fresh: readonly SourcedSample[]): void {
    let batch: TelemetrySample[] = [];
    for (const { sample, source } of fresh) {
      if (source === 'peer') continue;
      batch.push(sample);
      if (batch.length === PEER_BATCH_SAMPLES) {
        this.runtime.telemetry.broadcast(encodeSampleBatch(batch), batch.length);
        batch = [];
      }
    }
    if (batch.length > 0) this.runtime.telemetry.broadcast(encodeSampleBatch(batch), batch.length);
  }

  private receive(from: string, payload: Uint8Array): void {
    let raws: readonly unknown[];
    try {
      raws = decodeSampleBatch(payload);
    } catch (error) {
      this.logger.debug('dropped a malformed telemetry batch from a peer', {
        from,
        error: String(error),
      });
      return;
    }
    const result = this.telemetry.ingest(raws, 'peer');
    if (result.rejected.length > 0) {
      this.logger.debug('refused telemetry samples from a peer', {
        from,
        rejected: result.rejected.length,
        first: JSON.stringify(result.rejected[0]),
      });
    }
  }
}
