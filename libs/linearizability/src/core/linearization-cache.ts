import type { OperationBitset } from './operation-bitset';

/** Nothing further in a hash chain. */
const NONE = -1;

/**
 * The (linearized operations, model state) pairs the search has already reached. What can still
 * be linearized depends only on that pair, so reaching one a second time (through another order of
 * the same operations) cannot lead anywhere new: Lowe's memoization, which turns the search from
 * factorial into roughly linear on realistic histories.
 *
 * The bitsets are copied into one growing arena rather than into an array each, because a search
 * stores one per step and allocating them separately keeps the garbage collector busy.
 */
export class LinearizationCache {
  private arena: Uint32Array;
  private readonly stateKeys: string[] = [];
  private chainNext: Int32Array;
  private readonly chainStart = new Map<number, number>();
  private size = 0;

  constructor(private readonly wordsPerBitset: number) {
    const initialCapacity = 64;
    this.arena = new Uint32Array(initialCapacity * wordsPerBitset);
    this.chainNext = new Int32Array(initialCapacity);
  }

  /** Records the pair; false when it had been reached before. */
  addIfAbsent(linearized: OperationBitset, stateKey: string): boolean {
    const hash = (linearized.hash ^ Math.imul(hashString(stateKey), 0x9e3779b1)) | 0;
    const first = this.chainStart.get(hash) ?? NONE;
    for (let entry = first; entry !== NONE; entry = this.chainNext[entry]) {
      if (
        this.stateKeys[entry] === stateKey &&
        linearized.equalsWordsAt(this.arena, entry * this.wordsPerBitset)
      ) {
        return false;
      }
    }
    if (this.size === this.chainNext.length) this.grow();
    const entry = this.size++;
    this.arena.set(linearized.words, entry * this.wordsPerBitset);
    this.stateKeys.push(stateKey);
    this.chainNext[entry] = first;
    this.chainStart.set(hash, entry);
    return true;
  }

  private grow(): void {
    const arena = new Uint32Array(this.arena.length * 2);
    arena.set(this.arena);
    this.arena = arena;
    const chainNext = new Int32Array(this.chainNext.length * 2);
    chainNext.set(this.chainNext);
    this.chainNext = chainNext;
  }
}

/** FNV-1a over UTF-16 code units. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}
