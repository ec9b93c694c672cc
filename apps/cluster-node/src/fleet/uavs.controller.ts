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
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  FleetCommandDraft,
  getUav,
  getUavJson,
  HEARTBEAT_ACCEPTED_RESPONSE,
  listUavs,
  parseListUavsQuery,
  REGISTER_UAV_REQUEST,
  UAV_HEARTBEAT_REQUEST,
  UAV_PAGE_RESPONSE,
  UAV_RESPONSE,
  UAV_STATUSES,
} from '@falconmind/fleet';
import { ApiError } from '../common/api-error';
import { FleetGateway } from './fleet-gateway.service';
import { parseListRequest } from './read-consistency';
import { checkBody, expectedVersion } from './request-body';
import {
  ApiAnswers,
  ApiChangeHeaders,
  ApiJsonBody,
  ApiReadConsistency,
  READ_ERRORS,
} from '../openapi/api-decorators';

import { HeartbeatReport, UavStateSync } from './uav-state-sync.service';

/** UAVs: registration through Raft (strong); heartbeats synced periodically (eventual). */
@ApiTags('uavs')
@Controller('uavs')
export class UavsController {
  constructor(
    private readonly fleet: FleetGateway,
    private readonly sync: UavStateSync,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List UAVs' })
  @ApiQuery({ name: 'status', required: false, enum: [...UAV_STATUSES] })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1..500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiReadConsistency()
  @ApiAnswers(200, 'one page of UAVs', UAV_PAGE_RESPONSE, READ_ERRORS)
  async list(
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const { consistency, filters } = parseListRequest(query, parseListUavsQuery);
    await this.fleet.beforeRead(consistency, response);
    return listUavs(this.fleet.reads, filters);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One UAV; its version is the ETag' })
  @ApiReadConsistency()
  @ApiAnswers(200, 'the UAV', UAV_RESPONSE, [...READ_ERRORS, [404, 'not registered']])
  async get(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    return this.fleet.readOne(
      query,
      response,
      `uav:${id}`,
      (db) => getUavJson(db, id),
      `UAV ${id} is not registered`,
    );
  }

  @Post(':id/register')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Register a UAV or update its registration (through the Raft log)' })
  @ApiJsonBody(REGISTER_UAV_REQUEST, false)
  @ApiChangeHeaders()
  @ApiAnswers(200, 'the UAV', UAV_RESPONSE, [
    [400, 'bad input, each field named in details; nothing was proposed'],
    [409, 'If-Match version or idempotency conflict'],
    [503, 'no leader: retry'],
  ])
  async register(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const { fields, problems } = checkBody(REGISTER_UAV_REQUEST, body);
    const version = expectedVersion(ifMatch, fields);
    const draft = {
      ...fields,
      type: 'RegisterUav',
      uav_id: id,
      ...(version !== undefined ? { expected_version: version } : {}),
      ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    } as unknown as FleetCommandDraft;
    return this.fleet.execute(draft, response, problems);
  }

  @Post(':id/heartbeat')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'A heartbeat or state report: kept in memory, synced periodically' })
  @ApiJsonBody(UAV_HEARTBEAT_REQUEST, false)
  @ApiAnswers(202, 'accepted', HEARTBEAT_ACCEPTED_RESPONSE, [
    [400, 'bad input, each field named in details'],
    [404, 'not registered'],
  ])
  async heartbeat(@Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const { fields, problems } = checkBody(UAV_HEARTBEAT_REQUEST, body);
    if (problems.length > 0) throw ApiError.badRequest(problems);
    if (!(await getUav(this.fleet.reads, id))) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        `UAV ${id} is not registered: POST /uavs/${id}/register first`,
      );
    }
    this.sync.accept(id, fields as unknown as HeartbeatReport);
    return { uav_id: id, accepted: true, synced_within_ms: this.sync.intervalMs() };
  }
}
