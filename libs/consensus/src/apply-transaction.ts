import type { QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';

/**
 * Statements of a batch's transaction that nothing reads the results of (an INSERT of events, a
 * prune): the state machine sends them with its COMMIT, as one simple-protocol query, so that they
 * cost no round trip to PostgreSQL of their own. They run after every statement made through the
 * manager, in the order added; if one fails, the transaction is rolled back as for any failure.
 * Each is complete SQL: no parameters, values written as literals (text through pg's
 * `escapeLiteral` or an equivalent, numbers only when they are integers of ours).
 */
export interface CommitTail {
  add(statement: string): void;
}

/** The part of pg's client this file uses: a simple-protocol query of several statements. */
interface SimpleQueryClient {
  query(text: string): Promise<QueryResult | QueryResult[]>;
}

/**
 * One apply batch's transaction, in as few round trips to PostgreSQL as its statements allow.
 *
 * A round trip to another process is what an apply batch pays most for on a busy machine
 * (docs/performance.md), so the transaction does not open with a round trip of its own: `BEGIN`
 * and the statements it opens with (the applied index) go with the first statement the batch
 * makes through `manager`, when that one is plain SQL (no parameters: the simple protocol carries
 * several statements, the extended one a single statement, so before one with parameters they go
 * alone). Statements left to the commit go with the `COMMIT`. A batch of mission creates thus
 * costs two round trips: the opening with the creates' INSERT, and the events with the COMMIT.
 */
export class ApplyTransaction implements CommitTail {
  /** What opens the transaction, until some query has carried it. */
  private opening: string | undefined;
  private readonly tail: string[] = [];
  /** Queries made through it are part of the transaction (the first one opens it). */
  readonly manager: EntityManager;

  constructor(
    private readonly runner: QueryRunner,
    dataSource: DataSource,
    openingStatements: readonly string[],
  ) {
    this.opening = ['BEGIN', ...openingStatements].join(';\n');
    const query = this.query.bind(this);
    const openingRunner = new Proxy(runner, {
      get: (target, property, receiver): unknown =>
        property === 'query' ? query : Reflect.get(target, property, receiver),
    });
    this.manager = dataSource.createEntityManager(openingRunner);
  }

  add(statement: string): void {
    this.tail.push(statement);
  }

  /**
   * Sends what is left to the commit and the `COMMIT` (with the opening, if no query carried it),
   * in one round trip. A failed statement makes PostgreSQL skip the rest, `COMMIT` included.
   */
  async commit(): Promise<void> {
    const opening = this.takeOpening();
    await this.runner.query([...(opening ? [opening] : []), ...this.tail, 'COMMIT'].join(';\n'));
  }

  /**
   * Leaves the connection outside any transaction, whatever step failed (PostgreSQL only warns
   * when there is none to roll back).
   */
  async rollback(): Promise<void> {
    this.opening = undefined;
    await this.runner.query('ROLLBACK').catch(() => undefined);
  }

  /** The runner's `query`, carrying the opening on the first call. */
  private async query(
    sql: string,
    parameters?: unknown[],
    useStructuredResult?: boolean,
  ): Promise<unknown> {
    const opening = this.takeOpening();
    if (opening === undefined) return this.alone(sql, parameters, useStructuredResult);
    if ((parameters !== undefined && parameters.length > 0) || useStructuredResult === true) {
      await this.runner.query(opening);
      return this.alone(sql, parameters, useStructuredResult);
    }
    const text = `${opening};\n${sql}`;
    const client = (await this.runner.connect()) as SimpleQueryClient;
    let results: QueryResult | QueryResult[];
    try {
      results = await client.query(text);
    } catch (error) {
      throw new QueryFailedError(text, undefined, error as Error);
    }
    const last = Array.isArray(results) ? results[results.length - 1] : results;
    // What the runner's query gives for the statement alone.
    return last.command === 'DELETE' || last.command === 'UPDATE'
      ? [last.rows, last.rowCount]
      : last.rows;
  }

  private alone(
    sql: string,
    parameters?: unknown[],
    useStructuredResult?: boolean,
  ): Promise<unknown> {
    return useStructuredResult === true
      ? this.runner.query(sql, parameters, true)
      : this.runner.query(sql, parameters);
  }

  private takeOpening(): string | undefined {
    const opening = this.opening;
    this.opening = undefined;
    return opening;
  }
}
