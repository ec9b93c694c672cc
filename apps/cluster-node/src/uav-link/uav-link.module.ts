import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FleetGateway } from '../fleet/fleet-gateway.service';
import { CommandFlagger } from './command-flagger';
import { CommandPublisher } from './command-publisher';
import { KnownUavs } from './known-uavs';
import { RetryingProposer } from './retrying-proposer';
import { UavLinkConnection } from './uav-link-connection';
import { UavLinkCounters } from './uav-link-counters';
import { UavLinkHealthIndicator } from './uav-link.health';
import { UavLinkService } from './uav-link.service';
import { UplinkHandler } from './uplink-handler';

/**
 * The MQTT link to the UAVs (docs/uav-link.md). Does nothing without MQTT_URL but report that.
 * FleetGateway is stateless: the link proposes through an instance of its own.
 */
@Module({
  imports: [TerminusModule],
  providers: [
    FleetGateway,
    UavLinkConnection,
    UavLinkCounters,
    KnownUavs,
    RetryingProposer,
    UplinkHandler,
    CommandFlagger,
    CommandPublisher,
    UavLinkHealthIndicator,
    UavLinkService,
  ],
  exports: [UavLinkHealthIndicator, UavLinkCounters],
})
export class UavLinkModule {}
