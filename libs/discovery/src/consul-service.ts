import { DiscoveredNode, NodeAnnouncement, NodeStatus, isAnnouncedRole } from './discovery';
import { DiscoveryTimings } from './discovery-timings';
import { ConsulServiceDefinition } from './consul-api';
import { asObject, nonEmptyString, portNumber } from './json-fields';

/** The service name every node of every cluster registers under; `cluster_id` meta tells them apart. */
export const CONSUL_SERVICE_NAME = 'falconmind-cluster-center';

/** Check IDs are unique per agent, and several nodes may share one agent: the node id is in them. */
export function readyCheckId(nodeId: string): string {
  return `service:${nodeId}:health-ready`;
}

export function raftLoopCheckId(nodeId: string): string {
  return `service:${nodeId}:raft-loop`;
}

/** Milliseconds as a Go duration string, the syntax Consul reads. */
function goDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** A host for a URL: IPv6 literals need brackets. */
function urlHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * The agent service for this node: ID = node id, Address/Port = its HTTP API, tags = its current
 * role, meta = what peers need to reach its Raft transport and to tell clusters apart, and two
 * checks: the HTTP check on `/health/ready` and the TTL check `heartbeat()` passes.
 */
export function serviceDefinition(
  self: NodeAnnouncement,
  status: NodeStatus,
  timings: DiscoveryTimings,
): ConsulServiceDefinition {
  const deregisterCriticalServiceAfter = goDuration(timings.consulDeregisterCriticalAfterMs);
  return {
    name: CONSUL_SERVICE_NAME,
    id: self.nodeId,
    address: self.httpAddress,
    port: self.httpPort,
    tags: [status.role],
    meta: {
      node_id: self.nodeId,
      cluster_id: self.clusterId,
      raft_address: self.raftAddress,
      raft_port: String(self.raftPort),
      version: self.version,
      // Tags carry the role; readiness and term travel in meta so that a peer can read a whole status.
      ready: String(status.ready),
      term: String(status.term),
    },
    checks: [
      {
        checkId: readyCheckId(self.nodeId),
        name: 'FalconMind node ready (/health/ready)',
        http: `http://${urlHost(self.httpAddress)}:${self.httpPort}/health/ready`,
        interval: goDuration(timings.consulCheckIntervalMs),
        timeout: goDuration(timings.consulCheckTimeoutMs),
        deregisterCriticalServiceAfter,
      },
      {
        checkId: raftLoopCheckId(self.nodeId),
        name: 'FalconMind Raft loop alive',
        ttl: goDuration(timings.consulTtlCheckMs),
        deregisterCriticalServiceAfter,
      },
    ],
  };
}

function metaNumber(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Reads one entry of `/v1/health/service/<name>` as a node of `clusterId`; `undefined` for another
 * cluster's service or one this software did not register.
 */
export function nodeFromHealthEntry(entry: unknown, clusterId: string): DiscoveredNode | undefined {
  const fields = asObject(entry);
  const service = asObject(fields?.Service);
  const meta = asObject(service?.Meta);
  if (service === undefined || meta === undefined || meta.cluster_id !== clusterId)
    return undefined;
  const agentNode = asObject(fields?.Node);
  const nodeId = nonEmptyString(meta.node_id) ?? nonEmptyString(service.ID);
  // An empty service Address means "the agent's node address", as in Consul's own DNS answers.
  const httpAddress = nonEmptyString(service.Address) ?? nonEmptyString(agentNode?.Address);
  const httpPort = portNumber(service.Port);
  const raftPort = portNumber(metaNumber(meta.raft_port));
  const tags: unknown[] = Array.isArray(service.Tags) ? service.Tags : [];
  const role = tags.find(isAnnouncedRole) ?? 'starting';
  if (nodeId === undefined || httpAddress === undefined || httpPort === undefined) return undefined;
  if (raftPort === undefined) return undefined;
  const checks: unknown[] = Array.isArray(fields?.Checks) ? fields.Checks : [];
  return {
    nodeId,
    clusterId,
    httpAddress,
    httpPort,
    raftAddress: nonEmptyString(meta.raft_address) ?? httpAddress,
    raftPort,
    version: typeof meta.version === 'string' ? meta.version : '',
    status: { role, ready: meta.ready === 'true', term: metaNumber(meta.term) ?? 0 },
    healthy: checks.length > 0 && checks.every((check) => asObject(check)?.Status === 'passing'),
  };
}

/** The agent node name of a health entry (needed to remove a service of another agent). */
export function agentNodeOfHealthEntry(
  entry: unknown,
): { node: string; serviceId: string } | undefined {
  const fields = asObject(entry);
  const node = nonEmptyString(asObject(fields?.Node)?.Node);
  const serviceId = nonEmptyString(asObject(fields?.Service)?.ID);
  return node === undefined || serviceId === undefined ? undefined : { node, serviceId };
}
