import { Module } from '@nestjs/common';
import { ClusterSecretGuard } from './cluster-secret.guard';
import { ClusterController } from './cluster.controller';

@Module({
  controllers: [ClusterController],
  providers: [ClusterSecretGuard],
})
export class ClusterModule {}
