/**
 * Renders the agent's state as Consul's endpoints show it. The catalog of a dev agent also holds
 * the `consul` service of the server itself and the node's `serfHealth` check; both appear here,
 * and not in the agent's own `/v1/agent/*` listings, as with a real agent.
 */
import { AgentCatalog, AgentIdentity, CheckState, ServiceState } from './agent-catalog';
import {
  AgentServiceJson,
  CatalogServiceJson,
  ConsulNodeJson,
  HealthCheckJson,
  HealthServiceJson,
  KvEntryJson,
  ServiceEntryJson,
} from './consul-json';
import { formatGoDuration } from './durations';
import { KvEntry } from './kv-store';
import { ServiceDefinition } from './registration';

/** The Raft/server port the `consul` service is registered with. */
export const SERVER_RPC_PORT = 8300;

function builtinConsulService(identity: AgentIdentity): ServiceState {
  const definition: ServiceDefinition = {
    id: 'consul',
    name: 'consul',
    tags: [],
    address: '',
    port: SERVER_RPC_PORT,
    meta: {},
    enableTagOverride: false,
    weights: { Passing: 1, Warning: 1 },
  };
  return { definition, createIndex: identity.createIndex, modifyIndex: identity.createIndex };
}

/** The services of the catalog: the agent's, plus the server's own `consul` service. */
export function catalogServices(catalog: AgentCatalog): ServiceState[] {
  const own = catalog.services().filter((service) => service.definition.id !== 'consul');
  return [builtinConsulService(catalog.identity), ...own];
}

export function nodeJson(identity: AgentIdentity): ConsulNodeJson {
  return {
    ID: identity.nodeId,
    Node: identity.nodeName,
    Address: identity.address,
    Datacenter: identity.datacenter,
    TaggedAddresses: {
      lan: identity.address,
      lan_ipv4: identity.address,
      wan: identity.address,
      wan_ipv4: identity.address,
    },
    Meta: { 'consul-network-segment': '' },
    CreateIndex: identity.createIndex,
    ModifyIndex: identity.createIndex,
  };
}

export function agentServiceJson(
  service: ServiceState,
  datacenter: string,
  contentHash?: string,
): AgentServiceJson {
  const { definition } = service;
  return {
    ID: definition.id,
    Service: definition.name,
    Tags: [...definition.tags],
    Meta: { ...definition.meta },
    Port: definition.port,
    Address: definition.address,
    Weights: { ...definition.weights },
    EnableTagOverride: definition.enableTagOverride,
    Datacenter: datacenter,
    ...(contentHash === undefined ? {} : { ContentHash: contentHash }),
  };
}

/** The node's own check, always passing while the agent answers. */
export function serfHealthJson(identity: AgentIdentity): HealthCheckJson {
  return {
    Node: identity.nodeName,
    CheckID: 'serfHealth',
    Name: 'Serf Health Status',
    Status: 'passing',
    Notes: '',
    Output: 'Agent alive and reachable',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: identity.createIndex,
    ModifyIndex: identity.createIndex,
  };
}

/**
 * A check as the catalog shows it. The agent's `/v1/agent/checks` shows the same fields with zero
 * indexes (`withIndexes` false), since the agent's local state has none.
 */
export function checkJson(
  check: CheckState,
  catalog: AgentCatalog,
  withIndexes: boolean,
): HealthCheckJson {
  const { definition } = check;
  const service = catalog.service(definition.serviceId)?.definition;
  return {
    Node: catalog.identity.nodeName,
    CheckID: definition.id,
    Name: definition.name,
    Status: check.status,
    Notes: definition.notes,
    Output: check.output,
    ServiceID: definition.serviceId,
    ServiceName: service?.name ?? '',
    ServiceTags: [...(service?.tags ?? [])],
    Type: definition.probe.kind,
    Interval: definition.intervalMs > 0 ? formatGoDuration(definition.intervalMs) : '',
    Timeout: definition.timeoutMs > 0 ? formatGoDuration(definition.timeoutMs) : '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: withIndexes ? check.createIndex : 0,
    ModifyIndex: withIndexes ? check.modifyIndex : 0,
  };
}

function healthServiceJson(service: ServiceState): HealthServiceJson {
  const { definition } = service;
  return {
    ID: definition.id,
    Service: definition.name,
    Tags: [...definition.tags],
    Address: definition.address,
    Meta: { ...definition.meta },
    Port: definition.port,
    Weights: { ...definition.weights },
    EnableTagOverride: definition.enableTagOverride,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

export interface ServiceQuery {
  readonly name: string;
  /** `?tag=` (repeatable): every one must be among the service's tags, ignoring case as Consul does. */
  readonly tags: readonly string[];
}

function instancesOf(catalog: AgentCatalog, query: ServiceQuery): ServiceState[] {
  const wantedTags = query.tags.map((tag) => tag.toLowerCase());
  return catalogServices(catalog).filter((service) => {
    if (service.definition.name !== query.name) return false;
    const tags = service.definition.tags.map((tag) => tag.toLowerCase());
    return wantedTags.every((tag) => tags.includes(tag));
  });
}

/** `/v1/health/service/:name`; `passingOnly` keeps the entries whose checks all pass. */
export function serviceEntries(
  catalog: AgentCatalog,
  query: ServiceQuery,
  passingOnly: boolean,
): ServiceEntryJson[] {
  const node = nodeJson(catalog.identity);
  return instancesOf(catalog, query)
    .map((service) => ({
      Node: node,
      Service: healthServiceJson(service),
      Checks: [
        serfHealthJson(catalog.identity),
        ...catalog
          .checksOfService(service.definition.id)
          .map((check) => checkJson(check, catalog, true)),
      ],
    }))
    .filter((entry) => !passingOnly || entry.Checks.every((check) => check.Status === 'passing'));
}

/** `/v1/catalog/service/:name`. */
export function catalogServiceEntries(
  catalog: AgentCatalog,
  query: ServiceQuery,
): CatalogServiceJson[] {
  const node = nodeJson(catalog.identity);
  return instancesOf(catalog, query).map(({ definition, createIndex, modifyIndex }) => ({
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: '',
    ServiceID: definition.id,
    ServiceName: definition.name,
    ServiceTags: [...definition.tags],
    ServiceAddress: definition.address,
    ServiceWeights: { ...definition.weights },
    ServiceMeta: { ...definition.meta },
    ServicePort: definition.port,
    ServiceEnableTagOverride: definition.enableTagOverride,
    CreateIndex: createIndex,
    ModifyIndex: modifyIndex,
  }));
}

/** `/v1/catalog/services`: each service name with the union of its instances' tags. */
export function catalogServiceNames(catalog: AgentCatalog): Record<string, string[]> {
  const names: Record<string, string[]> = {};
  for (const { definition } of catalogServices(catalog)) {
    const tags = (names[definition.name] ??= []);
    for (const tag of definition.tags) if (!tags.includes(tag)) tags.push(tag);
  }
  return names;
}

export function kvEntryJson(entry: KvEntry): KvEntryJson {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: entry.flags,
    // Go encodes an empty []byte read from the store as null.
    Value: entry.value.length === 0 ? null : entry.value.toString('base64'),
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}

/** What a health watcher is woken for: everything but check output, which Consul syncs lazily. */
export function healthFingerprint(entries: readonly ServiceEntryJson[]): string {
  return JSON.stringify(
    entries.map((entry) => ({
      ...entry,
      Checks: entry.Checks.map((check) => ({ ...check, Output: '' })),
    })),
  );
}
