import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  awaitAgreement,
  call,
  callRetrying,
  HttpAnswer,
  missionBody,
  startCluster,
} from '../../../test/support/cluster';
import { dropDatabases, NodeProcess, waitFor } from '../../../test/support/node-process';
import { SseClient, SseEvent, SseRefused } from '../../../test/support/sse-client';

/**
 * Live events end to end on three real nodes (docs/events.md): the same sequence on every node,
 * over SSE and WebSocket; a reconnect with Last-Event-ID gets exactly what it missed; a client that
 * stops reading is cut off with a reason.
 */

interface StreamedEvent {
  readonly id: string;
  readonly index: number;
  readonly position: number;
  readonly type: string;
  readonly data: { mission_id?: string; uav_id?: string; uav_list?: string[] };
}

type Json = Record<string, unknown>;

function parsed(event: SseEvent): StreamedEvent {
  return JSON.parse(event.data) as StreamedEvent;
}

function show(answer: HttpAnswer<unknown>): string {
  return `${answer.status} ${JSON.stringify(answer.body)}`;
}

/** Events about the given missions and UAVs, as `id type` lines (what every node must agree on). */
function about(events: readonly StreamedEvent[], ids: ReadonlySet<string>): string[] {
  return events
    .filter((e) => ids.has(e.data.mission_id ?? '') || ids.has(e.data.uav_id ?? ''))
    .map((e) => `${e.id} ${e.type}`);
}

/** A WebSocket subscriber that keeps the events it receives. */
class WsClient {
  readonly events: StreamedEvent[] = [];
  readonly telemetry: Json[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as StreamedEvent;
      if (message.id !== undefined) this.events.push(message);
      else if (message.type === 'telemetry') this.telemetry.push(message.data);
    });
    socket.on('close', (code: number) => (this.closeCode = code));
  }

  static open(node: NodeProcess, query = ''): Promise<WsClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${node.spec.httpPort}/ws${query}`);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => reject(new SseRefused(response.statusCode ?? 0, body)));
      });
      socket.once('error', reject);
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

/**
 * Sends a raw upgrade request and gives what the node answered once it closed the connection;
 * rejects if the node leaves it open (10 s is far beyond the node's own handling).
 */
function rawUpgrade(node: NodeProcess, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(node.spec.httpPort, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the node left the connection for ${target} open; it sent ${answer}`));
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

