/**
 * The FalconMind Raft core: a pure, deterministic Raft state machine. No I/O, no timers, no clock.
 * Hosts drive it through {@link RawNode}; see docs/raft.md.
 */
export * from './types';
export * from './errors';
export { RaftConfigError } from './config';
export type { RaftConfig } from './config';
export { SILENT_LOGGER } from './logger';
export type { RaftLogger, LogFields } from './logger';
export { SeededRandom } from './random';
export type { RandomSource } from './random';
export type { Storage, InitialState } from './storage';
export { MemoryStorage } from './memory-storage';
export { RawNode } from './raw-node';
export type { RaftStatus, MemberProgress } from './raw-node';
export type { ProgressState } from './tracker/progress';
export {
  bootstrapEntries,
  encodeConfChange,
  decodeConfChange,
  MalformedConfChangeError,
} from './conf-change';
