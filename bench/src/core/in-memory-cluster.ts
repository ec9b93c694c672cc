import { ConfState, MemoryStorage, Message, NodeId, RawNode, SeededRandom } from '@falconmind/raft';

/** At most this many entries are kept behind the applied index at a compaction (a tail for slow followers). */
const MAX_KEPT_TAIL = 1_000;
const EMPTY_IMAGE = new Uint8Array(0);

interface CoreNode {
  readonly raw: RawNode;
  readonly storage: MemoryStorage;
  applied: number;
  compactedTo: number;
}

/**
 * Three (or more) RawNodes wired to each other in memory, driven the way a host must drive them
 * (persist, send, apply, advance) and nothing more: no clock, no I/O, no record of messages, so what
 * is measured is the core itself. The storage is compacted as it grows, so a long run measures a
 * steady state rather than a growing array.
 */
export class InMemoryCluster {
  private readonly nodes = new Map<NodeId, CoreNode>();
  private queue: Message[] = [];
  /** Normal entries with data applied by the leader: what the benchmark counts. */
  committedByLeader = 0;
  private readonly confState: ConfState;

  private readonly keptTail: number;

  /**
   * `compactEvery`: entries applied between two compactions, as a node's SNAPSHOT_THRESHOLD (whose
   * default is 10,000): how long the in-memory log grows.
   */
  constructor(
    ids: readonly NodeId[],
    private readonly leaderId: NodeId,
    private readonly compactEvery: number,
    seed = 1,
  ) {
    this.keptTail = Math.min(MAX_KEPT_TAIL, Math.floor(compactEvery / 10));
    this.confState = { voters: [...ids], learners: [] };
    for (const [index, id] of ids.entries()) {
      const storage = MemoryStorage.bootstrap(this.confState);
      const raw = new RawNode({ id, storage, random: new SeededRandom(seed + index) });
      this.nodes.set(id, { raw, storage, applied: storage.lastIndex(), compactedTo: 0 });
    }
    this.node(leaderId).raw.campaign();
    this.stabilize();
    if (this.node(leaderId).raw.basicStatus().role !== 'leader')
      throw new Error(`${leaderId} did not win the first election`);
  }

  private node(id: NodeId): CoreNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  proposeBatch(payloads: readonly Uint8Array[]): void {
    this.node(this.leaderId).raw.proposeBatch(payloads);
  }

  /** Runs readies and delivers messages until no node has anything left to do. */
  stabilize(): void {
    for (;;) {
      let busy = false;
      for (const [id, node] of this.nodes) {
        while (node.raw.hasReady()) {
          this.processReady(id, node);
          busy = true;
        }
      }
      if (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        for (const message of batch) this.node(message.to).raw.step(message);
        busy = true;
      }
      if (!busy) return;
    }
  }

  private processReady(id: NodeId, node: CoreNode): void {
    const ready = node.raw.ready();
    if (ready.snapshot) node.storage.applySnapshot(ready.snapshot);
    if (ready.entries.length > 0) node.storage.append(ready.entries);
    if (ready.hardState) node.storage.setHardState(ready.hardState);
    for (const message of ready.messages) this.queue.push(message);
    for (const entry of ready.committedEntries) {
      if (id === this.leaderId && entry.type === 'normal' && entry.data.byteLength > 0)
        this.committedByLeader++;
      node.applied = entry.index;
    }
    node.raw.advance();
    if (node.applied - node.compactedTo >= this.compactEvery + this.keptTail) {
      // The state machine here holds nothing, so the snapshot standing for the dropped entries is empty.
      node.compactedTo = node.applied - this.keptTail;
      node.storage.createSnapshot(node.compactedTo, this.confState, EMPTY_IMAGE);
      node.storage.compact(node.compactedTo);
    }
  }
}
