import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { sampleToJson, TelemetrySampleJson } from '@falconmind/telemetry';
import { ApiError } from '../common/api-error';
import {
  INGRESS_ACCEPTED_SCHEMA,
  INGRESS_BODY_SCHEMA,
  UAV_TELEMETRY_SCHEMA,
} from './telemetry.openapi';
import { allRefused, parseIngressBody, parseSince } from './telemetry-request';
import { TelemetryService } from './telemetry.service';
import type { TelemetryIngestResult } from './telemetry.tokens';

/** What `GET /uavs/:id/telemetry` answers. */
export interface UavTelemetryAnswer {
  readonly uav_id: string;
  /** The node that answered: each node has its own copy, shared best-effort. */
  readonly node_id: string;
  readonly latest: TelemetrySampleJson;
  /** How old the latest sample is by this node's clock (0 when it is stamped ahead of it). */
  readonly age_ms: number;
  /** With `?since=`: the kept samples newer than it, oldest first. */
  readonly samples?: TelemetrySampleJson[];
}

/** Telemetry: never through Raft; any node takes it in and answers from its own memory. */
@ApiTags('telemetry')
@Controller()
export class TelemetryController {
  constructor(
    private readonly telemetry: TelemetryService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  @Post('ingress/telemetry')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Take in telemetry: one sample, an array of them, or {"samples": [...]}',
    description:
      'Each sample is validated on its own: the good ones are kept even when others are refused ' +
      '(each refused one reported by its index). A batch with no good sample is a 400.',
  })
  @ApiBody({ schema: INGRESS_BODY_SCHEMA })
  @ApiResponse({ status: 202, description: 'taken in', schema: INGRESS_ACCEPTED_SCHEMA })
  @ApiResponse({ status: 400, description: 'no good sample; every field at fault named' })
  @ApiResponse({ status: 413, description: 'a body over 4 MiB: send smaller batches' })
  ingest(@Body() body: unknown): TelemetryIngestResult {
    const parsed = parseIngressBody(body);
    const result = this.telemetry.ingest(parsed.samples, 'http');
    if (result.accepted === 0) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'no telemetry sample was valid',
        allRefused(parsed, result.rejected),
        { accepted: 0, rejected: result.rejected },
      );
    }
    return result;
  }

  @Get('uavs/:id/telemetry')
  @ApiOperation({
    summary: "A UAV's latest telemetry on this node, how old it is, and (since=) its recent window",
  })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'a timestamp_ns: also answer the kept samples newer than it, oldest first',
  })
  @ApiResponse({ status: 200, description: 'the latest sample', schema: UAV_TELEMETRY_SCHEMA })
  @ApiResponse({ status: 400, description: 'a bad since' })
  @ApiResponse({ status: 404, description: 'this node holds no telemetry of that UAV' })
  read(@Param('id') uavId: string, @Query('since') since: unknown): UavTelemetryAnswer {
    const after = parseSince(since);
    const latest = this.telemetry.latest(uavId);
    if (latest === undefined) {
      throw new ApiError(HttpStatus.NOT_FOUND, `this node holds no telemetry of UAV ${uavId}`);
    }
    const sampledAtMs = Number(latest.timestamp_ns / 1_000_000n);
    return {
      uav_id: uavId,
      node_id: this.config.nodeId,
      latest: sampleToJson(latest),
      age_ms: Math.max(0, Date.now() - sampledAtMs),
      ...(after === undefined
        ? {}
        : { samples: this.telemetry.since(uavId, after).map(sampleToJson) }),
    };
  }
}
