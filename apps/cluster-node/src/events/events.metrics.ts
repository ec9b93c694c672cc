import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { EventFeed } from './event-feed.service';

/** The live streams' figures, read from the feed when scraped (nothing on the fan-out path). */
@Injectable()
export class EventsMetrics {
  constructor(metrics: MetricsRegistry, feed: EventFeed) {
    metrics.gauge({
      name: 'falconmind_event_subscribers',
      help: 'Open live event streams (SSE and WebSocket) on this node',
      collect() {
        this.set(feed.subscriberCount);
      },
    });
    metrics.counter({
      name: 'falconmind_events_fanned_out_total',
      help: 'Applied-log events handed to the subscribers (each once, whatever their number)',
      collect() {
        this.reset();
        this.inc(feed.eventsFannedOut);
      },
    });
    metrics.counter({
      name: 'falconmind_event_streams_cut_off_total',
      help: 'Live event streams the node closed, by reason (slow_consumer, shutting_down, replay_failed)',
      labelNames: ['reason'],
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(feed.cutOffs)) {
          this.inc({ reason: reason }, count);
        }
      },
    });
  }
}
