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
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  CREATE_MISSION_REQUEST,
  getMissionJson,
  listMissions,
  MISSION_ACTION_REQUEST,
  MISSION_PAGE_RESPONSE,
  MISSION_PROGRESS_REQUEST,
  MISSION_RESPONSE,
  MISSION_STATES,
  MISSION_TYPES,
  parseListMissionsQuery,
  FleetCommandDraft,
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

const CHANGE_ERRORS: ReadonlyArray<[number, string]> = [
  [400, 'bad input, each field named in details; nothing was proposed'],
  [404, 'no such mission'],
  [409, 'refused by the state machine (lifecycle, If-Match version, idempotency conflict)'],
  [503, 'no leader: retry'],
];

type MissionAction = 'dispatch' | 'pause' | 'resume' | 'cancel';

const ACTION_COMMANDS = {
  dispatch: 'DispatchMission',
  pause: 'PauseMission',
  resume: 'ResumeMission',
  cancel: 'CancelMission',
} as const;

/** Missions: the original FalconMind Cluster Center paths, any node. */
@ApiTags('missions')
@Controller('missions')
export class MissionsController {
  constructor(private readonly fleet: FleetGateway) {}

  @Get()
  @ApiOperation({ summary: 'List missions, by priority then creation' })
  @ApiQuery({ name: 'state', required: false, enum: [...MISSION_STATES] })
  @ApiQuery({ name: 'mission_type', required: false, enum: [...MISSION_TYPES] })
  @ApiQuery({ name: 'uav_id', required: false, description: 'missions whose uav_list holds it' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1..500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiReadConsistency()
  @ApiAnswers(200, 'one page of missions', MISSION_PAGE_RESPONSE, READ_ERRORS)
  async list(
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const { consistency, filters } = parseListRequest(query, parseListMissionsQuery);
    await this.fleet.beforeRead(consistency, response);
    return listMissions(this.fleet.reads, filters);
  }

  @Post()
  @ApiOperation({ summary: 'Create a mission (through the Raft log)' })
  @ApiJsonBody(CREATE_MISSION_REQUEST)
  @ApiChangeHeaders()
  @ApiAnswers(201, 'the mission (the existing one for a retry)', MISSION_RESPONSE, CHANGE_ERRORS)
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const { fields, problems } = checkBody(CREATE_MISSION_REQUEST, body);
    const draft = {
      ...fields,
      type: 'CreateMission',
      ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    } as unknown as FleetCommandDraft;
    response.status(HttpStatus.CREATED);
    return this.fleet.execute(draft, response, problems);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One mission; its version is the ETag' })
  @ApiReadConsistency()
  @ApiAnswers(200, 'the mission', MISSION_RESPONSE, [...READ_ERRORS, [404, 'no such mission']])
  async get(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    return this.fleet.readOne(
      query,
      response,
      `mission:${id}`,
      (db) => getMissionJson(db, id),
      `mission ${id} does not exist`,
    );
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a mission that is not running' })
  @ApiChangeHeaders()
  @ApiAnswers(200, 'the deleted mission', MISSION_RESPONSE, CHANGE_ERRORS)
  async remove(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    return this.fleet.execute(
      this.actionDraft('DeleteMission', id, {}, ifMatch, idempotencyKey),
      response,
    );
  }

  @Post(':id/progress')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Progress from the UAV side: RUNNING → SUCCEEDED | FAILED' })
  @ApiJsonBody(MISSION_PROGRESS_REQUEST)
  @ApiChangeHeaders()
  @ApiAnswers(200, 'the mission', MISSION_RESPONSE, CHANGE_ERRORS)
  async progress(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const { fields, problems } = checkBody(MISSION_PROGRESS_REQUEST, body);
    return this.fleet.execute(
      this.actionDraft('ReportMissionProgress', id, fields, ifMatch, idempotencyKey),
      response,
      problems,
    );
  }

  @Post(':id/:action')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Dispatch, pause, resume or cancel a mission' })
  @ApiParam({ name: 'action', enum: Object.keys(ACTION_COMMANDS) })
  @ApiJsonBody(MISSION_ACTION_REQUEST, false)
  @ApiChangeHeaders()
  @ApiAnswers(200, 'the mission', MISSION_RESPONSE, CHANGE_ERRORS)
  async act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    if (!(action in ACTION_COMMANDS)) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        `no action ${action}: use dispatch, pause, resume, cancel or progress`,
      );
    }
    const { fields, problems } = checkBody(MISSION_ACTION_REQUEST, body);
    const type = ACTION_COMMANDS[action as MissionAction];
    return this.fleet.execute(
      this.actionDraft(type, id, fields, ifMatch, idempotencyKey),
      response,
      problems,
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
