/**
 * Convergence after healing: every member, read from its own database, holds the same replicated
 * tables (row count and checksum of each) at the same applied index. Nodes are compared with the
 * leader; a node differing in anything counts once.
 */
import { NodeDatabases, TableChecksums } from './node-databases';

export interface NodeState {
  readonly nodeId: string;
  readonly appliedIndex: number;
  readonly tables: TableChecksums;
}

export interface ConvergenceReport {
  readonly reference: string;
  readonly nodes: readonly NodeState[];
  /** Nodes that differ from the reference, with what differs. */
  readonly diverged: ReadonlyArray<{ readonly nodeId: string; readonly differences: string[] }>;
}

export async function readNodeState(databases: NodeDatabases, nodeId: string): Promise<NodeState> {
  // The applied index first, then the tables, then the index again: equal twice means no entry was
  // applied in between, so the checksums belong to that index.
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await databases.appliedIndex(nodeId);
    const tables = await databases.checksums(nodeId);
    const after = await databases.appliedIndex(nodeId);
    if (before === after) return { nodeId, appliedIndex: after, tables };
  }
  throw new Error(`${nodeId} kept applying entries while its tables were read`);
}

export function compareNodes(reference: NodeState, nodes: readonly NodeState[]): ConvergenceReport {
  const diverged: Array<{ nodeId: string; differences: string[] }> = [];
  for (const node of nodes) {
    if (node.nodeId === reference.nodeId) continue;
    const differences: string[] = [];
    if (node.appliedIndex !== reference.appliedIndex) {
      differences.push(`applied index ${node.appliedIndex} vs ${reference.appliedIndex}`);
    }
    for (const [table, expected] of Object.entries(reference.tables)) {
      const actual = node.tables[table];
      if (!actual || actual.md5 !== expected.md5 || actual.rows !== expected.rows) {
        differences.push(
          `${table}: ${actual?.rows ?? '?'} rows md5 ${actual?.md5 ?? '?'} vs ${expected.rows} rows md5 ${expected.md5}`,
        );
      }
    }
    if (differences.length > 0) diverged.push({ nodeId: node.nodeId, differences });
  }
  return { reference: reference.nodeId, nodes, diverged };
}

export async function checkConvergence(
  databases: NodeDatabases,
  leaderId: string,
  memberIds: readonly string[],
): Promise<ConvergenceReport> {
  const states = await Promise.all(memberIds.map((id) => readNodeState(databases, id)));
  const reference = states.find((s) => s.nodeId === leaderId) ?? states[0];
  return compareNodes(reference, states);
}
