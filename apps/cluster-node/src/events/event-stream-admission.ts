import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { EventFeed, EventsGoneError } from './event-feed.service';
import type { EventStreamRequest } from './event-stream-request';

/**
 * The checks both streams (SSE and WebSocket) make before they start: the point to resume from is
 * still kept (410 otherwise), and telemetry is asked for only where a provider exists (503).
 */
export function admitEventStream(
  feed: EventFeed,
  request: EventStreamRequest,
  resumeField: string,
): void {
  if (request.telemetryUavs.size > 0 && !feed.telemetryAvailable) {
    throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'this node has no telemetry feed', [
      { field: 'telemetry', reason: 'telemetry is not available on this node' },
    ]);
  }
  try {
    feed.assertResumable(request);
  } catch (error) {
    if (!(error instanceof EventsGoneError)) throw error;
    throw new ApiError(
      HttpStatus.GONE,
      `${error.message}; subscribe without ${resumeField} and re-read the state`,
      [{ field: resumeField, reason: `must be at least ${error.oldestResumableIndex}` }],
      { error: 'Gone', oldest_resumable_index: error.oldestResumableIndex },
    );
  }
}
