import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_ERROR_RESPONSE, FLEET_EVENT_TYPES } from '@falconmind/fleet';
import { openApiSchema } from '../openapi/api-decorators';
import { EventFeed } from './event-feed.service';
import { admitEventStream } from './event-stream-admission';
import { parseEventStreamRequest, TELEMETRY_UAVS_MAX } from './event-stream-request';
import { SseSink } from './sse-sink';

/** `GET /events`: the applied log's events as Server-Sent Events. */
@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  @ApiOperation({
    summary: 'Live events as Server-Sent Events, resumable by event id',
    description:
      'Each event comes from an applied log entry: every node sends the same events in the same order. ' +
      '`id:` is `<log index>-<position>`; `event:` the type; `data:` `{id, index, position, type, data}`. ' +
      'A reconnect with `Last-Event-ID` (or `from_index`) gets every event after it that is still kept. ' +
      'Telemetry samples (on request) come as `event: telemetry` without an id. A comment line every 15 s ' +
      'keeps the connection alive. A client that falls behind gets `event: error` with `reason: slow_consumer` ' +
      'and its last event id, and the stream ends. See docs/events.md.',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'types',
    required: false,
    description: `comma-separated event types: ${FLEET_EVENT_TYPES.join(', ')}`,
  })
  @ApiQuery({ name: 'mission_id', required: false, description: 'comma-separated mission ids' })
  @ApiQuery({
    name: 'uav_id',
    required: false,
    description: "comma-separated UAV ids: their UAV events and their missions' events",
  })
  @ApiQuery({
    name: 'telemetry',
    required: false,
    description: `comma-separated UAV ids (at most ${TELEMETRY_UAVS_MAX}) whose telemetry to include`,
  })
  @ApiQuery({
    name: 'from_index',
    required: false,
    description: 'resume strictly after this event id (`1234-0`) or log index (`1234`)',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'as from_index; sent by EventSource on reconnect, and wins over from_index',
  })
  @ApiResponse({ status: 200, description: 'the event stream (text/event-stream)' })
  @ApiResponse({
    status: 400,
    description: 'a bad filter or event id, named in details',
    schema: openApiSchema(API_ERROR_RESPONSE),
  })
  @ApiResponse({
    status: 409,
    description:
      "resuming after an index beyond the leader's log (answered by the leader only); last_index says where it ends",
    schema: openApiSchema(API_ERROR_RESPONSE),
  })
  @ApiResponse({
    status: 410,
    description:
      'the events to resume from are no longer kept; oldest_resumable_index says from where',
    schema: openApiSchema(API_ERROR_RESPONSE),
  })
  @ApiResponse({
    status: 503,
    description:
      'the node is stopping, serves EVENTS_MAX_SUBSCRIBERS streams already (max_subscribers), or telemetry was asked for and this node has none',
    schema: openApiSchema(API_ERROR_RESPONSE),
  })
  stream(
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    const wanted = parseEventStreamRequest(query, lastEventId);
    const resumeField = lastEventId?.trim() ? 'Last-Event-ID' : 'from_index';
    admitEventStream(this.feed, wanted, resumeField);
    // From here the stream is ours: Fastify neither answers nor ends it when the handler returns.
    reply.hijack();
    this.feed.subscribe(wanted, new SseSink(request.raw, reply.raw));
  }
}
