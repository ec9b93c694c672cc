import { Module } from '@nestjs/common';
import { EventFeed } from './event-feed.service';
import { EventsController } from './events.controller';
import { EventsWebSocketGateway } from './events.gateway';
import { EventsMetrics } from './events.metrics';

/** Live events: `GET /events` (SSE) and `/ws` (WebSocket), fed from the applied log. */
@Module({
  controllers: [EventsController],
  providers: [EventFeed, EventsWebSocketGateway, EventsMetrics],
  exports: [EventFeed],
})
export class EventsModule {}
