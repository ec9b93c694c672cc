/**
 * One chaos run, start to finish: prepare the cluster and its proxies, run the clients and the
 * nemesis for the duration, heal, let the cluster settle, read the final state, run every check,
 * write the results folder. Whatever happens, every process it started is killed and every database
 * it created is dropped before it returns.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ChaosCluster, MAX_ELECTION_TIMEOUT_MS, sleep } from './chaos-cluster';
import { ChaosOptions } from './cli-options';
import { classifyOutcome } from './classify-outcome';
import { checkConvergence, ConvergenceReport } from './convergence-check';
import { FaultTimeline } from './fault-timeline';
import { requestFleet } from './fleet-http';
import {
  checkDurability,
  checkStaleReads,
  DurabilityReport,
  StaleReadReport,
} from './history-checks';
import { HistoryWriter } from './history-writer';
import { checkHistoryLinearizable } from './linearizability-check';
import { MissionKeyPool } from './mission-keys';
import { Nemesis } from './nemesis';
import { DEFAULT_TIMING, NemesisSchedule } from './nemesis-schedule';
import { NodeDatabases } from './node-databases';
import { ChaosSummary, finalLine, verdictOf, writeSummary } from './report';
import { SeededRandom } from './seeded-random';
import { WorkloadClient } from './workload-client';

/** Operations on one mission before it is retired (keeps each mission's history checkable). */
const OPS_PER_MISSION = 50;
const REQUEST_TIMEOUT_MS = 5000;
const BOOT_TIMEOUT_MS = 90_000;
const SETTLE_TIMEOUT_MS = 90_000;
/** How long the timeline waits to record a joining node's promotion (it boots slowly under load). */
const JOIN_TIMEOUT_MS = 120_000;
const PROGRESS_EVERY_MS = 5000;

export interface RunControl {
  /** Aborted on Ctrl-C: the run stops its workload, cleans up and returns without checks. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Called once the cluster exists, so that the caller can kill it synchronously on exit. */
  readonly onCluster?: (cluster: ChaosCluster) => void;
}

export interface RunResult {
  readonly summary: ChaosSummary;
  readonly line: string;
  readonly clean: boolean;
}

/** Node log messages that show a snapshot being taken, sent or received. */
const SNAPSHOT_MESSAGES = new Set([
  'compacted the log with a snapshot',
  'sending a snapshot',
  'sending a snapshot to a peer',
  'started a snapshot transfer',
  'received a snapshot from a peer',
]);

/** Watches node logs for snapshots the nodes take and send, and puts them on the timeline. */
function observeSnapshots(cluster: ChaosCluster, timeline: FaultTimeline): void {
  for (const node of cluster.nodes) {
    node.onLine((line) => {
      if (!line.startsWith('{') || !line.includes('snapshot')) return;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof entry.msg === 'string' && SNAPSHOT_MESSAGES.has(entry.msg)) {
        timeline.record({
          event: 'observed',
          kind: 'snapshot',
          nodes: [node.nodeId],
          detail: {
            what: entry.msg,
            ...(entry.index !== undefined ? { index: entry.index } : {}),
            ...(entry.to !== undefined ? { to: entry.to } : {}),
            ...(entry.from !== undefined ? { from: entry.from } : {}),
          },
        });
      }
    });
  }
}

async function registerUav(
  cluster: ChaosCluster,
  random: SeededRandom,
  uavId: string,
): Promise<boolean> {
  const members = cluster.reachableMemberIds();
  if (members.length === 0) return false;
  const node = cluster.node(random.pick(members));
  const outcome = await requestFleet(
    node.url,
    'POST',
    `/uavs/${encodeURIComponent(uavId)}/register`,
    {
      body: {},
      timeoutMs: REQUEST_TIMEOUT_MS,
    },
  );
  return outcome.kind === 'answer' && outcome.status === 200;
}

