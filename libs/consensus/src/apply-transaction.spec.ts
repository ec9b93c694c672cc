import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { QueryRunner } from 'typeorm';
import { ApplyTransaction } from './apply-transaction';
import { TestDatabase } from './testing/test-database';

/**
 * Against a real PostgreSQL: what each query of a batch sends, counted at the pg client (one call
 * is one round trip), and what another connection sees meanwhile.
 */
describe('ApplyTransaction', () => {
  let database: TestDatabase;

  before(async () => {
    database = await TestDatabase.create({ migrations: [], entities: [] });
    await database.dataSource.query(
      'CREATE TABLE marks (key text PRIMARY KEY, value integer NOT NULL)',
    );
  });

  after(async () => {
    await database.drop();
  });

  beforeEach(async () => {
    await database.dataSource.query('TRUNCATE marks');
  });

  /** A transaction opening with a mark, and the texts its connection was sent, in order. */
  async function open(): Promise<{
    transaction: ApplyTransaction;
    sent: string[];
    runner: QueryRunner;
  }> {
    const runner = database.dataSource.createQueryRunner();
    const client = (await runner.connect()) as { query: (...args: unknown[]) => unknown };
    const sent: string[] = [];
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      const first = args[0];
      sent.push(typeof first === 'string' ? first : String((first as { text: string }).text));
      return query(...args);
    };
    const transaction = new ApplyTransaction(runner, database.dataSource, [
      `INSERT INTO marks (key, value) VALUES ('opened', 1)`,
    ]);
    return { transaction, sent, runner };
  }

  async function keysSeenElsewhere(): Promise<string[]> {
    const rows = await database.dataSource.query<Array<{ key: string }>>(
      'SELECT key FROM marks ORDER BY key',
    );
    return rows.map((row) => row.key);
  }

  it('opens with the first plain query, in its round trip, and commits with the tail in one more', async () => {
    const { transaction, sent, runner } = await open();
    try {
      const rows = await transaction.manager.query<Array<{ key: string }>>(
        `INSERT INTO marks (key, value) VALUES ('first', 2) RETURNING key`,
      );
      assert.deepEqual(rows, [{ key: 'first' }]);
      assert.equal(sent.length, 1);
      assert.match(sent[0], /^BEGIN;\nINSERT INTO marks \(key, value\) VALUES \('opened', 1\);\n/);
      assert.deepEqual(await keysSeenElsewhere(), [], 'nothing is visible before the commit');
      transaction.add(`INSERT INTO marks (key, value) VALUES ('tail', 3)`);
      await transaction.commit();
      assert.equal(sent.length, 2);
      assert.match(sent[1], /\('tail', 3\);\nCOMMIT$/);
      assert.deepEqual(await keysSeenElsewhere(), ['first', 'opened', 'tail']);
    } finally {
      await runner.release();
    }
  });

  it('sends the opening alone before a query with parameters, which the extended protocol carries alone', async () => {
    const { transaction, sent, runner } = await open();
    try {
      const rows = await transaction.manager.query<Array<{ value: number }>>(
        'INSERT INTO marks (key, value) VALUES ($1, $2) RETURNING value',
        ['param', 7],
      );
      assert.deepEqual(rows, [{ value: 7 }]);
      assert.equal(sent.length, 2);
      assert.match(sent[0], /^BEGIN;\n/);
      await transaction.commit();
      assert.equal(sent[2], 'COMMIT');
      assert.deepEqual(await keysSeenElsewhere(), ['opened', 'param']);
    } finally {
      await runner.release();
    }
  });

  it('gives what the runner gives for an UPDATE carried with the opening', async () => {
    await database.dataSource.query(`INSERT INTO marks (key, value) VALUES ('a', 1), ('b', 1)`);
    const { transaction, runner } = await open();
    try {
      const plain = await transaction.manager.query<unknown>(
        `UPDATE marks SET value = 5 WHERE key IN ('a', 'b') RETURNING key`,
      );
      const again: unknown = await runner.query(
        `UPDATE marks SET value = 6 WHERE key IN ('a', 'b') RETURNING key`,
      );
      assert.deepEqual(plain, again);
      assert.equal((plain as [unknown[], number])[1], 2);
      await transaction.commit();
    } finally {
      await runner.release();
    }
  });

  it('commits the opening with the tail when the batch made no query', async () => {
    const { transaction, sent, runner } = await open();
    try {
      transaction.add(`INSERT INTO marks (key, value) VALUES ('tail', 3)`);
      await transaction.commit();
      assert.equal(sent.length, 1);
      assert.match(sent[0], /^BEGIN;\n.*'opened'.*;\n.*'tail'.*;\nCOMMIT$/s);
      assert.deepEqual(await keysSeenElsewhere(), ['opened', 'tail']);
    } finally {
      await runner.release();
    }
  });

  it('keeps nothing when the query carrying the opening fails, and leaves the connection usable', async () => {
    const { transaction, runner } = await open();
    try {
      await assert.rejects(
        transaction.manager.query(`INSERT INTO marks (key, value) VALUES ('bad', 'x')`),
        /invalid input syntax for type integer/,
      );
      await transaction.rollback();
      assert.deepEqual(await runner.query('SELECT 1 AS ok'), [{ ok: 1 }]);
      assert.deepEqual(await keysSeenElsewhere(), []);
    } finally {
      await runner.release();
    }
  });
});
