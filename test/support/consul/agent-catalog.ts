/**
 * What the agent knows: its node, the services registered with it and the state of their checks,
 * with the Raft-style create/modify indexes Consul keeps for each. No timers and no HTTP here: the
 * check runner and the reaper change this state through its methods, the router reads it.
 */
import { ChangeIndex } from './blocking-query';
import { CheckStatus } from './consul-json';
import { CheckDefinition, ServiceDefinition, ServiceRegistration } from './registration';

/** Consul keeps at most this much of a check's output (`check_output_max_size`). */
export const MAX_CHECK_OUTPUT_BYTES = 4096;

export interface AgentIdentity {
  readonly nodeName: string;
  readonly nodeId: string;
  readonly datacenter: string;
  readonly address: string;
  /** The index at which the node (and its serfHealth check) entered the catalog. */
  readonly createIndex: number;
}

export interface ServiceState {
  readonly definition: ServiceDefinition;
  readonly createIndex: number;
  /** Changes only with the definition: a check changing does not touch the service. */
  readonly modifyIndex: number;
}

export interface CheckState {
  readonly definition: CheckDefinition;
  readonly status: CheckStatus;
  readonly output: string;
  readonly createIndex: number;
  /** Changes with the status or the definition, not with the output alone. */
  readonly modifyIndex: number;
  /** Monotonic milliseconds since which the check has been critical; undefined when it is not. */
  readonly criticalSinceMs: number | undefined;
}

export interface AgentCatalogOptions {
  readonly identity: AgentIdentity;
  readonly changeIndex: ChangeIndex;
  /** Monotonic clock in milliseconds. */
  readonly now: () => number;
  /** Told after checks were added, replaced or removed, so that their probes follow. */
  readonly onCheckSetChanged: () => void;
}

export class AgentCatalog {
  private readonly servicesById = new Map<string, ServiceState>();
  private readonly checksById = new Map<string, CheckState>();

  constructor(private readonly options: AgentCatalogOptions) {}

  get identity(): AgentIdentity {
    return this.options.identity;
  }

  services(): ServiceState[] {
    return [...this.servicesById.values()].sort((a, b) =>
      a.definition.id.localeCompare(b.definition.id),
    );
  }

  service(id: string): ServiceState | undefined {
    return this.servicesById.get(id);
  }

  checks(): CheckState[] {
    return [...this.checksById.values()].sort((a, b) =>
      a.definition.id.localeCompare(b.definition.id),
    );
  }

  check(id: string): CheckState | undefined {
    return this.checksById.get(id);
  }

  checksOfService(serviceId: string): CheckState[] {
    return this.checks().filter((check) => check.definition.serviceId === serviceId);
  }

  /**
   * Adds or updates a service, as re-registering the same ID does in Consul: a check that already
   * existed keeps its status and output (the agent restores them from its snapshot), and checks
   * missing from the new definition stay unless `replaceExistingChecks`.
   */
  register(registration: ServiceRegistration, replaceExistingChecks: boolean): void {
    let writeIndex: number | undefined;
    // One write per registration, taken only when something visible changes.
    const index = (): number => (writeIndex ??= this.options.changeIndex.next());
    const { service, checks } = registration;

    const previous = this.servicesById.get(service.id);
    if (!previous || !sameJson(previous.definition, service)) {
      this.servicesById.set(service.id, {
        definition: service,
        createIndex: previous?.createIndex ?? index(),
        modifyIndex: index(),
      });
    }

    let checkSetChanged = false;
    for (const definition of checks) {
      const existing = this.checksById.get(definition.id);
      if (existing && sameJson(existing.definition, definition)) continue;
      checkSetChanged = true;
      if (existing) {
        this.checksById.set(definition.id, { ...existing, definition, modifyIndex: index() });
      } else {
        const status = definition.initialStatus;
        this.checksById.set(definition.id, {
          definition,
          status,
          output: '',
          createIndex: index(),
          modifyIndex: index(),
          criticalSinceMs: status === 'critical' ? this.options.now() : undefined,
        });
      }
    }
    if (replaceExistingChecks) {
      const kept = new Set(checks.map((check) => check.id));
      for (const check of this.checksOfService(service.id)) {
        if (!kept.has(check.definition.id)) {
          this.checksById.delete(check.definition.id);
          index();
          checkSetChanged = true;
        }
      }
    }
    if (checkSetChanged) this.options.onCheckSetChanged();
  }

  /** Removes a service and its checks; false when there is no such service. */
  deregister(serviceId: string): boolean {
    if (!this.servicesById.delete(serviceId)) return false;
    this.options.changeIndex.next();
    for (const check of this.checksOfService(serviceId))
      this.checksById.delete(check.definition.id);
    this.options.onCheckSetChanged();
    return true;
  }

  /**
   * Records a check's new status and output. Only a status change is a write (new index): Consul
   * syncs output-only changes lazily, so they wake no watcher.
   */
  updateCheck(checkId: string, status: CheckStatus, output: string): boolean {
    const existing = this.checksById.get(checkId);
    if (!existing) return false;
    const truncated = truncateOutput(output);
    if (existing.status === status) {
      this.checksById.set(checkId, { ...existing, output: truncated });
      return true;
    }
    this.checksById.set(checkId, {
      ...existing,
      status,
      output: truncated,
      modifyIndex: this.options.changeIndex.next(),
      criticalSinceMs:
        status === 'critical' ? (existing.criticalSinceMs ?? this.options.now()) : undefined,
    });
    return true;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function truncateOutput(output: string): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= MAX_CHECK_OUTPUT_BYTES) return output;
  return bytes.subarray(0, MAX_CHECK_OUTPUT_BYTES).toString('utf8');
}
