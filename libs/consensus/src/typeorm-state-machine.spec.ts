import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeConfChange, Entry } from '@falconmind/raft';
import { encodeMemberAddress } from './cluster-members';
import { CONSENSUS_ENTITIES, CONSENSUS_MIGRATIONS } from './node-migrations';
import { encodeEnvelope, newRequestId } from './proposal-envelope';
import { TestDatabase } from './testing/test-database';
import { CommandApplier, TypeormStateMachine } from './typeorm-state-machine';
import { captureSnapshot } from './testing/captured-snapshot';
import { COPY_CHUNK_BYTES } from './copy-image';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A command applier over one table, `notes(key text primary key, value text)`. */
const notesApplier: CommandApplier = {
  tables: ['notes'],
  async apply(manager, _entry, envelope) {
    const { key, value } = JSON.parse(decoder.decode(envelope.payload)) as {
      key: string;
      value: string;
    };
    if (value === 'refuse') return { status: 'rejected', reason: 'refused by the test' };
    if (value === 'explode') throw new Error('the applier failed');
    await manager.query(
      'INSERT INTO notes (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
    return { status: 'applied', result: value };
  },
};

function note(index: number, key: string, value: string): Entry {
  const payload = encoder.encode(JSON.stringify({ key, value }));
  return {
    index,
    term: 2,
    type: 'normal',
    data: encodeEnvelope({ requestId: newRequestId(), payload }),
  };
}

function member(
  index: number,
  type: 'add-voter' | 'add-learner' | 'remove-node',
  nodeId: string,
  port = 9000,
): Entry {
  const context = encodeMemberAddress({ address: '10.0.0.1', httpPort: port, raftPort: port + 1 });
  return { index, term: 2, type: 'conf-change', data: encodeConfChange({ type, nodeId, context }) };
}

async function openDatabase(): Promise<TestDatabase> {
  const database = await TestDatabase.create({
    migrations: CONSENSUS_MIGRATIONS,
    entities: CONSENSUS_ENTITIES,
  });
  await database.dataSource.query('CREATE TABLE notes (key text PRIMARY KEY, value text NOT NULL)');
  return database;
}

describe('TypeormStateMachine', () => {
  let source: TestDatabase;
  let target: TestDatabase;

  before(async () => {
    source = await openDatabase();
    target = await openDatabase();
  });

  after(async () => {
    await source.drop();
    await target.drop();
  });

  it('applies commands and membership changes with the applied index, and snapshots them into another node', async () => {
    const machine = new TypeormStateMachine(source.dataSource, notesApplier);
    assert.equal(await machine.appliedIndex(), 0);
    const outcomes = await machine.apply([
      member(1, 'add-voter', 'a', 9000),
      member(2, 'add-learner', 'b', 9002),
      note(3, 'x', '1'),
      note(4, 'y', 'refuse'),
      member(5, 'add-voter', 'b', 9002),
      member(6, 'add-learner', 'a'),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['applied', 'applied', 'applied', 'rejected', 'applied', 'applied'],
    );
    assert.equal(await machine.appliedIndex(), 6);
    const members = await machine.members();
    assert.deepEqual(
      members.map((m) => [m.nodeId, m.role, m.httpPort]),
      [
        ['a', 'voter', 9000],
        ['b', 'voter', 9002],
      ],
    );
    const image = await captureSnapshot(machine);
    assert.equal(image.index, 6);
    const copy = new TypeormStateMachine(target.dataSource, notesApplier);
    await copy.apply([note(1, 'stale', 'row')]);
    await copy.restore(image.index, image.replay());
    assert.equal(await copy.appliedIndex(), 6);
    assert.deepEqual(await copy.members(), members);
    assert.deepEqual(await target.dataSource.query('SELECT key, value FROM notes ORDER BY key'), [
      { key: 'x', value: '1' },
    ]);
  });

  it('streams a snapshot in batches of rows and restores it from any chunking', async () => {
    const big = await openDatabase();
    const copy = await openDatabase();
    try {
      const machine = new TypeormStateMachine(big.dataSource, notesApplier);
      const entries = Array.from({ length: 1234 }, (_, i) =>
        note(i + 1, `key-${i}`, `déjà vu ✈ ${i} ${'x'.repeat(i % 100)}`),
      );
      await machine.apply(entries);
      const image = await captureSnapshot(machine);
      assert.equal(image.index, 1234);
      // Never the whole table at once: the rows come in chunks of about COPY_CHUNK_BYTES.
      const bytes = Buffer.concat(image.chunks);
      assert.ok(bytes.length > 1.2 * COPY_CHUNK_BYTES, `a ${bytes.length}-byte image`);
      const rowChunks = image.chunks.filter((chunk) => chunk.length > 1024);
      assert.ok(
        rowChunks.length >= 2 && rowChunks.every((chunk) => chunk.length < 2 * COPY_CHUNK_BYTES),
        `chunks of ${image.chunks.map((chunk) => chunk.length).join(', ')} bytes`,
      );
      /** The image again in 7-byte pieces, splitting lines and multi-byte characters. */
      async function* sevenBytesAtATime(): AsyncIterable<Uint8Array> {
        for (let offset = 0; offset < bytes.length; offset += 7) {
          yield await Promise.resolve(bytes.subarray(offset, offset + 7));
        }
      }
      const restored = new TypeormStateMachine(copy.dataSource, notesApplier);
      await restored.restore(1234, sevenBytesAtATime());
      assert.equal(await restored.appliedIndex(), 1234);
      const dump = (db: TestDatabase) =>
        db.dataSource.query('SELECT key, value FROM notes ORDER BY key');
      assert.deepEqual(await dump(copy), await dump(big));
      await assert.rejects(restored.restore(999, image.replay()), /does not match index 999/);
      assert.equal(await restored.appliedIndex(), 1234, 'a refused image changes nothing');
    } finally {
      await big.drop();
      await copy.drop();
    }
  });

  it('copies values COPY must escape, NULLs, jsonb, arrays and times exactly', async () => {
    const [from, to] = [await openDatabase(), await openDatabase()];
    const tableSql = `CREATE TABLE things (id text PRIMARY KEY, n bigint, j jsonb, t timestamptz,
      maybe text, tags text[], gone text, twice int GENERATED ALWAYS AS (length(id) * 2) STORED)`;
    try {
      for (const db of [from, to]) {
        await db.dataSource.query(tableSql);
        // A dropped column leaves a hole in the table's attributes: the copy must skip it.
        await db.dataSource.query('ALTER TABLE things DROP COLUMN gone');
      }
      const thingsApplier: CommandApplier = { ...notesApplier, tables: ['things'] };
      const awkward = ['', '\\.', 'tab\there', 'line\nfeed\r\n', 'back\\slash \\N', 'ünï ✈ 𝄞'];
      for (const [i, text] of awkward.entries()) {
        await from.dataSource.query(
          `INSERT INTO things (id, n, j, t, maybe, tags) VALUES ($1, $2, $3::jsonb, $4, $5, $6)`,
          [
            `id-${i}-${text}`,
            i === 0 ? null : 2 ** 53 + i,
            JSON.stringify({ text, nested: [text, null, i] }),
            new Date(Date.UTC(2026, 10, 28, 3, i, 7, 123)),
            i % 2 === 0 ? null : text,
            [text, 'b,c', '{x}'],
          ],
        );
      }
      const machine = new TypeormStateMachine(from.dataSource, thingsApplier);
      await machine.apply([member(1, 'add-voter', 'a')]);
      const image = await captureSnapshot(machine);
      await new TypeormStateMachine(to.dataSource, thingsApplier).restore(
        image.index,
        image.replay(),
      );
      const dump = (db: TestDatabase) =>
        db.dataSource.query('SELECT row_to_json(x)::text AS row FROM things x ORDER BY id');
      const copied = (await dump(to)) as Array<{ row: string }>;
      assert.equal(copied.length, awkward.length);
      assert.deepEqual(copied, await dump(from));
    } finally {
      await from.drop();
      await to.drop();
    }
  });

  it('still installs an image in the JSON rows format of the previous release (format 2)', async () => {
    const db = await openDatabase();
    try {
      const lines = [
        { format: 2, index: 77, tables: ['cluster_members', 'notes'] },
        { table: 'notes', rows: [{ key: 'old', value: 'format "two"' }] },
      ];
      const text = lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
      async function* once(): AsyncIterable<Uint8Array> {
        yield await Promise.resolve(encoder.encode(text));
      }
      const machine = new TypeormStateMachine(db.dataSource, notesApplier);
      await machine.restore(77, once());
      assert.equal(await machine.appliedIndex(), 77);
      assert.deepEqual(await db.dataSource.query('SELECT key, value FROM notes'), [
        { key: 'old', value: 'format "two"' },
      ]);
    } finally {
      await db.drop();
    }
  });

  it('applies a batch all or nothing: a failing command leaves the index and the tables as they were', async () => {
    const machine = new TypeormStateMachine(source.dataSource, notesApplier);
    const before = await machine.appliedIndex();
    await assert.rejects(
      machine.apply([note(before + 1, 'z', 'kept?'), note(before + 2, 'w', 'explode')]),
    );
    assert.equal(await machine.appliedIndex(), before);
    assert.deepEqual(await source.dataSource.query("SELECT key FROM notes WHERE key = 'z'"), []);
    // The failed batch left no transaction open on a pooled connection: the next one applies.
    for (let attempt = 0; attempt < 3; attempt++) {
      await machine.apply([note(before + 1 + attempt, `y${attempt}`, 'kept')]);
    }
    assert.equal(await machine.appliedIndex(), before + 3);
    assert.deepEqual(await source.dataSource.query("SELECT key FROM notes WHERE key = 'z'"), []);
  });

  it('hands runs of commands to an applier that takes runs, split at membership changes', async () => {
    const db = await openDatabase();
    try {
      const runs: number[][] = [];
      const runApplier: CommandApplier = {
        ...notesApplier,
        async applyRun(manager, commands) {
          runs.push(commands.map(({ entry }) => entry.index));
          const outcomes = [];
          for (const { entry, envelope } of commands)
            outcomes.push(await notesApplier.apply(manager, entry, envelope));
          return outcomes;
        },
      };
      const machine = new TypeormStateMachine(db.dataSource, runApplier);
      const outcomes = await machine.apply([
        note(1, 'a', '1'),
        note(2, 'b', 'refuse'),
        member(3, 'add-voter', 'n1'),
        note(4, 'c', '3'),
        { index: 5, term: 2, type: 'normal', data: new Uint8Array(0) },
        note(6, 'd', '4'),
      ]);
      assert.deepEqual(runs, [
        [1, 2],
        [4, 6],
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['applied', 'rejected', 'applied', 'applied', 'applied', 'applied'],
      );
      assert.deepEqual(outcomes[3], { status: 'applied', result: '3' });
      assert.equal(await machine.appliedIndex(), 6);
      assert.deepEqual(
        (await machine.members()).map((m) => m.nodeId),
        ['n1'],
      );
      assert.deepEqual(await db.dataSource.query('SELECT key, value FROM notes ORDER BY key'), [
        { key: 'a', value: '1' },
        { key: 'c', value: '3' },
        { key: 'd', value: '4' },
      ]);
    } finally {
      await db.drop();
    }
  });

  it('runs the statements left to the commit in the batch, and rolls the batch back if one fails', async () => {
    const db = await openDatabase();
    try {
      const tailApplier = (tail: (key: string) => string): CommandApplier => ({
        ...notesApplier,
        async applyRun(manager, commands, atCommit) {
          const outcomes = [];
          for (const { entry, envelope } of commands) {
            outcomes.push(await notesApplier.apply(manager, entry, envelope));
            atCommit.add(tail(`${entry.index}`));
          }
          return outcomes;
        },
      });
      const kept = new TypeormStateMachine(
        db.dataSource,
        tailApplier((key) => `INSERT INTO notes (key, value) VALUES ('tail-${key}', 'late')`),
      );
      await kept.apply([note(1, 'a', '1'), note(2, 'b', '2')]);
      assert.equal(await kept.appliedIndex(), 2);
      assert.deepEqual(await db.dataSource.query('SELECT key, value FROM notes ORDER BY key'), [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
        { key: 'tail-1', value: 'late' },
        { key: 'tail-2', value: 'late' },
      ]);

      const failing = new TypeormStateMachine(
        db.dataSource,
        tailApplier((key) =>
          key === '4'
            ? 'INSERT INTO no_such_table VALUES (1)'
            : `INSERT INTO notes (key, value) VALUES ('tail-${key}', 'late')`,
        ),
      );
      await assert.rejects(failing.apply([note(3, 'c', '3'), note(4, 'd', '4')]), /no_such_table/);
      assert.equal(await failing.appliedIndex(), 2);
      assert.deepEqual(await db.dataSource.query('SELECT key FROM notes ORDER BY key'), [
        { key: 'a' },
        { key: 'b' },
        { key: 'tail-1' },
        { key: 'tail-2' },
      ]);
      // The connection went back to the pool outside any transaction: the next batch applies.
      await kept.apply([note(3, 'c', '3')]);
      assert.equal(await kept.appliedIndex(), 3);
    } finally {
      await db.drop();
    }
  });

  it('says the outcomes once decided, before the commit ends; a failed commit still fails the apply', async () => {
    const db = await openDatabase();
    try {
      const machine = new TypeormStateMachine(db.dataSource, notesApplier);
      const heard: string[] = [];
      const applying = machine.apply([note(1, 'a', '1'), note(2, 'b', 'refuse')], (outcomes) =>
        heard.push(JSON.stringify(outcomes)),
      );
      const outcomes = await applying;
      assert.deepEqual(heard, [JSON.stringify(outcomes)]);
      assert.equal(await machine.appliedIndex(), 2);

      // A commit that fails after the outcomes were said (a deferred check, run by COMMIT): the
      // apply fails and nothing of the batch is kept.
      await db.dataSource.query(`CREATE FUNCTION refuse_at_commit() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'refused at commit'; END $$ LANGUAGE plpgsql`);
      await db.dataSource.query(`CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON notes
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.value = 'late')
        EXECUTE FUNCTION refuse_at_commit()`);
      const told: number[] = [];
      await assert.rejects(
        machine.apply([note(3, 'c', 'late')], (said) => told.push(said.length)),
        /refused at commit/,
      );
      assert.deepEqual(told, [1], 'the outcome was said before the commit failed');
      assert.equal(await machine.appliedIndex(), 2);
      assert.deepEqual(await db.dataSource.query("SELECT key FROM notes WHERE key = 'c'"), []);
    } finally {
      await db.drop();
    }
  });

  it('applies nothing of a batch whose applier gives the wrong number of outcomes for a run', async () => {
    const db = await openDatabase();
    try {
      const machine = new TypeormStateMachine(db.dataSource, {
        ...notesApplier,
        async applyRun(manager, commands) {
          await notesApplier.apply(manager, commands[0].entry, commands[0].envelope);
          return [{ status: 'applied' }];
        },
      });
      await assert.rejects(
        machine.apply([note(1, 'a', '1'), note(2, 'b', '2')]),
        /1 outcomes for a run of 2 commands/,
      );
      assert.equal(await machine.appliedIndex(), 0);
      assert.deepEqual(await db.dataSource.query('SELECT key FROM notes'), []);
    } finally {
      await db.drop();
    }
  });

  it('removes a member on remove-node', async () => {
    const machine = new TypeormStateMachine(source.dataSource, notesApplier);
    const next = (await machine.appliedIndex()) + 1;
    await machine.apply([member(next, 'remove-node', 'b')]);
    assert.deepEqual(
      (await machine.members()).map((m) => m.nodeId),
      ['a'],
    );
  });
});
