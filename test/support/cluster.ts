/**
 * Test support for the fleet's end-to-end tests: a cluster of real node processes formed as the
 * original deployment is (each node knows the ones started before it), HTTP calls that keep the
 * response headers, and direct queries of each node's own PostgreSQL database.
 */
import { Client } from 'pg';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Entry } from '@falconmind/raft';
import { decodeEnvelope } from '@falconmind/consensus/proposal-envelope';
import { entryTypeOfCode } from '@falconmind/consensus/entities/raft-log-entry.entity';
import { LOG_FILE_NAME } from '@falconmind/consensus/file-log-store';
import { readLogFile } from '@falconmind/consensus/log-file-state';
import { RAFT_LOG_DIRECTORY } from '@falconmind/consensus/node/node-log-store';
import { createNodeDatabase, freePortPair, NodeProcess, PeerSpec, waitFor } from './node-process';

export interface MemberView {
  readonly node_id: string;
  readonly role: 'leader' | 'follower' | 'learner';
  readonly suffrage: 'voter' | 'learner';
  readonly address: string | null;
}

/** `GET /cluster/info`. */
export interface ClusterInfo {
  readonly node_id: string;
  readonly leader: string | null;
  readonly is_leader: boolean;
  readonly role: string;
  readonly term: number;
  readonly commit_index: number;
  readonly applied_index: number;
  readonly last_index: number;
  readonly snapshot_index: number;
  readonly is_member: boolean;
  readonly nodes: readonly MemberView[];
}

