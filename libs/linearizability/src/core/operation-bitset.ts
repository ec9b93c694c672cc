/**
 * The set of operations linearized so far, with a hash kept up to date on every change.
 *
 * The hash is Zobrist-style (the XOR of a fixed random word per member), so adding or removing an
 * operation costs O(1) instead of rehashing every word at each search step.
 */
export class OperationBitset {
  readonly words: Uint32Array;
  private readonly salts: Int32Array;
  private currentHash = 0;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
    this.salts = pseudoRandomWords(size);
  }

  get hash(): number {
    return this.currentHash;
  }

  add(member: number): void {
    this.words[member >>> 5] |= 1 << (member & 31);
    this.currentHash ^= this.salts[member];
  }

  remove(member: number): void {
    this.words[member >>> 5] &= ~(1 << (member & 31));
    this.currentHash ^= this.salts[member];
  }

  /** Whether `arena[offset...]` holds the same members. */
  equalsWordsAt(arena: Uint32Array, offset: number): boolean {
    const words = this.words;
    for (let i = 0; i < words.length; i++) if (words[i] !== arena[offset + i]) return false;
    return true;
  }
}

/** Fixed seed: the same history always searches the same way, which keeps failures reproducible. */
const SALT_SEED = 0x2545f491;

/** xorshift32: plenty for hash salts, and deterministic. */
function pseudoRandomWords(count: number): Int32Array {
  const words = new Int32Array(count);
  let x = SALT_SEED;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return words;
}
