/**
 * The checks of a history that need no search: acknowledged writes that were lost, changes applied
 * more often than clients asked, and reads at `stale` consistency that contradict their own headers
 * or the history. Pure functions of the history and the final state.
 */
import { CompletedOp, STATE_CHANGES } from './history-writer';
import { FinalMissionRow } from './node-databases';

export interface Violation {
  readonly key?: string;
  readonly op?: number;
  readonly reason: string;
}

export interface DurabilityReport {
  /** Acknowledged creates or changes missing from the final state. */
  readonly lost: Violation[];
  /** Final versions that need more changes than clients could have caused. */
  readonly duplicated: Violation[];
  readonly missionsChecked: number;
}

interface KeyTally {
  ackedCreate: boolean;
  maybeCreated: boolean;
  maxAckedVersion: number;
  ackedChanges: number;
  unknownChanges: number;
}

function versionOf(op: CompletedOp): number | undefined {
  const output = op.completion?.output;
  return output && 'version' in output ? output.version : undefined;
}

/**
 * Every acknowledged create must exist at the end, at a version at least as high as any
 * acknowledged write or linearizable read saw; and `version - 1` (the changes applied to it) must be
 * at least the acknowledged changes and at most the acknowledged plus the unknown ones.
 */
export function checkDurability(
  ops: readonly CompletedOp[],
  finalMissions: readonly FinalMissionRow[],
): DurabilityReport {
  const tallies = new Map<string, KeyTally>();
  for (const op of ops) {
    const { key, f, input } = op.invoke;
    const type = op.completion?.type ?? 'info';
    let tally = tallies.get(key);
    if (!tally) {
      tally = {
        ackedCreate: false,
        maybeCreated: false,
        maxAckedVersion: 0,
        ackedChanges: 0,
        unknownChanges: 0,
      };
      tallies.set(key, tally);
    }
    const version = versionOf(op);
    const seenAtLinearizable = f !== 'read' || input.consistency === 'linearizable';
    if (type === 'ok' && version !== undefined && seenAtLinearizable) {
      tally.maxAckedVersion = Math.max(tally.maxAckedVersion, version);
    }
    if (f === 'create') {
      if (type === 'ok') tally.ackedCreate = true;
      if (type !== 'fail') tally.maybeCreated = true;
    } else if (STATE_CHANGES.includes(f)) {
      if (type === 'ok') tally.ackedChanges++;
      if (type === 'info') tally.unknownChanges++;
    }
  }
  const finalByKey = new Map(finalMissions.map((m) => [m.mission_id, m]));
  const lost: Violation[] = [];
  const duplicated: Violation[] = [];
  for (const [key, tally] of tallies) {
    const final = finalByKey.get(key);
    if (!final) {
      if (tally.ackedCreate) lost.push({ key, reason: 'an acknowledged create is gone' });
      else if (tally.maxAckedVersion > 0) {
        lost.push({ key, reason: `missing at the end, though v${tally.maxAckedVersion} was seen` });
      }
      continue;
    }
    if (!tally.maybeCreated) {
      duplicated.push({ key, reason: 'exists though no create was ever sent successfully' });
    }
    const applied = final.version - 1;
    if (final.version < tally.maxAckedVersion) {
      lost.push({
        key,
        reason: `final version ${final.version} is below the acknowledged v${tally.maxAckedVersion}`,
      });
    } else if (applied < tally.ackedChanges) {
      lost.push({
        key,
        reason: `final version ${final.version} holds ${applied} changes; ${tally.ackedChanges} were acknowledged`,
      });
    }
    if (applied > tally.ackedChanges + tally.unknownChanges) {
      duplicated.push({
        key,
        reason: `final version ${final.version} holds ${applied} changes; at most ${tally.ackedChanges} acknowledged + ${tally.unknownChanges} unknown were sent`,
      });
    }
  }
  return { lost, duplicated, missionsChecked: tallies.size };
}

export interface StaleReadReport {
  readonly violations: Violation[];
  readonly staleReadsChecked: number;
}

/**
 * Reads that may lag must still be honest:
 * - with `max_staleness_ms`, a read served must say (X-Raft-Last-Contact-Ms) it heard from a leader
 *   within that bound;
 * - X-Raft-Applied-Index never exceeds what the cluster committed when the read returned: it is
 *   below the index of any write invoked afterwards, and below the final commit index;
 * - no read returns a mission version nobody could have written yet (a create or change invoked
 *   before the read returned, with that outcome or an unknown one);
 * - one node never goes back: a later read (invoked after an earlier one returned, same node, same
 *   database) has an applied index and a version at least as high.
 */
