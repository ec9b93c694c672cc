/**
 * A workload client: one logical client that, until told to stop, picks a mission in play and a
 * node, sends one operation (create, read at some consistency, dispatch / pause / resume / cancel,
 * sometimes conditional on the version it last saw) and records it in the history. After an `info`
 * it continues as a new process, since the old request may still be in flight.
 */
import { classifyOutcome } from './classify-outcome';
import { requestFleet } from './fleet-http';
import { Consistency, HistoryWriter, MissionFunction, OpInput } from './history-writer';
import { MissionKey, MissionKeyPool } from './mission-keys';
import { SeededRandom } from './seeded-random';

/** A node clients may send requests to. */
export interface ClientTarget {
  readonly nodeId: string;
  readonly url: string;
  /** Bumped each time the node starts over from an empty database. */
  readonly incarnation: number;
}

export interface PlannedRequest {
  readonly f: MissionFunction;
  readonly input: OpInput;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A valid mission for `key`: one UAV, a small lawn-mower search. Always the same body per id. */
export function missionBody(key: MissionKey): Record<string, unknown> {
  return {
    mission_id: key.missionId,
    name: `chaos ${key.missionId}`,
    mission_type: 'SINGLE_UAV',
    uav_list: [key.uavId],
    priority: 5,
    payload: {
      search_area: [
        { lat: 1, lon: 1 },
        { lat: 1, lon: 2 },
        { lat: 2, lon: 2 },
      ],
      search_params: { pattern: 'LAWN_MOWER' },
    },
  };
}

/** The operation mix: reads and writes collide on few missions; cancels are rare (they end one). */
export function planRequest(
  random: SeededRandom,
  key: MissionKey,
  knownVersion: number | undefined,
): PlannedRequest {
  const id = encodeURIComponent(key.missionId);
  // A fresh mission's first operations create it, so that the others have something to work on.
  const kind =
    key.invoked < 2
      ? 'create'
      : random.weighted<'create' | 'read' | 'action'>([
          ['create', 10],
          ['read', 45],
          ['action', 45],
        ]);
  if (kind === 'create') {
    return {
      f: 'create',
      input: { uav_id: key.uavId },
      method: 'POST',
      path: '/missions',
      body: missionBody(key),
    };
  }
  if (kind === 'read') {
    const consistency = random.weighted<Consistency>([
      ['linearizable', 50],
      ['lease', 20],
      ['stale', 30],
    ]);
    const bounded = consistency === 'stale' && random.chance(0.5);
    const maxStalenessMs = bounded ? random.pick([100, 300, 1000]) : undefined;
    const query = `consistency=${consistency}${bounded ? `&max_staleness_ms=${maxStalenessMs}` : ''}`;
    return {
      f: 'read',
      input: {
        consistency,
        ...(maxStalenessMs !== undefined ? { max_staleness_ms: maxStalenessMs } : {}),
      },
      method: 'GET',
      path: `/missions/${id}?${query}`,
    };
  }
  const f = random.weighted<MissionFunction>([
    ['dispatch', 25],
    ['pause', 32],
    ['resume', 32],
    ['cancel', 5],
  ]);
  // Conditional changes: usually the version this client last saw (which may be out of date, so
  // some 409s are expected), sometimes a guess near it.
  const conditional = random.chance(0.4);
  const ifMatch = conditional
    ? Math.max(1, (knownVersion ?? 1) + (random.chance(0.2) ? random.int(-1, 1) : 0))
    : undefined;
  return {
    f,
    input: ifMatch !== undefined ? { if_match: ifMatch } : {},
    method: 'POST',
    path: `/missions/${id}/${f}`,
    headers: ifMatch !== undefined ? { 'If-Match': `"${ifMatch}"` } : {},
  };
}

export interface WorkloadClientOptions {
  readonly history: HistoryWriter;
  readonly keys: MissionKeyPool;
  readonly targets: () => readonly ClientTarget[];
  readonly random: SeededRandom;
  readonly requestTimeoutMs: number;
  readonly isStopping: () => boolean;
}

export class WorkloadClient {
  private processId: number;
  private readonly knownVersions = new Map<string, number>();

  constructor(private readonly options: WorkloadClientOptions) {
    this.processId = options.history.newProcess();
  }

  async run(): Promise<void> {
    const { history, keys, random, isStopping } = this.options;
    while (!isStopping()) {
      const key = keys.choose(random);
      const targets = this.options.targets();
      if (!key || targets.length === 0) {
        await sleep(50);
        continue;
      }
      const target = random.pick(targets);
      const plan = planRequest(random, key, this.knownVersions.get(key.missionId));
      keys.noteInvoked(key);
      const invoked = history.invoke(
        this.processId,
        key.missionId,
        plan.f,
        plan.input,
        target.nodeId,
      );
      const outcome = await requestFleet(target.url, plan.method, plan.path, {
        body: plan.body,
        headers: plan.headers,
        timeoutMs: this.options.requestTimeoutMs,
      });
      const classified = classifyOutcome(plan.f, outcome);
      history.complete(invoked, classified.type, classified.output, {
        ...classified.meta,
        incarnation: target.incarnation,
      });
      const output = classified.output;
      if (output && 'version' in output) this.knownVersions.set(key.missionId, output.version);
      if (classified.type === 'info') this.processId = history.newProcess();
      // A short, random pause keeps the request rate modest on a shared machine.
      await sleep(random.int(0, 15));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
