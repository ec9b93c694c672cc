import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FleetCommand } from '../commands';
import { getUav } from '../queries';
import { parseFleetRejection } from '../rejection';
import {
  action,
  at,
  createMission,
  FleetNode,
  progress,
  registerUav,
} from '../testing/fleet-test-kit';
import { validateFleetCommand } from '../validation';
import { pendingUavCommandHeads, uavCommandMissions, uavCommandsOf } from './outbox-queries';
import type { UavCommandRow } from './uav-command';

let node: FleetNode;

before(async () => {
  node = await FleetNode.create();
  await node.ok(registerUav('ob-1'));
  await node.ok(registerUav('ob-2'));
  await node.ok(registerUav('ob-3'));
});

after(async () => {
  await node.drop();
});

function commandsOf(uavId: string): Promise<UavCommandRow[]> {
  return uavCommandsOf(node.database.dataSource, uavId);
}

function ack(commandId: string, uavId: string, status = 'executed', seq?: number): FleetCommand {
  return {
    type: 'AckUavCommand',
    command_id: commandId,
    uav_id: uavId,
    status,
    ...(seq === undefined ? {} : { seq }),
    at: at(3),
  } as FleetCommand;
}

function flag(commandId: string, uavId: string, tries = 10): FleetCommand {
  return { type: 'FlagUavCommand', command_id: commandId, uav_id: uavId, tries, at: at(4) };
}

