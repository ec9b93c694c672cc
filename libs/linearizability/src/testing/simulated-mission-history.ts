import {
  CREATED_MISSION,
  MISSION_LIFECYCLE,
  MISSION_TRANSITIONS,
  type MissionLifecycleState,
  type MissionTransition,
} from '../models/mission/mission-lifecycle';
import { SeededRandom } from './seeded-random';

export interface SimulationOptions {
  readonly seed: number;
  /** Operations invoked in total. */
  readonly operationCount: number;
  /** Concurrent clients; each has at most one operation open. */
  readonly processCount: number;
  /** Missions being worked on at any time; a mission is retired about every `opsPerMission` ops. */
  readonly activeMissions: number;
  readonly opsPerMission: number;
  /** Share of operations whose client never learns the outcome. */
  readonly infoRate: number;
}

export interface SimulatedHistory {
  /** JSON-lines events, as the chaos harness writes them. */
  readonly lines: string[];
  readonly missionCount: number;
}

type Command = 'create' | 'read' | MissionTransition;

type MissionOutput =
  | { readonly found: false }
  | { readonly found: true; readonly state: MissionLifecycleState; readonly version: number };

interface StoredMission {
  state: MissionLifecycleState;
  version: number;
}

interface InFlight {
  readonly op: number;
  readonly key: string;
  readonly command: Command;
  readonly ifMatch: number | undefined;
  /** When the store applies it; may fall after `returnAt` for an operation that ends as `info`. */
  readonly effectAt: number;
  readonly returnAt: number;
  readonly endsAsInfo: boolean;
  /** Whether an `info` operation reaches the store at all. */
  readonly reachesStore: boolean;
  applied: boolean;
  /** `undefined` when refused (a `fail`). */
  output: MissionOutput | undefined;
}

/** Latency and think time, in nanoseconds like the harness's monotonic clock. */
const MIN_LATENCY = 500_000;
const MAX_LATENCY = 6_000_000;
const MAX_THINK_TIME = 1_000_000;
const START_TIME = 1_000_000_000_000;

/**
 * A linearizable mission store under concurrent clients: every operation takes effect atomically
 * at one instant inside its real-time window (an `info` one possibly later, or never), so the
 * history it records must pass the checker. Clients pick missions from a small working set, so
 * operations on one mission overlap the way a real workload's do, and they send `if_match` from the
 * last version any client saw, which is often stale.
 */
export function simulateMissionHistory(options: SimulationOptions): SimulatedHistory {
  const random = new SeededRandom(options.seed);
  const store = new Map<string, StoredMission>();
  const lines: string[] = [];
  const lastSeen = new Map<string, StoredMission>();
  let missionCount = 0;
  const newMission = (): string => `m-${++missionCount}`;
  const active = Array.from({ length: options.activeMissions }, newMission);

  const nextInvokeAt = Array.from({ length: options.processCount }, () =>
    random.between(START_TIME, START_TIME + MAX_THINK_TIME),
  );
  const inFlight: (InFlight | undefined)[] = Array.from(
    { length: options.processCount },
    () => undefined,
  );
  /** `info` operations whose effect is still to come after their client gave up on them. */
  const lateEffects: InFlight[] = [];
  let invoked = 0;

  const apply = (operation: InFlight): void => {
    operation.applied = true;
    operation.output = applyToStore(store, operation);
  };

  // The run stops right after the last invoke: what is in flight then stays unfinished, as when a
  // harness is killed mid-run.
  while (invoked < options.operationCount) {
    const event = nextEvent(nextInvokeAt, inFlight, lateEffects);
    const { time, kind, index } = event;

    if (kind === 'late') {
      apply(lateEffects[index]);
      lateEffects.splice(index, 1);
      continue;
    }
    const process = index;
    if (kind === 'invoke') {
      if (random.chance(1 / options.opsPerMission)) {
        active[random.below(active.length)] = newMission();
      }
      const operation = inventOperation(random, options, active, lastSeen, invoked + 1, time);
      invoked++;
      inFlight[process] = operation;
      const input = operation.ifMatch === undefined ? {} : { if_match: operation.ifMatch };
      lines.push(
        JSON.stringify({
          type: 'invoke',
          process,
          op: operation.op,
          key: operation.key,
          f: operation.command,
          input,
          time,
        }),
      );
      continue;
    }
    const operation = inFlight[process];
    if (operation === undefined) throw new Error('simulation lost an operation');
    if (kind === 'effect') {
      apply(operation);
      continue;
    }
    // The return.
    inFlight[process] = undefined;
    nextInvokeAt[process] = time + random.between(0, MAX_THINK_TIME);
    if (operation.endsAsInfo) {
      if (operation.reachesStore && !operation.applied) lateEffects.push(operation);
      lines.push(JSON.stringify({ type: 'info', process, op: operation.op, time }));
    } else if (operation.output === undefined) {
      lines.push(JSON.stringify({ type: 'fail', process, op: operation.op, time }));
    } else {
      if (operation.output.found) {
        const { state, version } = operation.output;
        lastSeen.set(operation.key, { state, version });
        // A finished mission only gets reads from now on; the clients move on to a new one.
        const slot = active.indexOf(operation.key);
        if (state === 'CANCELLED' && slot >= 0) active[slot] = newMission();
      }
      const output = wireOutput(operation.command, operation.output);
      lines.push(JSON.stringify({ type: 'ok', process, op: operation.op, output, time }));
    }
  }
  return { lines, missionCount };
}

