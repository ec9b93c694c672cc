/** What the route handlers work on: the agent's state and the machinery around it. */
import { AgentCatalog } from './agent-catalog';
import { ChangeIndex, ResultIndexTracker } from './blocking-query';
import { CheckRunner } from './check-runner';
import { Exchange, Reply } from './http-exchange';
import { KvStore } from './kv-store';

export interface AgentContext {
  readonly catalog: AgentCatalog;
  readonly checkRunner: CheckRunner;
  readonly kv: KvStore;
  readonly changeIndex: ChangeIndex;
  readonly resultIndexes: ResultIndexTracker;
  readonly timeScale: number;
}

export type Handler = (exchange: Exchange, params: readonly string[]) => Promise<Reply> | Reply;

export interface Route {
  /** Matched against the path below `/v1/`; capture groups become `params`. */
  readonly pattern: RegExp;
  readonly handlers: Readonly<Partial<Record<'GET' | 'PUT' | 'POST' | 'DELETE', Handler>>>;
  /** Consul answers these without a token even with ACLs in default-deny (e.g. `/v1/status/*`). */
  readonly open?: boolean;
}