export function checkStaleReads(
  ops: readonly CompletedOp[],
  finalCommitIndex: number,
): StaleReadReport {
  const violations: Violation[] = [];
  const writesByKey = new Map<string, CompletedOp[]>();
  for (const op of ops) {
    if (op.invoke.f === 'read') continue;
    const list = writesByKey.get(op.invoke.key) ?? [];
    list.push(op);
    writesByKey.set(op.invoke.key, list);
  }
  const reads = ops.filter((op) => op.invoke.f === 'read' && op.completion?.type === 'ok');
  let checked = 0;
  for (const read of reads) {
    const { invoke, completion } = read;
    if (!completion) continue;
    const meta = completion.meta ?? {};
    if (invoke.input.consistency === 'stale') {
      checked++;
      const bound = invoke.input.max_staleness_ms;
      if (bound !== undefined) {
        const contact = meta.last_contact_ms;
        if (typeof contact !== 'number' || contact > bound) {
          violations.push({
            key: invoke.key,
            op: invoke.op,
            reason: `served with max_staleness_ms=${bound} but X-Raft-Last-Contact-Ms is ${String(contact)}`,
          });
        }
      }
    }
    if (meta.applied_index !== undefined && meta.applied_index > finalCommitIndex) {
      violations.push({
        key: invoke.key,
        op: invoke.op,
        reason: `X-Raft-Applied-Index ${meta.applied_index} exceeds every commit index (${finalCommitIndex})`,
      });
    }
    const output = completion.output;
    if (output && 'found' in output && output.found) {
      const writers = (writesByKey.get(invoke.key) ?? []).filter(
        (w) => w.invoke.time <= completion.time && w.completion?.type !== 'fail',
      );
      const possible = writers.some((w) => {
        if (output.version === 1) return w.invoke.f === 'create';
        if (w.invoke.f === 'create') return false;
        if (w.completion?.type === 'info' || !w.completion) return true;
        const made = w.completion.output;
        return (
          made !== undefined &&
          'version' in made &&
          made.version === output.version &&
          made.state === output.state
        );
      });
      if (!possible) {
        violations.push({
          key: invoke.key,
          op: invoke.op,
          reason: `read ${output.state} v${output.version}, which no write invoked before it could have produced`,
        });
      }
    }
  }
  violations.push(...checkPerNodeMonotonic(reads));
  violations.push(...checkIndexNotAhead(ops, reads));
  return { violations, staleReadsChecked: checked };
}

/**
 * A read's X-Raft-Applied-Index cannot exceed what was committed when it returned, and every write
 * acknowledged later was appended after that, at a higher index: so the read's index must be below
 * the X-Raft-Applied-Index of every write invoked after the read returned.
 */
function checkIndexNotAhead(
  ops: readonly CompletedOp[],
  reads: readonly CompletedOp[],
): Violation[] {
  const writes = ops
    .filter(
      (op) =>
        op.invoke.f !== 'read' &&
        op.completion?.type === 'ok' &&
        op.completion.meta?.applied_index !== undefined,
    )
    .sort((a, b) => a.invoke.time - b.invoke.time);
  // lowest[i]: the lowest index acknowledged by a write invoked at or after writes[i].
  const lowest: number[] = new Array<number>(writes.length);
  for (let i = writes.length - 1; i >= 0; i--) {
    const index = writes[i].completion?.meta?.applied_index ?? Infinity;
    lowest[i] = Math.min(index, i + 1 < writes.length ? lowest[i + 1] : Infinity);
  }
  const violations: Violation[] = [];
  for (const read of reads) {
    const index = read.completion?.meta?.applied_index;
    const returned = read.completion?.time;
    if (index === undefined || returned === undefined) continue;
    // The first write invoked after the read returned (binary search by invocation time).
    let lo = 0;
    let hi = writes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writes[mid].invoke.time > returned) hi = mid;
      else lo = mid + 1;
    }
    if (lo < writes.length && index >= lowest[lo]) {
      violations.push({
        key: read.invoke.key,
        op: read.invoke.op,
        reason: `answered at applied index ${index}, but a write invoked after it returned was acknowledged at ${lowest[lo]}`,
      });
    }
  }
  return violations;
}

/** A node's answers never go back in time, as long as it keeps its database. */
function checkPerNodeMonotonic(reads: readonly CompletedOp[]): Violation[] {
  const violations: Violation[] = [];
  const byNode = new Map<string, CompletedOp[]>();
  for (const read of reads) {
    const meta = read.completion?.meta;
    // Only answers from the node the request went to (X-Raft-Node) count as that node's.
    if (!meta || meta.served_by !== read.invoke.node || meta.applied_index === undefined) continue;
    const group = `${read.invoke.node}#${meta.incarnation ?? 0}`;
    const list = byNode.get(group) ?? [];
    list.push(read);
    byNode.set(group, list);
  }
  for (const list of byNode.values()) {
    // Walk by invocation; keep the highest index (and version per key) of reads already returned.
    const byInvoke = [...list].sort((a, b) => a.invoke.time - b.invoke.time);
    const byReturn = [...list].sort(
      (a, b) => (a.completion?.time ?? 0) - (b.completion?.time ?? 0),
    );
    let returned = 0;
    let floorIndex = 0;
    let floorOp: number | undefined;
    const floorVersion = new Map<string, { version: number; op: number }>();
    for (const read of byInvoke) {
      while (
        returned < byReturn.length &&
        (byReturn[returned].completion?.time ?? Infinity) < read.invoke.time
      ) {
        const done = byReturn[returned++];
        const index = done.completion?.meta?.applied_index ?? 0;
        if (index > floorIndex) {
          floorIndex = index;
          floorOp = done.invoke.op;
        }
        const output = done.completion?.output;
        const version = output && 'found' in output && output.found ? output.version : 0;
        const known = floorVersion.get(done.invoke.key);
        if (!known || version > known.version) {
          floorVersion.set(done.invoke.key, { version, op: done.invoke.op });
        }
      }
      const index = read.completion?.meta?.applied_index ?? 0;
      if (index < floorIndex) {
        violations.push({
          key: read.invoke.key,
          op: read.invoke.op,
          reason: `${read.invoke.node} answered at applied index ${index} after answering at ${floorIndex} (op ${String(floorOp)})`,
        });
      }
      const output = read.completion?.output;
      const version = output && 'found' in output && output.found ? output.version : 0;
      const known = floorVersion.get(read.invoke.key);
      if (known && version < known.version) {
        violations.push({
          key: read.invoke.key,
          op: read.invoke.op,
          reason: `${read.invoke.node} answered v${version} after answering v${known.version} (op ${known.op})`,
        });
      }
    }
  }
  return violations;
}
