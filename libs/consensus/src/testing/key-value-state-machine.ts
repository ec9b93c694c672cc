/**
 * Test-only: a small replicated key-value map, applying JSON `{key, value}` commands. Its durable
 * state (map + applied index) survives driver restarts within one test, as a database would.
 */
import { Entry } from '@falconmind/raft';
import { decodeEnvelope } from '../proposal-envelope';
import { ApplyOutcome, StateMachine } from '../state-machine';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class KeyValueStateMachine implements StateMachine {
  values = new Map<string, string>();
  private applied = 0;
  /** Every request id applied, in order: a repeat would show a double apply. */
  readonly appliedRequests: string[] = [];

  appliedIndex(): Promise<number> {
    return Promise.resolve(this.applied);
  }

  private held: Promise<void> | undefined;
  private commitsHeld: Promise<void> | undefined;

  /** Stalls every apply from now until the returned function is called: a slow database. */
  holdApplies(): () => void {
    const { hold, release } = gate();
    this.held = hold;
    return () => {
      this.held = undefined;
      release();
    };
  }

  /**
   * Lets every apply from now decide its outcomes (and say so to `decided`) but not finish until
   * the returned function is called: a commit that takes its time.
   */
  holdCommits(): () => void {
    const { hold, release } = gate();
    this.commitsHeld = hold;
    return () => {
      this.commitsHeld = undefined;
      release();
    };
  }

  async apply(
    entries: readonly Entry[],
    decided?: (outcomes: readonly ApplyOutcome[]) => void,
  ): Promise<readonly ApplyOutcome[]> {
    await this.held;
    const outcomes = entries.map((entry): ApplyOutcome => {
      if (entry.index !== this.applied + 1)
        throw new Error(`gap: applying ${entry.index} after ${this.applied}`);
      this.applied = entry.index;
      const envelope = entry.type === 'normal' ? decodeEnvelope(entry.data) : undefined;
      if (!envelope) return { status: 'applied' };
      this.appliedRequests.push(envelope.requestId);
      const { key, value } = JSON.parse(decoder.decode(envelope.payload)) as {
        key: string;
        value: string;
      };
      this.values.set(key, value);
      return { status: 'applied', result: value };
    });
    if (this.commitsHeld) {
      decided?.(outcomes);
      await this.commitsHeld;
    }
    return outcomes;
  }

  async snapshot(sink: (chunk: Uint8Array) => Promise<void>): Promise<number> {
    const index = this.applied;
    const image = encoder.encode(JSON.stringify([...this.values]));
    // Two chunks, so that the consumers' reassembly is exercised.
    const half = Math.floor(image.length / 2);
    await sink(image.subarray(0, half));
    await sink(image.subarray(half));
    return index;
  }

  async restore(index: number, image: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of image) parts.push(chunk);
    this.values = new Map(
      JSON.parse(decoder.decode(Buffer.concat(parts))) as Array<[string, string]>,
    );
    this.applied = index;
  }
}

function gate(): { hold: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { hold, release };
}
