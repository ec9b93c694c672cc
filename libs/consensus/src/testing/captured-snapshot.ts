import { StateMachine } from '../state-machine';

/** Test-only: a state machine's snapshot, kept as the chunks it was written in. */
export interface CapturedSnapshot {
  readonly index: number;
  readonly chunks: readonly Uint8Array[];
  /** The image again, a chunk at a time, as a restore reads it. */
  replay(): AsyncIterable<Uint8Array>;
}

export async function captureSnapshot(machine: StateMachine): Promise<CapturedSnapshot> {
  const chunks: Uint8Array[] = [];
  const index = await machine.snapshot((chunk) => {
    chunks.push(Uint8Array.from(chunk));
    return Promise.resolve();
  });
  return {
    index,
    chunks,
    async *replay() {
      for (const chunk of chunks) yield await Promise.resolve(chunk);
    },
  };
}
