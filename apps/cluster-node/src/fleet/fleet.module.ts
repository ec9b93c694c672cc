import { Module } from '@nestjs/common';
import { FleetGateway } from './fleet-gateway.service';
import { MissionsController } from './missions.controller';
import { UavStateSync } from './uav-state-sync.service';
import { UavsController } from './uavs.controller';

@Module({
  controllers: [MissionsController, UavsController],
  providers: [FleetGateway, UavStateSync],
  exports: [UavStateSync],
})
export class FleetModule {}