interface SimulationEvent {
  readonly time: number;
  readonly kind: 'invoke' | 'effect' | 'return' | 'late';
  /** The process, or for `late` the index in the late effects. */
  readonly index: number;
}

/** The earliest thing to happen next. */
function nextEvent(
  nextInvokeAt: readonly number[],
  inFlight: readonly (InFlight | undefined)[],
  lateEffects: readonly InFlight[],
): SimulationEvent {
  let earliest: SimulationEvent | undefined;
  const consider = (candidate: SimulationEvent): void => {
    if (earliest === undefined || candidate.time < earliest.time) earliest = candidate;
  };
  for (let process = 0; process < inFlight.length; process++) {
    const operation = inFlight[process];
    if (operation === undefined) {
      consider({ time: nextInvokeAt[process], kind: 'invoke', index: process });
    } else if (
      operation.reachesStore &&
      !operation.applied &&
      operation.effectAt <= operation.returnAt
    ) {
      consider({ time: operation.effectAt, kind: 'effect', index: process });
    } else {
      consider({ time: operation.returnAt, kind: 'return', index: process });
    }
  }
  lateEffects.forEach((operation, index) =>
    consider({ time: operation.effectAt, kind: 'late', index }),
  );
  if (earliest === undefined) throw new Error('simulation has no processes');
  return earliest;
}

function inventOperation(
  random: SeededRandom,
  options: SimulationOptions,
  active: readonly string[],
  lastSeen: ReadonlyMap<string, StoredMission>,
  op: number,
  call: number,
): InFlight {
  const key = random.pick(active);
  const seen = lastSeen.get(key);
  const command = chooseCommand(random, seen);
  const conditional = command !== 'read' && command !== 'create' && random.chance(0.5);
  const latency = random.between(MIN_LATENCY, MAX_LATENCY);
  const endsAsInfo = random.chance(options.infoRate);
  return {
    op,
    key,
    command,
    ifMatch: conditional ? (seen?.version ?? 1) : undefined,
    // An operation whose outcome is lost may still land well after the client gave up.
    effectAt: call + random.below(endsAsInfo ? 3 * latency : latency + 1),
    returnAt: call + latency,
    endsAsInfo,
    reachesStore: !endsAsInfo || random.chance(0.5),
    applied: false,
    output: undefined,
  };
}

/**
 * Mostly what a sensible client would send given what it last saw (so most commands succeed and
 * the history is dense), with some reads, retried creates and blind commands mixed in.
 */
function chooseCommand(random: SeededRandom, seen: StoredMission | undefined): Command {
  const roll = random.next();
  if (roll < 0.35) return 'read';
  if (seen === undefined) return roll < 0.7 ? 'create' : random.pick(MISSION_TRANSITIONS);
  if (roll < 0.4) return 'create';
  if (roll < 0.42) return random.pick(MISSION_TRANSITIONS);
  if (roll < 0.425) return 'cancel';
  const sensible = MISSION_TRANSITIONS.filter(
    (transition) =>
      transition !== 'cancel' && MISSION_LIFECYCLE[transition].from.includes(seen.state),
  );
  return sensible.length === 0 ? 'read' : random.pick(sensible);
}

/** What the API answers: a read says whether it found the mission; the others return it. */
function wireOutput(command: Command, output: MissionOutput): object {
  if (command === 'read' || !output.found) return output;
  return { state: output.state, version: output.version };
}

/** Applies one operation atomically; the output the client would see, or undefined if refused. */
function applyToStore(
  store: Map<string, StoredMission>,
  operation: InFlight,
): MissionOutput | undefined {
  const mission = store.get(operation.key);
  switch (operation.command) {
    case 'read':
      return mission === undefined ? { found: false } : { found: true, ...mission };
    case 'create': {
      if (mission !== undefined) return { found: true, ...mission };
      store.set(operation.key, { ...CREATED_MISSION });
      return { found: true, ...CREATED_MISSION };
    }
    default: {
      const rule = MISSION_LIFECYCLE[operation.command];
      if (mission === undefined || !rule.from.includes(mission.state)) return undefined;
      if (operation.ifMatch !== undefined && operation.ifMatch !== mission.version)
        return undefined;
      mission.state = rule.to;
      mission.version++;
      return { found: true, ...mission };
    }
  }
}
