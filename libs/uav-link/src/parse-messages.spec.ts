import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseCommandAck,
  parseJsonObject,
  parseMissionStatus,
  parseUavCommand,
  parseUavEvent,
  Parsed,
} from './parse-messages';

function fields<T>(parsed: Parsed<T>): string[] {
  assert.equal(parsed.ok, false, 'the message is refused');
  return parsed.ok ? [] : parsed.problems.map((p) => p.field);
}

const dispatch = {
  command_id: '12-u1',
  uav_id: 'u1',
  seq: 1,
  term: 2,
  kind: 'mission',
  action: 'dispatch',
  mission_id: 'm1',
  mission: {
    name: 'survey',
    mission_type: 'SINGLE_UAV',
    uav_list: ['u1'],
    payload: { search_params: { pattern: 'SPIRAL' } },
    priority: 1,
  },
  issued_at: '2030-01-01T00:00:00.000Z',
};

describe('parseJsonObject', () => {
  it('takes a JSON object and refuses anything else', () => {
    assert.deepEqual(parseJsonObject(Buffer.from('{"a":1}')), { ok: true, value: { a: 1 } });
    assert.deepEqual(fields(parseJsonObject('not json')), ['']);
    assert.deepEqual(fields(parseJsonObject('[1]')), ['']);
    assert.deepEqual(fields(parseJsonObject('null')), ['']);
  });
});

describe('parseUavCommand', () => {
  it('takes a dispatch with its mission', () => {
    const parsed = parseUavCommand(dispatch, 'u1');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, dispatch);
  });

  it('takes a cancel without mission details', () => {
    const { mission: _mission, ...rest } = dispatch;
    const parsed = parseUavCommand({ ...rest, kind: 'command', action: 'cancel' }, 'u1');
    assert.ok(parsed.ok);
  });

  it('names each bad field', () => {
    assert.deepEqual(
      fields(
        parseUavCommand(
          { ...dispatch, seq: 0, term: 1.5, kind: 'command', mission: undefined, uav_id: 'u2' },
          'u1',
        ),
      ),
      ['uav_id', 'seq', 'term', 'kind', 'mission'],
    );
    assert.deepEqual(fields(parseUavCommand({}, 'u1')), [
      'command_id',
      'uav_id',
      'seq',
      'term',
      'action',
      'kind',
      'mission_id',
      'issued_at',
    ]);
  });
});

describe('parseCommandAck', () => {
  it('takes an ack and fills the UAV from the topic', () => {
    const parsed = parseCommandAck({ command_id: '12-u1', seq: 1, status: 'executed' }, 'u1');
    assert.deepEqual(parsed, {
      ok: true,
      value: { command_id: '12-u1', uav_id: 'u1', seq: 1, status: 'executed' },
    });
  });

  it('refuses an ack for another UAV or with an unknown status', () => {
    assert.deepEqual(
      fields(parseCommandAck({ command_id: 'c', uav_id: 'u2', seq: 1, status: 'ok' }, 'u1')),
      ['uav_id', 'status'],
    );
  });
});

describe('parseMissionStatus', () => {
  it('takes a report', () => {
    const report = { mission_id: 'm1', progress: 0.5, state: 'RUNNING', report_seq: 3 };
    assert.deepEqual(parseMissionStatus(report), { ok: true, value: report });
  });

  it('refuses progress outside 0..1, an unknown state, a missing report_seq', () => {
    assert.deepEqual(fields(parseMissionStatus({ mission_id: 'm1', progress: 2, state: 'DONE' })), [
      'progress',
      'state',
      'report_seq',
    ]);
  });
});

describe('parseUavEvent', () => {
  it('takes an event, info by default', () => {
    assert.deepEqual(parseUavEvent({ event: 'low_battery', data: { percent: 9 } }), {
      ok: true,
      value: { event: 'low_battery', severity: 'info', data: { percent: 9 } },
    });
  });

  it('refuses a nameless event and bad data', () => {
    assert.deepEqual(fields(parseUavEvent({ severity: 'fatal', data: 3 })), [
      'event',
      'severity',
      'data',
    ]);
  });
});
