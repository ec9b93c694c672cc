import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { FleetCommandDraft, getUav, listUavs, parseListUavsQuery } from '@falconmind/fleet';
import { ApiError } from '../common/api-error';
import { FleetGateway } from './fleet-gateway.service';
import { parseListRequest } from './read-consistency';
import { expectedVersion, objectBody } from './request-body';
import { HeartbeatReport, UavStateSync } from './uav-state-sync.service';

/** UAVs: registration through Raft (strong); heartbeats synced periodically (eventual). */
@Controller('uavs')
export class UavsController {
  constructor(
    private readonly fleet: FleetGateway,
    private readonly sync: UavStateSync,
  ) {}

  @Get()
  async list(
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const { consistency, filters } = parseListRequest(query, parseListUavsQuery);
    await this.fleet.beforeRead(consistency, response);
    return listUavs(this.fleet.dataSource, filters);
  }

  @Get(':id')
  async get(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    return this.fleet.readOne(
      query,
      response,
      (db) => getUav(db, id),
      `UAV ${id} is not registered`,
    );
  }

  @Post(':id/register')
  @HttpCode(HttpStatus.OK)
  async register(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const fields = objectBody(body);
    const version = expectedVersion(ifMatch, fields);
    const draft = {
      ...fields,
      type: 'RegisterUav',
      uav_id: id,
      ...(version !== undefined ? { expected_version: version } : {}),
      ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    } as unknown as FleetCommandDraft;
    return this.fleet.execute(draft, response);
  }

  @Post(':id/heartbeat')
  @HttpCode(HttpStatus.ACCEPTED)
  async heartbeat(@Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const fields = objectBody(body);
    if (!(await getUav(this.fleet.dataSource, id))) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        `UAV ${id} is not registered: POST /uavs/${id}/register first`,
      );
    }
    this.sync.accept(id, fields as unknown as HeartbeatReport);
    return { uav_id: id, accepted: true, synced_within_ms: this.sync.intervalMs() };
  }
}
