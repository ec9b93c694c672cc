/**
 * Test-only: turns on one deliberately planted bug in a Raft core, to show that the simulator's
 * checkers catch it. Production code cannot import this file (a lint rule forbids it outside tests).
 */
import { RaftConfig } from '../src/config';
import {
  PLANTED_BUG_NAMES,
  PLANTED_BUGS,
  PlantedBug,
  WithPlantedBugs,
} from '../src/internal/planted-bugs';

export { PLANTED_BUG_NAMES };
export type { PlantedBug };

export function isPlantedBug(name: string): name is PlantedBug {
  return (PLANTED_BUG_NAMES as readonly string[]).includes(name);
}

/** `config` with `bug` planted in the core it configures. */
export function withPlantedBug(config: RaftConfig, bug: PlantedBug): RaftConfig {
  const planted: RaftConfig & WithPlantedBugs = { ...config, [PLANTED_BUGS]: new Set([bug]) };
  return planted;
}
