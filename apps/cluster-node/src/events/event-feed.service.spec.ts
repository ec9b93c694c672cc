import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterNodeRuntime, DriverStoppedError } from '@falconmind/consensus';
import { fleetEventId } from '@falconmind/fleet';
import type { DataSource } from 'typeorm';
import { NodeLogger } from '../node-logger';
import { ApiError } from '../common/api-error';
import { EventFeed } from './event-feed.service';
import type { EncodedEvent, EncodedTelemetry, EventSink } from './event-sink';
import { admitEventStream } from './event-stream-admission';
import { EVENT_STREAM_LIMITS, StreamCloseReason } from './event-stream-limits';
import { parseEventStreamRequest } from './event-stream-request';

/**
 * The feed between the driver and the `fleet_events` table. The table is played by rows in memory
 * answering the feed's one query (keyset page after a position, up to an index), so a test can hold
 * a page back and let a client join while it is being read.
 */

interface Row {
  log_index: string;
  position: number;
  type: string;
  data: Record<string, unknown>;
}

class Deferred<T> {
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

/** `fleet_events` rows in memory; each read may be held until the test lets it go. */
class EventTable {
  readonly rows: Row[] = [];
  reads = 0;
  /** Read number → what it waits for before answering. */
  readonly holds = new Map<number, Promise<void>>();
  /** Read number → resolved when that read has started. */
  readonly started = new Map<number, Deferred<void>>();

  add(index: number, count: number): void {
    for (let position = 0; position < count; position++) {
      this.rows.push({
        log_index: String(index),
        position,
        type: 'uav_online',
        data: { uav_id: `uav-${index}-${position}` },
      });
    }
  }

  readStarted(read: number): Promise<void> {
    return this.startOf(read).promise;
  }

  private startOf(read: number): Deferred<void> {
    const started = this.started.get(read) ?? new Deferred<void>();
    this.started.set(read, started);
    return started;
  }

  async query(_sql: string, params: unknown[]): Promise<Row[]> {
    const read = ++this.reads;
    this.startOf(read).resolve();
    await this.holds.get(read);
    const [afterIndex, afterPosition, upTo, limit] = params as [
      number,
      number,
      number | null,
      number,
    ];
    return this.rows
      .filter((row) => {
        const index = Number(row.log_index);
        const after = index > afterIndex || (index === afterIndex && row.position > afterPosition);
        return after && (upTo === null || index <= upTo);
      })
      .slice(0, limit);
  }
}

/** The driver as the feed uses it: the applied index, and a wait for the next one. */
class AppliedIndex {
  applied = 0;
  lastIndex = 0;
  role: 'leader' | 'follower' = 'leader';
  private waiting: Deferred<number> | undefined;
  private stopped = false;

  status(): { stateMachineApplied: number; lastIndex: number; role: string } {
    return {
      stateMachineApplied: this.applied,
      lastIndex: Math.max(this.lastIndex, this.applied),
      role: this.role,
    };
  }

  waitForApplied(): Promise<number> {
    if (this.stopped) return Promise.reject(new DriverStoppedError());
    this.waiting = new Deferred<number>();
    return this.waiting.promise;
  }

  apply(index: number): void {
    this.applied = index;
    this.waiting?.resolve(index);
  }

  stop(): void {
    this.stopped = true;
    this.waiting?.reject(new DriverStoppedError());
  }
}

class RecordingSink implements EventSink {
  readonly sent: string[] = [];
  closedWith: StreamCloseReason | undefined;
  private readonly listeners: Array<() => void> = [];
  private received: Deferred<void> | undefined;
  private expected = 0;

