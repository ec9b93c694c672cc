import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetEvent, fleetEventId } from '@falconmind/fleet';
import { ApiError } from '../common/api-error';
import { EncodedEvent, EncodedTelemetry, EventSink } from './event-sink';
import { EVENT_STREAM_LIMITS, StreamCloseReason } from './event-stream-limits';
import { parseEventStreamRequest } from './event-stream-request';
import { EventSubscriber } from './event-subscriber';

/** A connection that keeps what it was sent; `buffered` plays the bytes the client has not read. */
class RecordingSink implements EventSink {
  readonly sent: string[] = [];
  buffered = 0;
  closedWith: { reason: StreamCloseReason; lastEventId: string | undefined } | undefined;
  private readonly listeners: Array<() => void> = [];

  sendEvent(event: EncodedEvent): void {
    this.sent.push(event.event.id);
  }
  sendTelemetry(sample: EncodedTelemetry): void {
    this.sent.push(`telemetry:${sample.uavId}`);
  }
  heartbeat(): void {
    this.sent.push('heartbeat');
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  drained(): Promise<void> {
    return Promise.resolve();
  }
  close(reason: StreamCloseReason, _message: string, lastEventId: string | undefined): void {
    this.closedWith = { reason, lastEventId };
    for (const listener of this.listeners.splice(0)) listener();
  }
  onClosed(listener: () => void): void {
    this.listeners.push(listener);
  }
}

function event(index: number, position = 0, missionId = 'm-1'): EncodedEvent {
  const value: FleetEvent = {
    id: fleetEventId(index, position),
    index,
    position,
    type: 'mission_progress',
    data: {
      mission_id: missionId,
      name: 'n',
      mission_type: 'SINGLE_UAV',
      uav_list: ['uav-1'],
      state: 'RUNNING',
      progress: 0.5,
      priority: 0,
      version: 2,
      updated_at: '2030-01-01T00:00:00.000Z',
      started_at: null,
      completed_at: null,
    },
  };
  return new EncodedEvent(value);
}

const LIVE_AT_10 = { index: 10, position: Number.MAX_SAFE_INTEGER };

describe('EventSubscriber', () => {
  it('sends live events after where it joined, each once, in order', () => {
    const sink = new RecordingSink();
    const subscriber = new EventSubscriber(
      parseEventStreamRequest({}, undefined),
      sink,
      LIVE_AT_10,
    );
    for (const e of [event(9), event(10, 1), event(11), event(11), event(12, 0), event(12, 1)]) {
      subscriber.offer(e);
    }
    assert.deepEqual(sink.sent, ['11-0', '12-0', '12-1']);
  });

  it('replays, holds live events meanwhile, then sends them without a gap or a repeat', async () => {
    const sink = new RecordingSink();
    const request = parseEventStreamRequest({}, '5-0');
    const subscriber = new EventSubscriber(request, sink, LIVE_AT_10);
    subscriber.offer(event(9)); // live, while the replay has not reached it
    subscriber.offer(event(11));
    for (const index of [6, 7, 8, 9, 10]) await subscriber.replay(event(index));
    assert.deepEqual(sink.sent, ['6-0', '7-0', '8-0', '9-0', '10-0']);
    subscriber.finishReplay();
    subscriber.offer(event(12));
    assert.deepEqual(sink.sent, ['6-0', '7-0', '8-0', '9-0', '10-0', '11-0', '12-0']);
  });

  it('filters by type, mission and UAV, and still moves on past what it filters out', () => {
    const sink = new RecordingSink();
    const request = parseEventStreamRequest(
      { types: 'mission_progress', mission_id: 'm-2', uav_id: 'uav-1' },
      undefined,
    );
    const subscriber = new EventSubscriber(request, sink, LIVE_AT_10);
    subscriber.offer(event(11, 0, 'm-1'));
    subscriber.offer(event(12, 0, 'm-2'));
    subscriber.offer(event(11, 0, 'm-2')); // already past it
    assert.deepEqual(sink.sent, ['12-0']);
    assert.equal(subscriber.resumePoint.index, 12);
  });

  it('sends telemetry only of the chosen UAVs', () => {
    const sink = new RecordingSink();
    const request = parseEventStreamRequest({ telemetry: 'uav-1,uav-3' }, undefined);
    const subscriber = new EventSubscriber(request, sink, LIVE_AT_10);
    for (const uav of ['uav-1', 'uav-2', 'uav-3']) {
      subscriber.telemetry(new EncodedTelemetry(uav, { uav_id: uav }));
    }
    assert.deepEqual(sink.sent, ['telemetry:uav-1', 'telemetry:uav-3']);
  });

  it('cuts off a client whose unread bytes pass the limit, naming the last event it was sent', () => {
    const sink = new RecordingSink();
    const subscriber = new EventSubscriber(
      parseEventStreamRequest({}, undefined),
      sink,
      LIVE_AT_10,
    );
    subscriber.offer(event(11));
    sink.buffered = EVENT_STREAM_LIMITS.maxBufferedBytes + 1;
    subscriber.offer(event(12));
    assert.deepEqual(sink.closedWith, { reason: 'slow_consumer', lastEventId: '12-0' });
    subscriber.offer(event(13));
    assert.deepEqual(sink.sent, ['11-0', '12-0'], 'nothing after the cut');
    assert.equal(subscriber.isClosed, true);
  });

  it('cuts off a replaying client when too many live events pile up meanwhile', () => {
    const sink = new RecordingSink();
    const subscriber = new EventSubscriber(parseEventStreamRequest({}, '1'), sink, LIVE_AT_10);
    for (let i = 0; i <= EVENT_STREAM_LIMITS.maxPendingEvents; i++) subscriber.offer(event(11 + i));
    assert.equal(sink.closedWith?.reason, 'slow_consumer');
    assert.equal(sink.closedWith?.lastEventId, '1', 'it resumes from where it asked to');
  });
});

describe('parseEventStreamRequest', () => {
  function fieldsOf(query: Record<string, unknown>, lastEventId?: string): string[] {
    try {
      parseEventStreamRequest(query, lastEventId);
    } catch (error) {
      assert.ok(error instanceof ApiError);
      const body = error.getResponse() as { statusCode: number; details: Array<{ field: string }> };
      assert.equal(body.statusCode, 400);
      return body.details.map((d) => d.field);
    }
    return [];
  }

  it('names each bad field', () => {
    assert.deepEqual(fieldsOf({ types: 'mission_created,nope' }), ['types']);
    assert.deepEqual(fieldsOf({ mission_id: 'a b' }), ['mission_id']);
    assert.deepEqual(fieldsOf({ uav_id: ['a', 'b'] }), ['uav_id']);
    assert.deepEqual(fieldsOf({ telemetry: ',' }), ['telemetry']);
    assert.deepEqual(fieldsOf({ from_index: '12-x' }), ['from_index']);
    assert.deepEqual(fieldsOf({}, 'abc'), ['Last-Event-ID']);
    assert.deepEqual(fieldsOf({ types: 'x', from_index: 'y' }), ['types', 'from_index']);
  });

  it('takes Last-Event-ID over from_index, as EventSource resends it on reconnect', () => {
    const request = parseEventStreamRequest({ from_index: '3' }, '42-1');
    assert.deepEqual(request.after, { index: 42, position: 1 });
    assert.deepEqual(parseEventStreamRequest({ from_index: '3' }, undefined).after, {
      index: 3,
      position: Number.MAX_SAFE_INTEGER,
    });
    assert.equal(parseEventStreamRequest({}, undefined).after, undefined);
  });
});