/** One series of a metric in the node's Prometheus text, 0 when absent. */
async function metric(node: NodeProcess, name: string, labels = ''): Promise<number> {
  const response = await fetch(`${node.url}/metrics`);
  assert.equal(response.status, 200);
  const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function ok(answer: Promise<HttpAnswer<Json>>, status = 200): Promise<Json> {
  const got = await answer;
  assert.equal(got.status, status, show(got));
  return got.body;
}

describe('live events on a three-node cluster', { timeout: 240_000 }, () => {
  let nodes: NodeProcess[] = [];
  const opened: Array<{ close(): void }> = [];

  function sse(node: NodeProcess, query = '', headers: Record<string, string> = {}) {
    return SseClient.connect(`${node.url}/events${query}`, headers).then((client) => {
      opened.push(client);
      return client;
    });
  }

  before(async () => {
    nodes = await startCluster(['events1', 'events2', 'events3'], {});
    await awaitAgreement(nodes);
  });

  after(async () => {
    for (const client of opened) client.close();
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it('refuses bad filters and event ids with a 400 naming the field', async () => {
    const [a] = nodes;
    for (const [query, field] of [
      ['?types=mission_created,mission_exploded', 'types'],
      ['?from_index=yesterday', 'from_index'],
      ['?uav_id=not%20an%20id', 'uav_id'],
    ]) {
      const answer = await call<Json>(a, 'GET', `/events${query}`);
      assert.equal(answer.status, 400, `${query}: ${show(answer)}`);
      const details = answer.body.details as Array<{ field: string }>;
      assert.deepEqual(
        details.map((d) => d.field),
        [field],
      );
    }
    await assert.rejects(WsClient.open(a, '?types=nope'), (error: unknown) => {
      assert.ok(error instanceof SseRefused);
      assert.equal(error.status, 400);
      assert.match(error.body, /"field":"types"/);
      return true;
    });
  });

  it('answers an upgrade whose request target is not a URL with a 400, and stays up', async () => {
    const [a] = nodes;
    const answer = await rawUpgrade(a, '//x:99999/ws');
    assert.match(answer, /^HTTP\/1\.1 400 /, answer);
    assert.match(answer, /"field":"url"/);
    assert.ok(a.running, 'the node is still running');
    assert.equal((await call<Json>(a, 'GET', '/health/live')).status, 200);
  });

  it('answers an upgrade on a path other than /ws with a 404 and closes the connection', async () => {
    const answer = await rawUpgrade(nodes[0], '/not-ws');
    assert.match(answer, /^HTTP\/1\.1 404 /, answer);
    assert.match(answer, /"field":"path"/);
  });

  it('documents /events in the OpenAPI document', async () => {
    const answer = await call<{ paths: Record<string, { get?: Json }> }>(
      nodes[0],
      'GET',
      '/docs-json',
    );
    assert.equal(answer.status, 200);
    const operation = answer.body.paths['/events']?.get as
      { parameters: Array<{ name: string }>; responses: Record<string, Json> } | undefined;
    assert.ok(operation, 'GET /events is in the document');
    assert.deepEqual(operation.parameters.map((p) => p.name).sort(), [
      'Last-Event-ID',
      'from_index',
      'mission_id',
      'telemetry',
      'types',
      'uav_id',
    ]);
    assert.deepEqual(Object.keys(operation.responses).sort(), ['200', '400', '409', '410', '503']);
  });

  it('sends the same events in the same order on every node, over SSE and WebSocket', async () => {
    const [a, b, c] = nodes;
    const onA = await sse(a);
    const onB = await sse(b);
    const onC = await WsClient.open(c);
    opened.push(onC);

    const uav = 'ev-uav-1';
    const first = 'ev-m-1';
    const second = 'ev-m-2';
    await ok(callRetrying<Json>(a, 'POST', `/uavs/${uav}/register`, { battery: 90 }));
    await ok(callRetrying<Json>(b, 'POST', '/missions', missionBody(first, uav)), 201);
    await ok(call<Json>(c, 'POST', `/missions/${first}/dispatch`));
    await ok(call<Json>(a, 'POST', `/missions/${first}/pause`));
    await ok(call<Json>(b, 'POST', `/missions/${first}/resume`));
    await ok(call<Json>(c, 'POST', `/missions/${first}/progress`, { progress: 0.5 }));
    // Refused (already running): changes nothing, so no event.
    assert.equal((await call<Json>(a, 'POST', `/missions/${first}/dispatch`)).status, 409);
    await ok(
      call<Json>(a, 'POST', `/missions/${first}/progress`, { progress: 1, state: 'SUCCEEDED' }),
    );
    await ok(callRetrying<Json>(b, 'POST', '/missions', missionBody(second, uav)), 201);
    await ok(call<Json>(c, 'POST', `/missions/${second}/cancel`));

    const ids = new Set([uav, first, second]);
    const expected = [
      'uav_registered',
      'mission_created',
      'mission_dispatched',
      'mission_paused',
      'mission_resumed',
      'mission_progress',
      'mission_succeeded',
      'mission_created',
      'mission_cancelled',
    ];
    const seenOnA = () => about(onA.logEvents().map(parsed), ids);
    await onA.waitFor('all events on A', () => seenOnA().length >= expected.length);
    await onB.waitFor(
      'all events on B',
      (events) => about(events.filter((e) => e.id).map(parsed), ids).length >= expected.length,
    );
    await waitFor('all events over WebSocket', 20_000, () =>
      Promise.resolve(about(onC.events, ids).length >= expected.length),
    );

    const sequence = seenOnA();
    assert.deepEqual(
      sequence.map((line) => line.split(' ')[1]),
      expected,
    );
    assert.deepEqual(about(onB.logEvents().map(parsed), ids), sequence, 'node B agrees with A');
    assert.deepEqual(about(onC.events, ids), sequence, 'the WebSocket on C agrees with A');
    // The SSE id is the event's own id, and ids rise strictly.
    for (const event of onA.logEvents()) assert.equal(event.id, parsed(event).id);
    const indexes = onA.logEvents().map((e) => parsed(e));
    for (let i = 1; i < indexes.length; i++) {
      const [p, q] = [indexes[i - 1], indexes[i]];
      assert.ok(q.index > p.index || (q.index === p.index && q.position > p.position));
    }
    // Filters: one mission's events only.
    const filtered = await sse(b, `?mission_id=${first}&from_index=0`);
    await filtered.waitFor('the first mission replayed', (events) => events.length >= 6);
    assert.deepEqual(
      filtered.logEvents().map((e) => `${e.id} ${e.event}`),
      sequence.filter((line) => !line.endsWith('uav_registered')).slice(0, 6),
    );
  });

  it('a reconnect with Last-Event-ID, on another node, gets exactly the missed events', async () => {
    const [a, b, c] = nodes;
    const uav = 'rc-uav';
    const continuous = await sse(c, `?uav_id=${uav}`);
    const interrupted = await sse(b, `?uav_id=${uav}`);
    await ok(callRetrying<Json>(a, 'POST', `/uavs/${uav}/register`, { battery: 50 }));
    for (let i = 0; i < 3; i++) {
      const id = `rc-m-${i}`;
      await ok(callRetrying<Json>(a, 'POST', '/missions', missionBody(id, uav)), 201);
    }
    await interrupted.waitFor('the first four events', (events) => events.length >= 4);
    interrupted.close();
    const lastId = interrupted.logEvents()[3].id!;

    for (let i = 3; i < 8; i++) {
      const id = `rc-m-${i}`;
      await ok(callRetrying<Json>(b, 'POST', '/missions', missionBody(id, uav)), 201);
      await ok(call<Json>(c, 'POST', `/missions/${id}/cancel`));
    }
    await continuous.waitFor('all fourteen events', (events) => events.length >= 14);
    const all = continuous.logEvents().map((e) => `${e.id} ${e.event}`);
    const missed = all.slice(all.findIndex((line) => line.startsWith(`${lastId} `)) + 1);
    assert.equal(missed.length, 10);

    const resumed = await sse(a, `?uav_id=${uav}`, { 'Last-Event-ID': lastId });
    await resumed.waitFor('the missed events', (events) => events.length >= missed.length);
    assert.deepEqual(
      resumed.logEvents().map((e) => `${e.id} ${e.event}`),
      missed,
    );
    // from_index does the same (by index: everything after that entry).
    const byIndex = await sse(c, `?uav_id=${uav}&from_index=${lastId.split('-')[0]}`);
    await byIndex.waitFor('the missed events again', (events) => events.length >= missed.length);
    assert.deepEqual(
      byIndex.logEvents().map((e) => `${e.id} ${e.event}`),
      missed,
    );
    // And a live write after the replay arrives once, after it.
    await ok(callRetrying<Json>(a, 'POST', '/missions', missionBody('rc-m-last', uav)), 201);
    await resumed.waitFor('the live event', (events) => events.length >= missed.length + 1);
    await continuous.waitFor('the live event', (events) => events.length >= all.length + 1);
    assert.deepEqual(
      resumed.logEvents().map((e) => `${e.id} ${e.event}`),
      continuous
        .logEvents()
        .map((e) => `${e.id} ${e.event}`)
        .slice(all.length - missed.length),
    );
  });

  it('carries the telemetry of the chosen UAVs on request, without an event id', async () => {
    const [a, b] = nodes;
    const onB = await sse(b, '?telemetry=tel-ev-1&types=uav_offline');
    const onA = await WsClient.open(a, '?telemetry=tel-ev-1&types=uav_offline');
    opened.push(onA);
    const timestampNs = (BigInt(Date.now()) * 1_000_000n).toString();
    const sample = (uavId: string): Json => ({
      uav_id: uavId,
      timestamp_ns: timestampNs,
      position: { lat: 48.1, lon: 11.5, alt: 120 },
      attitude: { roll: 0, pitch: 0.1, yaw: 1.5 },
      velocity: { vx: 3, vy: 0, vz: -0.2 },
      battery: { percent: 77, voltage_mv: 15_600 },
      gps: { fix_type: 3, num_sat: 11 },
      link_quality: 0.9,
      flight_mode: 'AUTO',
    });
    const posted = await call<Json>(a, 'POST', '/ingress/telemetry', [
      sample('tel-ev-2'),
      sample('tel-ev-1'),
    ]);
    assert.equal(posted.status, 202, show(posted));

    // B gets it from its peer A (shared outside Raft); A from its own ingress.
    await onB.waitFor('telemetry on B', (events) => events.some((e) => e.event === 'telemetry'));
    await waitFor('telemetry over WebSocket on A', 20_000, () =>
      Promise.resolve(onA.telemetry.length > 0),
    );
    const [fromB] = onB.events.filter((e) => e.event === 'telemetry');
    assert.equal(fromB.id, undefined, 'telemetry is not in the log: no id');
    const data = (JSON.parse(fromB.data) as { type: string; data: Json }).data;
    assert.deepEqual([data.uav_id, data.timestamp_ns], ['tel-ev-1', timestampNs]);
    assert.deepEqual(
      onA.telemetry.map((t) => [t.uav_id, t.timestamp_ns]),
      [['tel-ev-1', timestampNs]],
    );
    assert.ok(onB.events.every((e) => e.event !== 'telemetry' || e.data.includes('"tel-ev-1"')));
  });

  it('cuts off a subscriber that stops reading, telling it why and where it stopped', async () => {
    const [a, b] = nodes;
    const slow = await sse(a, '?types=mission_created');
    slow.pause();
    // Large events (100 long UAV ids each) fill the socket buffers quickly.
    const uavList = Array.from({ length: 100 }, (_, i) => `slow-uav-${'x'.repeat(100)}-${i}`);
    const cutOffs = (): Promise<number> =>
      metric(a, 'falconmind_event_streams_cut_off_total', '{reason="slow_consumer"}');
    const cutOffsBefore = await cutOffs();
    let cut = false;
    let created = 0;
    const writer = async (worker: number): Promise<void> => {
      for (let i = worker; i < 1200 && !cut; i += 16) {
        const body = missionBody(`slow-${i}`, uavList[0], {
          mission_type: 'MULTI_UAV',
          uav_list: uavList,
        });
        await ok(callRetrying<Json>(b, 'POST', '/missions', body), 201);
        created++;
      }
    };
    const watcher = async (): Promise<void> => {
      while (!cut && created < 1200) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        cut = (await cutOffs()) > cutOffsBefore;
      }
    };
    await Promise.all([watcher(), ...Array.from({ length: 16 }, (_, worker) => writer(worker))]);
    assert.ok(cut, `the node counted the cut-off (after ${created} missions)`);
    slow.resume();
    await Promise.race([
      slow.ended,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`not cut off after ${created} missions`)), 60_000),
      ),
    ]);
    const last = slow.events[slow.events.length - 1];
    assert.equal(last.event, 'error', `the stream ends with an error event (${created} written)`);
    const reason = JSON.parse(last.data) as { reason: string; last_event_id: string };
    assert.equal(reason.reason, 'slow_consumer');
    const received = slow.logEvents();
    assert.ok(received.length > 0 && received.length < created, `${received.length} of ${created}`);
    assert.equal(reason.last_event_id, received[received.length - 1].id);
    // The node keeps serving others.
    const after = await sse(a, '?types=mission_created&from_index=' + reason.last_event_id);
    await after.waitFor('the rest after the cut', (events) => events.length >= 1);
  });
});
