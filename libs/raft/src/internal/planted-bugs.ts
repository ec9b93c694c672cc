/**
 * The test-only switch for deliberately planted bugs, which show that the simulator's checkers can
 * fail. Only the core's raft.ts reads it and only `libs/raft/testing/` sets it (a lint rule forbids
 * every other import of this file), and the package's public API never exposes the symbol, so
 * production code cannot turn a bug on.
 */
export const PLANTED_BUG_NAMES = [
  'commit-old-term',
  'double-vote',
  'no-log-up-to-date-check',
  'readindex-no-heartbeat',
  'learner-votes',
] as const;

export type PlantedBug = (typeof PLANTED_BUG_NAMES)[number];

export const PLANTED_BUGS: unique symbol = Symbol('falconmind.raft.plantedBugs');

export interface WithPlantedBugs {
  readonly [PLANTED_BUGS]?: ReadonlySet<PlantedBug>;
}