/** An answer of the HTTP API, its headers included. */
export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** One HTTP call to a node; the body is parsed as JSON when it is JSON. Throws on network errors. */
export async function call<T = Record<string, unknown>>(
  node: NodeProcess,
  method: string,
  pathname: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<HttpAnswer<T>> {
  const response = await fetch(`${node.url}${pathname}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON: keep the text, so that an assertion shows it.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/**
 * `call` for an idempotent request (a create with its id, a registration), retried as a client
 * would while the cluster answers 503 `retryable` (no leader yet, or a leader change in flight).
 */
export async function callRetrying<T = Record<string, unknown>>(
  node: NodeProcess,
  method: string,
  pathname: string,
  body?: unknown,
  headers: Record<string, string> = {},
  attempts = 8,
): Promise<HttpAnswer<T>> {
  for (let attempt = 1; ; attempt++) {
    const answer = await call<T>(node, method, pathname, body, headers);
    const retryable =
      answer.status === 503 && (answer.body as { retryable?: boolean }).retryable === true;
    if (!retryable || attempt >= attempts) return answer;
    await sleep(250 * attempt);
  }
}

/** The node's view of the cluster, or undefined when it does not answer. */
export async function clusterInfo(node: NodeProcess): Promise<ClusterInfo | undefined> {
  try {
    const { status, body } = await node.getJson<ClusterInfo>('/cluster/info');
    return status === 200 ? body : undefined;
  } catch {
    return undefined;
  }
}

export function peerOf(node: NodeProcess): PeerSpec {
  return { node_id: node.nodeId, address: '127.0.0.1', port: node.spec.httpPort };
}

/** The last `lines` lines of a node's output, for failure messages. */
export function tail(node: NodeProcess, lines = 30): string {
  return `--- ${node.nodeId}:\n${node.logs().split('\n').slice(-lines).join('\n')}`;
}

/**
 * Creates the nodes (each with its own database) and starts them: the first knows no one, each
 * later one knows those before it. Resolves once every one answers /health/live; if one does not,
 * kills them all and rejects.
 */
export async function startCluster(
  ids: readonly string[],
  env: Record<string, string>,
): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = [];
  for (const nodeId of ids) {
    nodes.push(
      new NodeProcess({
        nodeId,
        httpPort: await freePortPair(),
        databaseUrl: await createNodeDatabase(nodeId),
        peers: nodes.map(peerOf),
        env,
      }),
    );
  }
  for (const node of nodes) node.start();
  try {
    await Promise.all(nodes.map((n) => n.waitUntilLive()));
  } catch (error) {
    // The caller never sees these nodes: stop them here (their databases go with `dropDatabases`).
    await Promise.all(nodes.map((n) => n.kill()));
    throw error;
  }
  return nodes;
}

/**
 * Waits until every node answers, all agree on one leader, and each lists exactly `nodes` as its
 * voters (with addresses). Returns the views, in the order of `nodes`.
 */
export async function awaitAgreement(
  nodes: readonly NodeProcess[],
  timeoutMs = 30_000,
): Promise<ClusterInfo[]> {
  const voters = nodes
    .map((n) => n.nodeId)
    .sort()
    .join(',');
  let last: Array<ClusterInfo | undefined> = [];
  try {
    await waitFor(`agreement on ${voters}`, timeoutMs, async () => {
      last = await Promise.all(nodes.map(clusterInfo));
      if (last.some((i) => !i?.leader)) return false;
      if (new Set(last.map((i) => i?.leader)).size !== 1) return false;
      return last.every((i) => {
        if ((i?.nodes ?? []).some((n) => n.address === null)) return false;
        const ids = (i?.nodes ?? []).filter((n) => n.suffrage === 'voter').map((n) => n.node_id);
        return ids.sort().join(',') === voters;
      });
    });
  } catch (error) {
    throw new Error(`${String(error)}\nlast views: ${JSON.stringify(last)}`, { cause: error });
  }
  return last as ClusterInfo[];
}

/** The node that leads, as the nodes agree (see `awaitAgreement`). */
export async function leaderOf(nodes: readonly NodeProcess[]): Promise<NodeProcess> {
  const [view] = await awaitAgreement(nodes);
  const leader = nodes.find((n) => n.nodeId === view.leader);
  if (!leader) throw new Error(`the leader ${String(view.leader)} is not one of the nodes`);
  return leader;
}

/**
 * Waits until every node has applied everything the leader had committed when this was called, and
 * until they all report the same applied index. Returns that index.
 */
export async function awaitSameAppliedIndex(
  nodes: readonly NodeProcess[],
  timeoutMs = 30_000,
): Promise<number> {
  const leader = await leaderOf(nodes);
  const target = (await clusterInfo(leader))?.commit_index ?? 0;
  let views: Array<ClusterInfo | undefined> = [];
  await waitFor(`every node to apply ${target}`, timeoutMs, async () => {
    views = await Promise.all(nodes.map(clusterInfo));
    const applied = views.map((v) => v?.applied_index ?? -1);
    return applied.every((a) => a >= target && a === applied[0]);
  }).catch((error: unknown) => {
    throw new Error(`${String(error)}\nviews: ${JSON.stringify(views)}`, { cause: error });
  });
  return views[0]?.applied_index ?? target;
}

/** Runs one query on the node's own database (a connection of its own, closed afterwards). */
export async function queryNode<T = Record<string, unknown>>(
  node: NodeProcess,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: node.spec.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * The entries of a node's Raft log after its latest snapshot, read from where the node keeps them:
 * its log file (the default), or its `raft_log` table when it runs with RAFT_LOG_STORE=postgres.
 * A running node's file is read as it stands: a write in progress is left out.
 */
export async function nodeLogEntries(node: NodeProcess): Promise<Entry[]> {
  if (node.environment().RAFT_LOG_STORE === 'postgres') {
    const rows = await queryNode<{ index: string; term: string; type: number; data: Buffer }>(
      node,
      'SELECT "index", "term", "type", "data" FROM raft_log ORDER BY "index"',
    );
    const snapshot = await queryNode<{ index: string }>(node, 'SELECT "index" FROM raft_snapshot');
    const after = Number(snapshot[0]?.index ?? 0);
    return rows
      .filter((row) => Number(row.index) > after)
      .map((row) => ({
        index: Number(row.index),
        term: Number(row.term),
        type: entryTypeOfCode(row.type),
        data: new Uint8Array(row.data),
      }));
  }
  const file = path.join(node.dataDir, RAFT_LOG_DIRECTORY, LOG_FILE_NAME);
  return [...readLogFile(await readFile(file)).entries];
}

/** One command entry of a node's Raft log, decoded. */
export interface LoggedCommand {
  readonly index: number;
  readonly term: number;
  readonly requestId: string;
  /** The fleet command as proposed (its JSON). */
  readonly command: Record<string, unknown>;
}

/**
 * The command entries still in the node's log (those after its latest snapshot) past `afterIndex`,
 * in log order. Membership changes are left out.
 */
export async function loggedCommands(node: NodeProcess, afterIndex = 0): Promise<LoggedCommand[]> {
  const entries = (await nodeLogEntries(node)).filter(
    (entry) => entry.type === 'normal' && entry.index > afterIndex,
  );
  return entries.flatMap((entry) => {
    // An empty entry is a new leader's no-op: no request, no command.
    const envelope = decodeEnvelope(entry.data);
    if (!envelope) return [];
    const json = Buffer.from(envelope.payload).toString('utf8');
    return [
      {
        index: entry.index,
        term: entry.term,
        requestId: envelope.requestId,
        command: JSON.parse(json) as Record<string, unknown>,
      },
    ];
  });
}

/** A valid mission body: one UAV, a lawn-mower search over a small triangle. */
export function missionBody(
  missionId: string | undefined,
  uavId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...(missionId === undefined ? {} : { mission_id: missionId }),
    name: 'survey',
    mission_type: 'SINGLE_UAV',
    uav_list: [uavId],
    payload: {
      search_area: [
        { lat: 1, lon: 1 },
        { lat: 1, lon: 2 },
        { lat: 2, lon: 2 },
      ],
      search_params: { pattern: 'LAWN_MOWER' },
    },
    priority: 5,
    ...extra,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
