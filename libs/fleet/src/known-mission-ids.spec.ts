import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureSnapshot } from '@falconmind/consensus/testing/captured-snapshot';
import { inJsonbKeyOrder } from './jsonb-key-order';
import { KnownMissionIds } from './known-mission-ids';
import { createMission, FleetNode, SQUARE } from './testing/fleet-test-kit';

/**
 * A create of a new mission id is decided from the applier's set of known ids, without reading
 * PostgreSQL; these check that what it answers is what PostgreSQL would have given, and that the
 * set never lags behind the table (the apply-run spec checks whole seeded logs against `apply`).
 */
describe('creates decided from the known mission ids', () => {
  let node: FleetNode;
  let other: FleetNode;

  before(async () => {
    node = await FleetNode.create();
    other = await FleetNode.create();
  });

  after(async () => {
    await node.drop();
    await other.drop();
  });

  it("orders a payload's keys as jsonb does, as PostgreSQL gives them back", async () => {
    // Lengths first, then UTF-8 bytes (which order U+E000 before a surrogate pair, unlike UTF-16),
    // array-index keys, and a "__proto__" key, nested in arrays and objects.
    const payload = JSON.parse(
      JSON.stringify({
        zz: 1,
        b: { yy: [{ '\uE000a': 1, '\u{10000}': 2 }], a: null },
        ab: 'x',
        '10': 3,
        '2': 4,
        é: true,
        z: -0.5,
        search_params: { pattern: 'LAWN_MOWER', overlap: 0.25, spacing: 2 },
      }).replace('"zz":1', '"zz":1,"__proto__":{"k":1}'),
    ) as Record<string, unknown>;
    const rows = await node.database.dataSource.query<Array<{ value: unknown }>>(
      'SELECT $1::jsonb AS value',
      [JSON.stringify(payload)],
    );
    assert.equal(JSON.stringify(inJsonbKeyOrder(payload)), JSON.stringify(rows[0].value));
    assert.notEqual(JSON.stringify(payload), JSON.stringify(rows[0].value), 'the order differs');
  });

  it('answers a create as reading the row back would, and a later read agrees', async () => {
    const command = createMission('known-1', {
      payload: {
        search_params: { spacing: 3, pattern: 'LAWN_MOWER', overlap: 0.1 },
        search_area: SQUARE,
      },
    });
    const [outcome] = await node.applyAll([command]);
    assert.equal(outcome.status, 'applied', JSON.stringify(outcome));
    const stored = await node.database.dataSource.query<Array<{ payload: unknown }>>(
      "SELECT payload FROM missions WHERE mission_id = 'known-1'",
    );
    const result =
      outcome.status === 'applied' ? (outcome.result as { payload: unknown }) : undefined;
    assert.equal(JSON.stringify(result?.payload), JSON.stringify(stored[0].payload));
    assert.notEqual(JSON.stringify(result?.payload), JSON.stringify(command.payload));
  });

  it('sees what a snapshot installed: a create of an id the image holds is not taken for new', async () => {
    await other.ok(createMission('from-image', { name: 'the first body' }));
    const image = await captureSnapshot(other.machine);
    // The set of `node` is loaded (it applied a create above) and knows nothing of "from-image".
    await node.ok(createMission('before-install'));
    await node.machine.restore(image.index, image.replay());
    await node.resync();
    const outcome = await node.apply(createMission('from-image', { name: 'another body' }));
    assert.equal(outcome.status, 'rejected');
    const same = await node.apply(createMission('from-image', { name: 'the first body' }));
    assert.equal(same.status, 'applied');
    // And the ids the image did not hold are new again.
    const again = await node.apply(createMission('before-install'));
    assert.equal(again.status, 'applied');
  });

  it('is not kept for more missions than its limit, and says no id is new then', async () => {
    const db = node.database.dataSource.manager;
    const count = (await db.query<Array<{ n: string }>>('SELECT count(*) AS n FROM missions'))[0].n;
    const atLimit = new KnownMissionIds(Number(count));
    await atLimit.load(db);
    assert.equal(atLimit.isNew('no-such-mission'), true);
    atLimit.added('one-more');
    assert.equal(atLimit.isNew('no-such-mission'), false, 'past the limit: dropped');
    const below = new KnownMissionIds(Number(count) - 1);
    await below.load(db);
    assert.equal(below.isNew('no-such-mission'), false, 'too many to load');
    below.forget();
    await below.load(db);
    assert.equal(below.isNew('no-such-mission'), false, 'still too many after forgetting');
  });

  it('keeps up with deletes and creates of the same id within one batch', async () => {
    const id = 'churn';
    const create = createMission(id);
    const outcomes = await node.applyAll([
      create,
      { type: 'CancelMission', mission_id: id, at: create.at },
      { type: 'DeleteMission', mission_id: id, at: create.at },
      createMission(id, { name: 'created again' }),
      createMission(id, { name: 'created again' }),
      createMission(id, { name: 'a third body' }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['applied', 'applied', 'applied', 'applied', 'applied', 'rejected'],
    );
    const rows = await node.database.dataSource.query<Array<{ name: string }>>(
      'SELECT name FROM missions WHERE mission_id = $1',
      [id],
    );
    assert.deepEqual(rows, [{ name: 'created again' }]);
  });
});