  sendEvent(event: EncodedEvent): void {
    this.sent.push(event.event.id);
    if (this.sent.length >= this.expected) this.received?.resolve();
  }
  sendTelemetry(_sample: EncodedTelemetry): void {}
  heartbeat(): void {}
  bufferedBytes(): number {
    return 0;
  }
  drained(): Promise<void> {
    return Promise.resolve();
  }
  close(reason: StreamCloseReason): void {
    this.closedWith = reason;
    for (const listener of this.listeners.splice(0)) listener();
  }
  onClosed(listener: () => void): void {
    this.listeners.push(listener);
  }
  /** Resolves once `count` events were sent. */
  receivedAtLeast(count: number): Promise<void> {
    this.expected = count;
    this.received = new Deferred<void>();
    if (this.sent.length >= count) this.received.resolve();
    return this.received.promise;
  }
}

function feedOver(table: EventTable, driver: AppliedIndex, eventsMaxSubscribers = 2000): EventFeed {
  const runtime = { driver } as unknown as ClusterNodeRuntime;
  const dataSource = table as unknown as DataSource;
  return new EventFeed(runtime, dataSource, new NodeLogger('test', 'error'), {
    eventsMaxSubscribers,
  });
}

const LIVE = parseEventStreamRequest({}, undefined);

describe('EventFeed', () => {
  it('a client that joins while a batch is read page by page gets every event after where it joined', async () => {
    const pageSize = EVENT_STREAM_LIMITS.replayPageSize;
    const table = new EventTable();
    // One entry with more events than a page: the batch takes two reads.
    table.add(1, pageSize + 100);
    const driver = new AppliedIndex();
    const feed = feedOver(table, driver);
    feed.onApplicationBootstrap();
    const early = new RecordingSink();
    feed.subscribe(LIVE, early);

    const secondPage = new Deferred<void>();
    table.holds.set(2, secondPage.promise);
    const secondReadStarted = table.readStarted(2);
    driver.apply(1);
    await secondReadStarted;
    assert.equal(early.sent.length, pageSize, 'the first page was handed out');

    const late = new RecordingSink();
    const joined = feed.subscribe(LIVE, late).resumePoint;
    secondPage.resolve();
    await early.receivedAtLeast(pageSize + 100);
    await late.receivedAtLeast(1);

    const expected = table.rows
      .filter(
        (row) =>
          Number(row.log_index) > joined.index ||
          (Number(row.log_index) === joined.index && row.position > joined.position),
      )
      .map((row) => fleetEventId(Number(row.log_index), row.position));
    assert.deepEqual(late.sent, expected);
    assert.equal(late.sent.length, 100, 'it joined after the first page, not before it');
    driver.stop();
    feed.onModuleDestroy();
  });

  it('the leader refuses to resume after an index its log has not reached, naming the field', () => {
    const driver = new AppliedIndex();
    driver.applied = 40;
    driver.lastIndex = 42;
    const feed = feedOver(new EventTable(), driver);
    const resumeAfter = (index: string) =>
      parseEventStreamRequest({ from_index: index }, undefined);

    admitEventStream(feed, resumeAfter('42'), 'from_index');
    assert.throws(
      () => admitEventStream(feed, resumeAfter('43-0'), 'from_index'),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.getStatus(), 409);
        assert.deepEqual(
          (error.getResponse() as { details: Array<{ field: string }> }).details.map(
            (d) => d.field,
          ),
          ['from_index'],
        );
        return true;
      },
    );
    // A follower may be behind the cluster: an id it has not reached is still a real one.
    driver.role = 'follower';
    admitEventStream(feed, resumeAfter('43-0'), 'from_index');
  });

  it('once the node is stopping, refuses new streams and closes one admitted just before', () => {
    const driver = new AppliedIndex();
    const feed = feedOver(new EventTable(), driver);
    feed.onApplicationBootstrap();
    const admitted = parseEventStreamRequest({}, undefined);
    admitEventStream(feed, admitted, 'from_index');
    driver.stop();
    feed.onModuleDestroy();

    assert.throws(
      () => admitEventStream(feed, parseEventStreamRequest({}, undefined), 'from_index'),
      (error: unknown) => error instanceof ApiError && error.getStatus() === 503,
    );
    const sink = new RecordingSink();
    feed.subscribe(admitted, sink);
    assert.equal(sink.closedWith, 'shutting_down');
    assert.equal(feed.subscriberCount, 0);
    assert.equal(feed.cutOffs.shutting_down, 1);
  });

  it('refuses a stream beyond EVENTS_MAX_SUBSCRIBERS with a 503 naming the limit, and takes one again once a stream ends', () => {
    const feed = feedOver(new EventTable(), new AppliedIndex(), 2);
    const live = parseEventStreamRequest({}, undefined);
    const first = new RecordingSink();
    for (const sink of [first, new RecordingSink()]) {
      admitEventStream(feed, live, 'from_index');
      feed.subscribe(live, sink);
    }
    assert.throws(
      () => admitEventStream(feed, live, 'from_index'),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.getStatus(), 503);
        assert.match(error.message, /at most 2 event streams \(EVENTS_MAX_SUBSCRIBERS\)/);
        assert.equal((error.getResponse() as { max_subscribers: number }).max_subscribers, 2);
        return true;
      },
    );
    first.close('slow_consumer');
    admitEventStream(feed, live, 'from_index');
  });
});
