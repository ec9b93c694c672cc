import {
  Body,
  Controller,
  Delete,
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
import {
  getMission,
  listMissions,
  parseListMissionsQuery,
  FleetCommandDraft,
} from '@falconmind/fleet';
import { ApiError } from '../common/api-error';
import { FleetGateway } from './fleet-gateway.service';
import { parseListRequest } from './read-consistency';
import { expectedVersion, objectBody } from './request-body';

type MissionAction = 'dispatch' | 'pause' | 'resume' | 'cancel';

const ACTION_COMMANDS = {
  dispatch: 'DispatchMission',
  pause: 'PauseMission',
  resume: 'ResumeMission',
  cancel: 'CancelMission',
} as const;

/** Missions: the original FalconMind Cluster Center paths, any node. */
@Controller('missions')
export class MissionsController {
  constructor(private readonly fleet: FleetGateway) {}

  @Get()
  async list(
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const { consistency, filters } = parseListRequest(query, parseListMissionsQuery);
    await this.fleet.beforeRead(consistency, response);
    return listMissions(this.fleet.dataSource, filters);
  }

  @Post()
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const fields = objectBody(body);
    const draft = {
      ...fields,
      type: 'CreateMission',
      ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    } as unknown as FleetCommandDraft;
    response.status(HttpStatus.CREATED);
    return this.fleet.execute(draft, response);
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
      (db) => getMission(db, id),
      `mission ${id} does not exist`,
    );
  }

  @Delete(':id')
  async remove(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    return this.fleet.execute(
      this.actionDraft('DeleteMission', id, {}, ifMatch, idempotencyKey),
      response,
    );
  }

  @Post(':id/progress')
  @HttpCode(HttpStatus.OK)
  async progress(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const fields = objectBody(body);
    return this.fleet.execute(
      this.actionDraft('ReportMissionProgress', id, fields, ifMatch, idempotencyKey),
      response,
    );
  }

  @Post(':id/:action')
  @HttpCode(HttpStatus.OK)
  async act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    if (!(action in ACTION_COMMANDS)) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        `no action ${action}: use dispatch, pause, resume, cancel or progress`,
      );
    }
    const fields = objectBody(body);
    const type = ACTION_COMMANDS[action as MissionAction];
    return this.fleet.execute(
      this.actionDraft(type, id, fields, ifMatch, idempotencyKey),
      response,
    );
  }

  private actionDraft(
    type: string,
    missionId: string,
    fields: Record<string, unknown>,
    ifMatch: string | undefined,
    idempotencyKey: string | undefined,
  ): FleetCommandDraft {
    const version = expectedVersion(ifMatch, fields);
    return {
      ...fields,
      type,
      mission_id: missionId,
      ...(version !== undefined ? { expected_version: version } : {}),
      ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    } as unknown as FleetCommandDraft;
  }
}
