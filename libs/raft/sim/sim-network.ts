import { Message, NodeId, SeededRandom } from '@falconmind/raft';

interface InFlight {
  readonly deliverAt: number;
  readonly message: Message;
}

/** How the simulated network treats messages right now. */
export interface LinkConditions {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Each message is delayed by a uniform number of ticks in [0, maxDelayTicks]: reordering. */
  maxDelayTicks: number;
}

export const HEALTHY_LINKS: LinkConditions = { dropRate: 0, duplicateRate: 0, maxDelayTicks: 1 };

/**
 * An in-memory network with per-direction partitions, loss, duplication and random delays (which
 * reorder). Messages on a link cut by a partition are lost, including those already in flight, as
 * packets on a cut cable are.
 */
export class SimNetwork {
  conditions: LinkConditions = { ...HEALTHY_LINKS };
  private inFlight: InFlight[] = [];
  private readonly cut = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  send(message: Message, now: number): 'sent' | 'dropped' {
    if (
      this.isCut(message.from, message.to) ||
      this.random.nextFloat() < this.conditions.dropRate
    ) {
      return 'dropped';
    }
    this.enqueue(message, now);
    if (this.random.nextFloat() < this.conditions.duplicateRate) this.enqueue(message, now);
    return 'sent';
  }

  /** Every message due by `now`, in random order, removed from the network. */
  takeDue(now: number): Message[] {
    const due: Message[] = [];
    const later: InFlight[] = [];
    for (const item of this.inFlight) {
      if (item.deliverAt > now) later.push(item);
      else if (!this.isCut(item.message.from, item.message.to)) due.push(item.message);
    }
    this.inFlight = later;
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.random.nextInt(i + 1);
      [due[i], due[j]] = [due[j], due[i]];
    }
    return due;
  }

  /** Puts a message back to be delivered later (its receiver is paused). */
  defer(message: Message, at: number): void {
    this.inFlight.push({ deliverAt: at, message });
  }

  /** Drops everything addressed to `id` (it crashed: its sockets are gone). */
  dropAllTo(id: NodeId): void {
    this.inFlight = this.inFlight.filter((item) => item.message.to !== id);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  healPartitions(): void {
    this.cut.clear();
  }

  healAll(): void {
    this.cut.clear();
    this.conditions = { ...HEALTHY_LINKS };
  }

  pending(): number {
    return this.inFlight.length;
  }

  private enqueue(message: Message, now: number): void {
    const delay = this.random.nextInt(this.conditions.maxDelayTicks + 1);
    this.inFlight.push({ deliverAt: now + delay, message });
  }
}