describe('the UAV command outbox', () => {
  it('a dispatch writes one PENDING command per UAV, with the mission, ids from the log index', async () => {
    await node.ok(
      createMission('ob-m1', { mission_type: 'MULTI_UAV', uav_list: ['ob-1', 'ob-2'] }),
    );
    await node.ok(action('DispatchMission', 'ob-m1'));
    const index = node.appliedIndex;
    const [first] = await commandsOf('ob-1');
    const [second] = await commandsOf('ob-2');
    assert.equal(first.command_id, `${index}-1`);
    assert.equal(second.command_id, `${index}-2`);
    assert.deepEqual(
      { ...first, mission: undefined },
      {
        command_id: `${index}-1`,
        uav_id: 'ob-1',
        seq: 1,
        action: 'dispatch',
        mission_id: 'ob-m1',
        mission: undefined,
        issued_at: at(1),
        log_index: index,
        state: 'PENDING',
        ack_status: null,
        acked_at: null,
        flagged_at: null,
        tries: null,
      },
    );
    assert.deepEqual(first.mission, {
      name: 'Mission ob-m1',
      mission_type: 'MULTI_UAV',
      uav_list: ['ob-1', 'ob-2'],
      payload: createMission('x').payload,
      priority: 0,
    });
  });

  it('pause, resume and cancel follow with the next seq of each UAV, without mission details', async () => {
    await node.ok(action('PauseMission', 'ob-m1'));
    await node.ok(action('ResumeMission', 'ob-m1'));
    await node.ok(action('CancelMission', 'ob-m1'));
    for (const uavId of ['ob-1', 'ob-2']) {
      const rows = await commandsOf(uavId);
      assert.deepEqual(
        rows.map((r) => [r.seq, r.action, r.mission]),
        [
          [1, 'dispatch', rows[0].mission],
          [2, 'pause', null],
          [3, 'resume', null],
          [4, 'cancel', null],
        ],
      );
    }
  });

  it('the leader sends only the head of each UAV: its pending command of lowest seq', async () => {
    const { heads } = await pendingUavCommandHeads(node.database.dataSource);
    assert.deepEqual(
      heads.map((h) => [h.uav_id, h.seq]),
      [
        ['ob-1', 1],
        ['ob-2', 1],
      ],
    );
  });

  it('heads come a page at a time from a cursor that wraps, without mission details', async () => {
    const db = node.database.dataSource;
    const first = await pendingUavCommandHeads(db, '', 1);
    assert.deepEqual(
      first.heads.map((h) => [h.uav_id, h.seq]),
      [['ob-1', 1]],
    );
    assert.deepEqual([first.after, first.through, first.next], ['', 'ob-1', 'ob-1']);
    assert.equal('mission' in first.heads[0] && first.heads[0].mission !== null, false);
    const second = await pendingUavCommandHeads(db, first.next, 1);
    assert.deepEqual(
      second.heads.map((h) => h.uav_id),
      ['ob-2'],
    );
    const last = await pendingUavCommandHeads(db, second.next, 1);
    assert.deepEqual([last.heads, last.through, last.next], [[], null, '']);
    const missions = await uavCommandMissions(db, [first.heads[0].command_id]);
    assert.equal(missions.get(first.heads[0].command_id)?.name, 'Mission ob-m1');
  });

  it('an ack marks the command ACKED; acking again changes nothing', async () => {
    const [dispatch] = await commandsOf('ob-1');
    const acked = await node.ok<UavCommandRow>(ack(dispatch.command_id, 'ob-1'));
    assert.equal(acked.state, 'ACKED');
    assert.equal(acked.ack_status, 'executed');
    assert.equal(acked.acked_at, at(3));
    const before = await node.dump();
    const again = await node.ok<UavCommandRow>(ack(dispatch.command_id, 'ob-1', 'duplicate'));
    assert.deepEqual(again, acked, 'the first acknowledgement stays');
    assert.deepEqual(await node.dump(), before);
    const { heads } = await pendingUavCommandHeads(node.database.dataSource);
    assert.deepEqual(
      heads.map((h) => [h.uav_id, h.seq]),
      [
        ['ob-1', 2],
        ['ob-2', 1],
      ],
    );
  });

  it('an ack for an unknown command, or from another UAV, is refused and changes nothing', async () => {
    const [dispatch] = await commandsOf('ob-2');
    for (const command of [ack('999-1', 'ob-2'), ack(dispatch.command_id, 'ob-1')]) {
      const before = await node.dump();
      const rejection = parseFleetRejection(await node.apply(command));
      assert.equal(rejection?.code, 'not_found');
      assert.deepEqual(await node.dump(), before);
    }
  });

  it('flagging a pending command marks it FLAGGED and the UAV ERROR; a late ack still counts', async () => {
    const [dispatch] = await commandsOf('ob-2');
    const flagged = await node.ok<UavCommandRow>(flag(dispatch.command_id, 'ob-2', 10));
    assert.equal(flagged.state, 'FLAGGED');
    assert.equal(flagged.tries, 10);
    assert.equal(flagged.flagged_at, at(4));
    assert.equal((await getUav(node.database.dataSource, 'ob-2'))?.status, 'ERROR');
    const late = await node.ok<UavCommandRow>(ack(dispatch.command_id, 'ob-2'));
    assert.equal(late.state, 'ACKED');
  });

  it('an ack naming another seq than the command is refused and changes nothing', async () => {
    const [, pause] = await commandsOf('ob-1');
    const before = await node.dump();
    const rejection = parseFleetRejection(
      await node.apply(ack(pause.command_id, 'ob-1', 'executed', 3)),
    );
    assert.equal(rejection?.code, 'conflict');
    assert.match(rejection?.message ?? '', /has seq 2, not 3/);
    assert.deepEqual(await node.dump(), before);
    const acked = await node.ok<UavCommandRow>(ack(pause.command_id, 'ob-1', 'executed', 2));
    assert.equal(acked.state, 'ACKED');
  });

  it('a late duplicate of a flagged command leaves it FLAGGED (a later seq may have run instead)', async () => {
    const [, pause] = await commandsOf('ob-2');
    await node.ok(flag(pause.command_id, 'ob-2', 10));
    const before = await node.dump();
    const row = await node.ok<UavCommandRow>(ack(pause.command_id, 'ob-2', 'duplicate', 2));
    assert.equal(row.state, 'FLAGGED');
    assert.deepEqual(await node.dump(), before);
  });

  it('flagging an acknowledged command changes nothing', async () => {
    const [dispatch] = await commandsOf('ob-1');
    const before = await node.dump();
    const row = await node.ok<UavCommandRow>(flag(dispatch.command_id, 'ob-1'));
    assert.equal(row.state, 'ACKED');
    assert.deepEqual(await node.dump(), before);
  });

  it('refused actions, progress reports and cancelling a mission never dispatched write nothing', async () => {
    await node.ok(createMission('ob-m2', { uav_list: ['ob-3'] }));
    const before = await node.dump();
    await node.apply(action('PauseMission', 'ob-m2'));
    assert.deepEqual(await node.dump(), before, 'a refused pause');
    await node.ok(action('CancelMission', 'ob-m2'));
    assert.deepEqual(await commandsOf('ob-3'), []);
    await node.ok(createMission('ob-m3', { uav_list: ['ob-3'] }));
    await node.ok(action('DispatchMission', 'ob-m3'));
    await node.ok(progress('ob-m3', 0.5));
    assert.deepEqual(
      (await commandsOf('ob-3')).map((r) => r.action),
      ['dispatch'],
    );
  });

  it('a replayed action (same idempotency key) writes no second command', async () => {
    await node.ok(action('PauseMission', 'ob-m3', { idempotency_key: 'pause-ob-m3' }));
    await node.ok(action('PauseMission', 'ob-m3', { idempotency_key: 'pause-ob-m3' }));
    assert.deepEqual(
      (await commandsOf('ob-3')).map((r) => [r.seq, r.action]),
      [
        [1, 'dispatch'],
        [2, 'pause'],
      ],
    );
  });

  it('validates the outbox commands like the others, naming each field', () => {
    assert.deepEqual(
      validateFleetCommand({
        type: 'AckUavCommand',
        at: at(0),
        command_id: '',
        uav_id: 'u',
        status: 'ok',
        seq: 0,
      }).map((p) => p.field),
      ['command_id', 'status', 'seq'],
    );
    assert.deepEqual(
      validateFleetCommand({
        type: 'FlagUavCommand',
        at: 'soon',
        command_id: '1-1',
        uav_id: 'u',
        tries: 0,
        x: 1,
      }).map((p) => p.field),
      ['x', 'at', 'tries'],
    );
  });
});

describe('outbox determinism', () => {
  it('two nodes applying the same entries store identical outboxes', async () => {
    const a = await FleetNode.create();
    const b = await FleetNode.create();
    try {
      const commands: FleetCommand[] = [
        registerUav('d-1'),
        registerUav('d-2'),
        createMission('d-m', { mission_type: 'MULTI_UAV', uav_list: ['d-2', 'd-1'] }),
        action('DispatchMission', 'd-m'),
        action('PauseMission', 'd-m'),
        ack('4-1', 'd-2'),
        flag('4-2', 'd-1'),
        action('CancelMission', 'd-m'),
      ];
      for (const command of commands) {
        await a.apply(command);
        await b.apply(command);
      }
      const dumpA = await a.dump();
      assert.equal(dumpA.uav_commands.length, 6);
      assert.deepEqual(await b.dump(), dumpA);
    } finally {
      await a.drop();
      await b.drop();
    }
  });
});
