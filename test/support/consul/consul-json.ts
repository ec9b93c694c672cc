/**
 * The JSON shapes the agent answers with, field for field as Consul names them (PascalCase). They
 * are exported so that tests and callers can read answers without `any`.
 */

export type CheckStatus = 'passing' | 'warning' | 'critical';

export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

export function isCheckStatus(value: unknown): value is CheckStatus {
  return typeof value === 'string' && (CHECK_STATUSES as readonly string[]).includes(value);
}

export interface ConsulWeights {
  readonly Passing: number;
  readonly Warning: number;
}

/** The node this agent runs on, as `/v1/health/service` shows it. */
export interface ConsulNodeJson {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** An entry of `/v1/agent/services` (and `/v1/agent/service/:id` with `ContentHash`). */
export interface AgentServiceJson {
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Port: number;
  readonly Address: string;
  readonly Weights: ConsulWeights;
  readonly EnableTagOverride: boolean;
  readonly Datacenter: string;
  readonly ContentHash?: string;
}

/** A check as `/v1/agent/checks` and `/v1/health/service` show it. */
export interface HealthCheckJson {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: CheckStatus;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  /** "http", "ttl", or "" for the node's own serfHealth check. */
  readonly Type: string;
  readonly Interval: string;
  readonly Timeout: string;
  readonly ExposedPort: number;
  readonly Definition: Readonly<Record<string, never>>;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** The service part of a `/v1/health/service` entry. */
export interface HealthServiceJson {
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[];
  readonly Address: string;
  readonly Meta: Readonly<Record<string, string>>;
  readonly Port: number;
  readonly Weights: ConsulWeights;
  readonly EnableTagOverride: boolean;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** One entry of `/v1/health/service/:name`. */
export interface ServiceEntryJson {
  readonly Node: ConsulNodeJson;
  readonly Service: HealthServiceJson;
  readonly Checks: readonly HealthCheckJson[];
}

/** One entry of `/v1/catalog/service/:name`. */
export interface CatalogServiceJson {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly NodeMeta: Readonly<Record<string, string>>;
  readonly ServiceKind: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  readonly ServiceAddress: string;
  readonly ServiceWeights: ConsulWeights;
  readonly ServiceMeta: Readonly<Record<string, string>>;
  readonly ServicePort: number;
  readonly ServiceEnableTagOverride: boolean;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** One entry of `/v1/kv/:key`; `Value` is base64, `null` for an empty value (as Go encodes nil). */
export interface KvEntryJson {
  readonly LockIndex: number;
  readonly Key: string;
  readonly Flags: number;
  readonly Value: string | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}
