import { Global, Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { TelemetryController } from './telemetry.controller';
import { TelemetryHeartbeats } from './telemetry-heartbeats';
import { TelemetryMetrics } from './telemetry.metrics';
import { TelemetryPeerSharing } from './telemetry-peer-sharing';
import { TelemetryService } from './telemetry.service';
import { TELEMETRY_FEED, TELEMETRY_INGEST } from './telemetry.tokens';

/**
 * Telemetry (DESIGN.md): ingress, the in-memory store, peer sharing, the heartbeat path and its
 * metrics. Global: any module injects TELEMETRY_INGEST (MQTT) or TELEMETRY_FEED (live events)
 * without importing it. Needs MetricsModule (global) in the application.
 */
@Global()
@Module({
  imports: [FleetModule],
  controllers: [TelemetryController],
  providers: [
    TelemetryService,
    { provide: TELEMETRY_INGEST, useExisting: TelemetryService },
    { provide: TELEMETRY_FEED, useExisting: TelemetryService },
    TelemetryPeerSharing,
    TelemetryHeartbeats,
    TelemetryMetrics,
  ],
  exports: [TELEMETRY_INGEST, TELEMETRY_FEED],
})
export class TelemetryModule {}
