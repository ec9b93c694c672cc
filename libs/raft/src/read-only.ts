import { NodeId } from './types';

/** A ReadIndex request waiting for a heartbeat round to confirm that the leader still leads. */
export interface PendingRead {
  /** The commit index when the request arrived: the read must observe at least this much. */
  readonly index: number;
  /** Who asked: this node, or the follower that forwarded it. */
  readonly from: NodeId;
  readonly context: string;
}

/**
 * Pending ReadIndex requests in arrival order (Raft thesis §6.4). A heartbeat round acknowledged by a
 * majority confirms the request it carried and every request that arrived before it.
 */
export class ReadOnlyQueue {
  private readonly pending = new Map<string, PendingRead & { readonly acks: Set<NodeId> }>();
  private queue: string[] = [];

  add(read: PendingRead, self: NodeId): void {
    if (this.pending.has(read.context)) return;
    this.pending.set(read.context, { ...read, acks: new Set([self]) });
    this.queue.push(read.context);
  }

  /** Records `from`'s acknowledgement of the round for `context`; returns who has acknowledged it. */
  recordAck(from: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const read = this.pending.get(context);
    if (!read) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Removes and returns every request up to and including `context`, oldest first. */
  confirmUpTo(context: string): PendingRead[] {
    const position = this.queue.indexOf(context);
    if (position < 0) return [];
    const confirmed: PendingRead[] = [];
    for (const ctx of this.queue.slice(0, position + 1)) {
      const read = this.pending.get(ctx);
      if (read) confirmed.push({ index: read.index, from: read.from, context: read.context });
      this.pending.delete(ctx);
    }
    this.queue = this.queue.slice(position + 1);
    return confirmed;
  }

  /** The newest request: confirming it confirms them all. */
  lastContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