/** After healing: one linearizable read of every mission through the leader, into the history. */
async function finalReads(
  cluster: ChaosCluster,
  history: HistoryWriter,
  keys: readonly string[],
  leaderId: string,
): Promise<void> {
  let processId = history.newProcess();
  const node = cluster.node(leaderId);
  for (const key of keys) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const invoked = history.invoke(
        processId,
        key,
        'read',
        { consistency: 'linearizable' },
        leaderId,
      );
      const outcome = await requestFleet(
        node.url,
        'GET',
        `/missions/${encodeURIComponent(key)}?consistency=linearizable`,
        {
          timeoutMs: REQUEST_TIMEOUT_MS,
        },
      );
      const classified = classifyOutcome('read', outcome);
      history.complete(invoked, classified.type, classified.output, classified.meta);
      if (classified.type === 'info') processId = history.newProcess();
      if (classified.type === 'ok') break;
      await sleep(200);
    }
  }
}

export async function runChaos(options: ChaosOptions, control: RunControl): Promise<RunResult> {
  const { log, signal } = control;
  const startedAt = new Date();
  const nodesDir = path.join(options.outDir, 'nodes');
  await mkdir(nodesDir, { recursive: true });
  const replay = `npm run chaos -- --nodes ${options.nodes} --duration ${options.durationS} --clients ${options.clients} --seed ${options.seed} --keys ${options.keys} --faults ${options.faults.join(',')}${options.bug ? ` --bug ${options.bug}` : ''}`;
  await writeFile(path.join(options.outDir, 'command.txt'), `${replay}\n`);
  log(
    `chaos: seed ${options.seed}, ${options.nodes} nodes, ${options.clients} clients, ${options.durationS} s; results in ${options.outDir}`,
  );
  log(`chaos: replay with: ${replay}`);

  const random = new SeededRandom(options.seed);
  const history = new HistoryWriter(path.join(options.outDir, 'history.jsonl'));
  const timeline = new FaultTimeline(path.join(options.outDir, 'faults.jsonl'), () =>
    history.now(),
  );
  const databases = new NodeDatabases();
  const harnessErrors: string[] = [];
  let cluster: ChaosCluster | undefined;
  let linearizability: ChaosSummary['linearizability'] = {
    verdict: 'unknown',
    reason: 'not checked',
  };
  let leaseReads: ChaosSummary['leaseReads'];
  let durability: DurabilityReport | undefined;
  let staleReads: StaleReadReport | undefined;
  let convergence: ConvergenceReport | undefined;

  try {
    cluster = await ChaosCluster.prepare(
      {
        voters: options.nodes,
        spareNodes: 1,
        snapshotThreshold: options.snapshotThreshold,
        plantedBug: options.bug,
        logDir: nodesDir,
      },
      databases,
      random,
    );
    control.onCluster?.(cluster);
    observeSnapshots(cluster, timeline);
    cluster.superviseCrashes((crash) => {
      timeline.record({
        event: 'observed',
        kind: 'node-crash',
        nodes: [crash.nodeId],
        detail: { code: crash.code, signal: crash.signal, lastLines: crash.lastLines.slice(-5) },
      });
      log(
        `chaos: ${crash.nodeId} crashed (${crash.signal ?? `exit code ${String(crash.code)}`}); restarting it`,
      );
    });
    const running = cluster;
    log(`chaos: starting ${options.nodes} nodes (one more kept aside for membership changes)`);
    await cluster.boot(BOOT_TIMEOUT_MS);
    timeline.record({
      event: 'run',
      detail: { milestone: 'cluster formed', members: cluster.memberIds() },
    });
    log(
      `chaos: cluster formed: ${cluster.memberIds().join(', ')}, leader ${(await cluster.leader()) ?? '?'}`,
    );

    const workloadRandom = random.fork();
    const stopAt = Date.now() + options.durationS * 1000;
    const isStopping = (): boolean => signal.aborted || Date.now() >= stopAt;
    const keys = new MissionKeyPool(
      options.keys,
      OPS_PER_MISSION,
      (uavId) => registerUav(running, workloadRandom, uavId),
      isStopping,
    );
    await keys.fill();
    timeline.record({ event: 'run', detail: { milestone: 'workload started' } });
    const clients = Array.from(
      { length: options.clients },
      () =>
        new WorkloadClient({
          history,
          keys,
          targets: () => running.clientTargets(),
          random: workloadRandom.fork(),
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
          isStopping,
        }),
    );
    const nemesis = new Nemesis({
      cluster,
      schedule: new NemesisSchedule(random.fork(), options.faults, {
        ...DEFAULT_TIMING,
        electionTimeoutMs: MAX_ELECTION_TIMEOUT_MS,
      }),
      timeline,
      log,
      joinTimeoutMs: JOIN_TIMEOUT_MS,
    });
    const runStarted = Date.now();
    const progress = setInterval(() => {
      const c = history.operationCounts;
      const elapsed = Math.round((Date.now() - runStarted) / 1000);
      log(
        `chaos: [${elapsed}/${options.durationS} s] ops=${c.ops} ok=${c.ok} fail=${c.fail} info=${c.info} faults=${timeline.faultCount} members=${running.memberIds().join(',')} faulty-links=${running.mesh.faultyLinks().length}`,
      );
    }, PROGRESS_EVERY_MS);
    try {
      await Promise.all([...clients.map((c) => c.run()), nemesis.run(isStopping)]);
    } finally {
      clearInterval(progress);
    }
    await keys.settle();
    history.abandonOpen();
    timeline.record({ event: 'run', detail: { milestone: 'workload stopped' } });
    if (signal.aborted) throw new Error('interrupted');

    log('chaos: healing everything and waiting for the cluster to settle');
    const restarted = cluster.healAll();
    timeline.record({ event: 'run', detail: { milestone: 'final heal', restarted } });
    let finalCommit: number | undefined;
    try {
      const views = await cluster.settle(SETTLE_TIMEOUT_MS);
      const leaderId =
        views.find((v) => v.is_leader)?.node_id ?? views[0].leader ?? cluster.memberIds()[0];
      log(
        `chaos: settled: leader ${leaderId}, members ${cluster.memberIds().join(', ')}, commit index ${views[0].commit_index}`,
      );
      await finalReads(
        cluster,
        history,
        keys.allKeys().map((k) => k.missionId),
        leaderId,
      );
      // The final reads went through Raft too: settle again so that every node holds one index.
      const finalViews = await cluster.settle(SETTLE_TIMEOUT_MS);
      finalCommit = Math.max(...finalViews.map((v) => v.commit_index));
      log('chaos: checking the final state');
      durability = checkDurability(history.pairs(), await databases.missions(leaderId));
      convergence = await checkConvergence(databases, leaderId, cluster.memberIds());
    } catch (error) {
      // Not settling is a finding in itself; the history can still be checked.
      harnessErrors.push(error instanceof Error ? error.message : String(error));
      log(`chaos: ${harnessErrors[harnessErrors.length - 1]}`);
    }
    log('chaos: checking the history');
    const views = await Promise.all(cluster.memberIds().map((id) => running.view(id)));
    const commitBound = finalCommit ?? Math.max(0, ...views.map((v) => v?.commit_index ?? 0));
    staleReads = checkStaleReads(history.pairs(), commitBound);
    // The budget for the search grows with the history, within reason.
    const checkTimeoutMs = Math.min(300_000, 30_000 + options.durationS * 500);
    linearizability = checkHistoryLinearizable(history.history(), ['linearizable'], checkTimeoutMs);
    leaseReads = checkHistoryLinearizable(history.history(), ['lease'], checkTimeoutMs);
  } catch (error) {
    harnessErrors.push(error instanceof Error ? error.message : String(error));
    log(`chaos: ${harnessErrors[harnessErrors.length - 1]}`);
    history.abandonOpen();
  } finally {
    log('chaos: stopping the nodes and dropping their databases');
    await cluster?.shutdown();
    for (const problem of await databases.dropAll()) harnessErrors.push(`cleanup: ${problem}`);
    await history.close();
    await timeline.close();
  }

  const summary: ChaosSummary = {
    options: { ...options },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    operations: history.operationCounts,
    faults: timeline.faultCount,
    faultKinds: [...timeline.kindsSeen()].sort(),
    linearizability,
    ...(leaseReads ? { leaseReads } : {}),
    durability,
    staleReads,
    convergence,
    crashes: cluster?.crashes ?? [],
    harnessErrors,
  };
  await writeSummary(options.outDir, summary);
  return { summary, line: finalLine(summary), clean: verdictOf(summary).clean };
}
