/**
 * The history of one key as a doubly linked list of call and return entries in real-time order
 * (Lowe's "just-in-time linearization" representation).
 *
 * Entries are small integers so the list lives in two typed arrays: operation `i` has call entry
 * `2i` and return entry `2i + 1`; operations that never return (`info`) have no return entry, so
 * they never force the search to linearize them. `lift` removes a linearized operation's entries in
 * O(1) and `unlift` puts them back in O(1) when the search backtracks; because backtracking undoes
 * lifts in reverse order, a removed entry's own links stay valid for its reinsertion
 * ("dancing links").
 */
export class EntryList {
  /** Marks the end of the list. */
  static readonly END = -1;

  /** Sentinel before the first entry. */
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  /**
   * @param calls call time of each operation
   * @param returns return time of each operation; `Infinity` for one that never returns
   */
  constructor(
    calls: ArrayLike<number>,
    private readonly returns: ArrayLike<number>,
  ) {
    const operationCount = calls.length;
    this.head = 2 * operationCount;
    this.next = new Int32Array(2 * operationCount + 1).fill(EntryList.END);
    this.prev = new Int32Array(2 * operationCount + 1).fill(EntryList.END);

    const entries: number[] = [];
    for (let operation = 0; operation < operationCount; operation++) {
      entries.push(2 * operation);
      if (Number.isFinite(returns[operation])) entries.push(2 * operation + 1);
    }
    const timeOf = (entry: number): number =>
      EntryList.isCall(entry) ? calls[entry >> 1] : returns[entry >> 1];
    // At equal times calls come first: operations that merely touch count as concurrent, which
    // never turns a linearizable history into a failure on clock granularity.
    entries.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);

    let previous = this.head;
    for (const entry of entries) {
      this.next[previous] = entry;
      this.prev[entry] = previous;
      previous = entry;
    }
  }

  static isCall(entry: number): boolean {
    return (entry & 1) === 0;
  }

  static operationOf(entry: number): number {
    return entry >> 1;
  }

  static callEntryOf(operation: number): number {
    return operation << 1;
  }

  first(): number {
    return this.next[this.head];
  }

  after(entry: number): number {
    return this.next[entry];
  }

  /** Removes the operation's entries: it has been linearized. */
  lift(operation: number): void {
    this.unlink(2 * operation);
    if (Number.isFinite(this.returns[operation])) this.unlink(2 * operation + 1);
  }

  /** Reinserts the entries of the operation lifted last: the search takes it back. */
  unlift(operation: number): void {
    if (Number.isFinite(this.returns[operation])) this.relink(2 * operation + 1);
    this.relink(2 * operation);
  }

  private unlink(entry: number): void {
    const before = this.prev[entry];
    const after = this.next[entry];
    this.next[before] = after;
    if (after !== EntryList.END) this.prev[after] = before;
  }

  private relink(entry: number): void {
    const before = this.prev[entry];
    const after = this.next[entry];
    this.next[before] = entry;
    if (after !== EntryList.END) this.prev[after] = entry;
  }
}
