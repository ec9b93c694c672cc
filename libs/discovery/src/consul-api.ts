import { ConsulDiscoveryConfig } from '@falconmind/config';
import Consul from 'consul';
import { asObject } from './json-fields';

/** A check of the service registration, in the agent's vocabulary (durations as Go strings). */
export interface ConsulCheckDefinition {
  readonly checkId: string;
  readonly name: string;
  /** HTTP check: URL probed every `interval`. */
  readonly http?: string;
  readonly interval?: string;
  readonly timeout?: string;
  /** TTL check: critical unless passed within `ttl`. */
  readonly ttl?: string;
  readonly deregisterCriticalServiceAfter: string;
}

export interface ConsulServiceDefinition {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly checks: readonly ConsulCheckDefinition[];
}

/** One answer of a (blocking) query on `/v1/health/service/<name>`. */
export interface HealthServiceAnswer {
  /** The raw entries: untrusted JSON, parsed by the caller. */
  readonly entries: readonly unknown[];
  /** `X-Consul-Index`: pass it back to block until something changes. */
  readonly index: number;
}

/** Thrown for an HTTP answer that is not 2xx; `status` lets callers tell 404 from an outage. */
export class ConsulHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ConsulHttpError';
  }
}

/** The HTTP status of an error thrown by the `consul` client; `undefined` for a network error. */
function statusOf(error: unknown): number | undefined {
  const response = asObject(asObject(error)?.response);
  const status = response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Rethrows a `consul` client error as a `ConsulHttpError` when the agent answered. */
function normalized(operation: string, error: unknown): Error {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status !== undefined)
    return new ConsulHttpError(status, `${operation}: ${status} ${message}`);
  return error instanceof Error ? error : new Error(message);
}

/**
 * The few agent endpoints discovery needs, typed. Ordinary calls go through the `consul` npm client
 * (it adds the ACL token as `X-Consul-Token` and a timeout to each). The health query uses `fetch`
 * instead: the client returns only the body, so the `X-Consul-Index` a blocking query depends on
 * would be lost, and a `fetch` can be aborted the moment discovery stops instead of hanging for up
 * to the query's `wait`.
 */
export class ConsulApi {
  private readonly client: Consul;
  private readonly baseUrl: URL;
  private readonly token: string | undefined;

  constructor(
    config: ConsulDiscoveryConfig,
    private readonly requestTimeoutMs: number,
  ) {
    this.baseUrl = new URL(config.httpAddr);
    this.token = config.token;
    this.client = new Consul({
      host: this.baseUrl.hostname,
      port: Number(this.baseUrl.port),
      secure: this.baseUrl.protocol === 'https:',
      // The client honours `timeout` among its defaults (a deadline for every call) but its typings
      // leave it out, hence the widening.
      defaults: { token: config.token, timeout: requestTimeoutMs } as { token?: string },
    });
  }

  async registerService(service: ConsulServiceDefinition): Promise<void> {
    try {
      await this.client.agent.service.register({
        name: service.name,
        id: service.id,
        address: service.address,
        port: service.port,
        tags: [...service.tags],
        meta: { ...service.meta },
        checks: service.checks.map((check) => ({
          checkid: check.checkId,
          name: check.name,
          http: check.http,
          interval: check.interval,
          // The client wants a timeout on every check; an empty one means the agent's default.
          timeout: check.timeout ?? '',
          ttl: check.ttl,
          deregistercriticalserviceafter: check.deregisterCriticalServiceAfter,
        })),
      });
    } catch (error) {
      throw normalized('register service', error);
    }
  }

  /** Deregisters a service of this agent; false when the agent has no such service. */
  async deregisterService(serviceId: string): Promise<boolean> {
    try {
      await this.client.agent.service.deregister(serviceId);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw normalized('deregister service', error);
    }
  }

  /** Removes a service from the catalog directly (for a service of another agent). */
  async deregisterFromCatalog(node: string, serviceId: string): Promise<void> {
    try {
      await this.client.catalog.deregister({ node, serviceid: serviceId });
    } catch (error) {
      throw normalized('catalog deregister', error);
    }
  }

  /** Whether this agent has the service (an agent restarted without its state has forgotten it). */
  async hasService(serviceId: string): Promise<boolean> {
    try {
      const services = asObject(await this.client.agent.service.list());
      return services !== undefined && Object.hasOwn(services, serviceId);
    } catch (error) {
      throw normalized('list agent services', error);
    }
  }

  async passTtlCheck(checkId: string): Promise<void> {
    try {
      await this.client.agent.check.pass(checkId);
    } catch (error) {
      throw normalized('pass TTL check', error);
    }
  }

  /** The value at `key`; `undefined` when there is none. */
  async readKey(key: string): Promise<string | undefined> {
    try {
      const item = asObject(await this.client.kv.get(key));
      const value = item?.Value;
      return typeof value === 'string' ? value : undefined;
    } catch (error) {
      throw normalized('read key', error);
    }
  }

  /** Writes `key` only if it does not exist (`?cas=0`); true when this write created it. */
  async createKey(key: string, value: string): Promise<boolean> {
    try {
      return (await this.client.kv.set({ key, value, cas: 0 })) === true;
    } catch (error) {
      throw normalized('create key', error);
    }
  }

  /**
   * `/v1/health/service/<name>`. With `index` > 0 this is a blocking query: the agent answers when
   * the result changes or after `waitMs`. Rejects when `signal` aborts.
   */
  async healthService(
    name: string,
    query: { readonly index: number; readonly waitMs: number },
    signal?: AbortSignal,
  ): Promise<HealthServiceAnswer> {
    const url = new URL(`/v1/health/service/${encodeURIComponent(name)}`, this.baseUrl);
    if (query.index > 0) {
      url.searchParams.set('index', String(query.index));
      url.searchParams.set('wait', `${Math.ceil(query.waitMs)}ms`);
    }
    // Consul may hold a blocking query up to wait + wait/16 (its jitter); past that it is dead.
    const deadlineMs = (query.index > 0 ? query.waitMs * 1.1 : 0) + this.requestTimeoutMs;
    const timeout = AbortSignal.timeout(deadlineMs);
    const response = await fetch(url, {
      headers: this.token === undefined ? {} : { 'X-Consul-Token': this.token },
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new ConsulHttpError(response.status, `health query: ${response.status} ${text.trim()}`);
    }
    const body: unknown = text === '' ? [] : JSON.parse(text);
    if (!Array.isArray(body)) throw new Error('health query: the answer is not a list');
    const index = Number(response.headers.get('X-Consul-Index') ?? '0');
    return { entries: body, index: Number.isFinite(index) ? index : 0 };
  }

  /** Closes the client's keep-alive connections. */
  close(): void {
    this.client.destroy();
  }
}
