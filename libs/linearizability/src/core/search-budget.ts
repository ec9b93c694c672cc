/** How often (in steps) the wall clock is read: reading it every step would dominate the search. */
const CLOCK_CHECK_INTERVAL = 1024;

/** The limits one key's search runs under: a step count of its own and the check's deadline. */
export class SearchBudget {
  constructor(
    readonly maxSteps: number,
    /** `Date.now()` value, or `undefined` for none. */
    readonly deadline: number | undefined,
  ) {}

  /** Why the search must stop after `steps` steps, or `undefined` while it may go on. */
  exhaustedAfter(steps: number): string | undefined {
    if (steps > this.maxSteps) {
      return `search budget of ${this.maxSteps} steps exhausted before a verdict`;
    }
    if (steps % CLOCK_CHECK_INTERVAL === 0) return this.deadlinePassed();
    return undefined;
  }

  /** Why no (more) searching may start, or `undefined` while there is time left. */
  deadlinePassed(): string | undefined {
    if (this.deadline !== undefined && Date.now() >= this.deadline) {
      return 'deadline reached before a verdict';
    }
    return undefined;
  }
}
