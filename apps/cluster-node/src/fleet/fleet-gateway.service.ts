import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ClusterNodeRuntime, RaftDriver } from '@falconmind/consensus';
import {
  FleetCommandDraft,
  FleetQueryable,
  httpStatusOfRejection,
  parseFleetRejection,
  prepareFleetCommand,
  RecordJson,
} from '@falconmind/fleet';
import { DataSource } from 'typeorm';
import { CLUSTER_RUNTIME, NODE_DATA_SOURCE } from '../cluster/cluster.tokens';
import { mergeProblems } from './request-body';
import { ApiError, FieldProblem } from '../common/api-error';
import { PreparedReads } from './prepared-reads';
import { RecordCache } from './record-cache';
import { parseReadConsistency, ReadConsistency } from './read-consistency';

/** How long a write or a read barrier may wait for the cluster before the client gets a 503. */
const REQUEST_TIMEOUT_MS = 10_000;

type ReadPoint = ReturnType<RaftDriver['readPoint']>;

/**
 * Where the fleet API meets the cluster: writes become commands proposed through Raft and answered
 * once applied on this node; reads pass the requested consistency barrier first. Every answer says
 * who served it and at what point (X-Raft-Node, X-Raft-Term, X-Raft-Applied-Index).
 */
@Injectable()
export class FleetGateway {
  /** What the read endpoints query: the API's pool, with prepared statements. */
  readonly reads: FleetQueryable;
  /** Records read by id at the current applied index (see RecordCache). */
  private readonly recordCache: RecordCache;

  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Inject(NODE_DATA_SOURCE) readonly dataSource: DataSource,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {
    this.reads = new PreparedReads(dataSource);
    this.recordCache = new RecordCache(config.readCacheEntries);
  }

  /**
   * Validates, proposes and waits for the command; returns what applying it produced. `bodyProblems`
   * (from the request's schema) and the command validator's are answered together, in one 400.
   */
  async execute(
    draft: FleetCommandDraft,
    response: FastifyReply,
    bodyProblems: readonly FieldProblem[] = [],
  ): Promise<unknown> {
    const prepared = prepareFleetCommand(draft, {
      now: () => Date.now(),
      newId: () => randomUUID(),
    });
    const problems = mergeProblems(bodyProblems, prepared.ok ? [] : prepared.problems);
    if (problems.length > 0 || !prepared.ok) throw ApiError.badRequest(problems);
    const applied = await this.runtime.driver.propose(prepared.payload, REQUEST_TIMEOUT_MS);
    this.setHeaders(response, this.runtime.driver.readPoint(), applied.index);
    const rejection = parseFleetRejection(applied.outcome);
    if (rejection) {
      const status = httpStatusOfRejection(rejection.code);
      throw new ApiError(status, rejection.message, [], { code: rejection.code });
    }
    return applied.outcome.status === 'applied' ? applied.outcome.result : undefined;
  }

  /** Proposes a command without a waiting client (the periodic UAV sync); returns the outcome. */
  async executeInBackground(draft: FleetCommandDraft): Promise<unknown> {
    const prepared = prepareFleetCommand(draft, {
      now: () => Date.now(),
      newId: () => randomUUID(),
    });
    if (!prepared.ok) throw ApiError.badRequest(prepared.problems);
    const applied = await this.runtime.driver.propose(prepared.payload, REQUEST_TIMEOUT_MS);
    return applied.outcome;
  }

  /** Passes the read barrier the client asked for, then sets the headers that describe the read. */
  async beforeRead(consistency: ReadConsistency, response: FastifyReply): Promise<void> {
    const driver = this.runtime.driver;
    if (consistency.minIndex !== undefined) {
      await driver.waitForApplied(consistency.minIndex, REQUEST_TIMEOUT_MS).catch(() => {
        throw new ApiError(
          HttpStatus.SERVICE_UNAVAILABLE,
          `this node has not applied index ${consistency.minIndex} within ${REQUEST_TIMEOUT_MS} ms; retry or read elsewhere`,
          [],
          { retryable: true },
        );
      });
    }
    if (consistency.consistency !== 'stale') {
      if (this.config.plantedBug !== 'stale-read') {
        await driver.readBarrier(REQUEST_TIMEOUT_MS, consistency.consistency === 'lease');
      }
      this.setHeaders(response, driver.readPoint());
      return;
    }
    // One look at the driver for both the staleness check and the headers, so that they agree.
    const point = driver.readPoint();
    const lastContact = point.leaderContactMs;
    response.header(
      'X-Raft-Last-Contact-Ms',
      lastContact === undefined ? 'unknown' : String(lastContact),
    );
    if (
      consistency.maxStalenessMs !== undefined &&
      (lastContact === undefined || lastContact > consistency.maxStalenessMs)
    ) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        `this node last heard from a leader ${lastContact ?? 'never'} ms ago, more than max_staleness_ms=${consistency.maxStalenessMs}`,
        [],
        { retryable: true, last_contact_ms: lastContact ?? null },
      );
    }
    this.setHeaders(response, point);
  }

  /**
   * One record by id after the requested read barrier, as the JSON text PostgreSQL built (see
   * `RecordJson`): 404 with `notFound` if it does not exist, otherwise the record with its version
   * as the ETag (the value `If-Match` takes). `cacheKey` names the record in the read cache.
   */
  async readOne(
    query: Readonly<Record<string, unknown>>,
    response: FastifyReply,
    cacheKey: string,
    load: (db: FleetQueryable) => Promise<RecordJson | undefined>,
    notFound: string,
  ): Promise<string> {
    const consistency = parseReadConsistency(query);
    if (Array.isArray(consistency)) throw ApiError.badRequest(consistency);
    await this.beforeRead(consistency, response);
    const driver = this.runtime.driver;
    const readAt = driver.stateMachineApplied;
    let record = this.recordCache.get(cacheKey, readAt);
    if (record === undefined) {
      record = (await load(this.reads)) ?? null;
      this.recordCache.set(cacheKey, record, readAt, driver.stateMachineApplied);
    }
    if (!record) throw new ApiError(HttpStatus.NOT_FOUND, notFound);
    response.header('ETag', `"${record.version}"`);
    // Sent as it is: a string with this type goes out unchanged, not serialised again.
    response.header('Content-Type', 'application/json; charset=utf-8');
    return record.json;
  }

  private setHeaders(
    response: FastifyReply,
    point: ReadPoint,
    appliedIndex = point.appliedIndex,
  ): void {
    response.header('X-Raft-Node', this.runtime.nodeId);
    response.header('X-Raft-Term', String(point.term));
    response.header('X-Raft-Applied-Index', String(appliedIndex));
  }
}
