import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import type { Discovery } from '@falconmind/discovery';
import { NodeConfig, NodeConfigModule } from '@falconmind/config';
import { DataSource } from 'typeorm';
import { ClusterModule } from './cluster/cluster.module';
import { EventsModule } from './events/events.module';
import { FleetModule } from './fleet/fleet.module';
import {
  CLUSTER_RUNTIME,
  NODE_DATA_SOURCE,
  NODE_DISCOVERY,
  NODE_LOGGER,
} from './cluster/cluster.tokens';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { UavLinkModule } from './uav-link/uav-link.module';
import { NodeLogger } from './node-logger';

/** What the node has set up before Nest starts: its configuration, database and consensus runtime. */
export interface NodeServices {
  readonly config: NodeConfig;
  /** The API's pool (reads); the consensus loop has its own. */
  readonly dataSource: DataSource;
  readonly runtime: ClusterNodeRuntime;
  readonly discovery: Discovery;
  readonly logger: NodeLogger;
}

/** Provides the node's services to every module (they are set up outside Nest, see cluster-node.ts). */
@Module({})
class NodeServicesModule {
  static forRoot(services: NodeServices): DynamicModule {
    return {
      module: NodeServicesModule,
      global: true,
      providers: [
        { provide: CLUSTER_RUNTIME, useValue: services.runtime },
        { provide: NODE_DATA_SOURCE, useValue: services.dataSource },
        { provide: NODE_LOGGER, useValue: services.logger },
        { provide: NODE_DISCOVERY, useValue: services.discovery },
        { provide: NodeLogger, useValue: services.logger },
      ],
      exports: [CLUSTER_RUNTIME, NODE_DATA_SOURCE, NODE_LOGGER, NODE_DISCOVERY, NodeLogger],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(services: NodeServices): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NodeConfigModule.forRoot(services.config),
        NodeServicesModule.forRoot(services),
        HealthModule,
        ClusterModule,
        FleetModule,
        MetricsModule,
        TelemetryModule,
        EventsModule,
        UavLinkModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
