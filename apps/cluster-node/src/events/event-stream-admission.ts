import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { EventFeed, EventsGoneError, EventsNotYetWrittenError } from './event-feed.service';
import type { EventStreamRequest } from './event-stream-request';

/**
 * The checks both streams (SSE and WebSocket) make before they start: the node is not stopping
 * and serves fewer streams than its limit (503), the point to resume from is still kept (410) and not beyond the log (409), and telemetry
 * is asked for only where a provider exists (503).
 */
export function admitEventStream(
  feed: EventFeed,
  request: EventStreamRequest,
  resumeField: string,
): void {
  if (feed.isStopping) {
    throw new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'this node is stopping; connect to another node',
    );
  }
  // WebSocket handshakes under way are not counted yet: the limit may be passed by as many.
  if (feed.subscriberCount >= feed.subscriberLimit) {
    throw new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      `this node serves at most ${feed.subscriberLimit} event streams (EVENTS_MAX_SUBSCRIBERS); connect to another node`,
      [],
      { max_subscribers: feed.subscriberLimit },
    );
  }
  if (request.telemetryUavs.size > 0 && !feed.telemetryAvailable) {
    throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'this node has no telemetry feed', [
      { field: 'telemetry', reason: 'telemetry is not available on this node' },
    ]);
  }
  try {
    feed.assertResumable(request);
  } catch (error) {
    if (error instanceof EventsNotYetWrittenError) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        `${error.message}; resume from an id this cluster sent`,
        [{ field: resumeField, reason: `must be at most ${error.lastIndex}` }],
        { last_index: error.lastIndex },
      );
    }
    if (!(error instanceof EventsGoneError)) throw error;
    throw new ApiError(
      HttpStatus.GONE,
      `${error.message}; subscribe without ${resumeField} and re-read the state`,
      [{ field: resumeField, reason: `must be at least ${error.oldestResumableIndex}` }],
      { error: 'Gone', oldest_resumable_index: error.oldestResumableIndex },
    );
  }
}
