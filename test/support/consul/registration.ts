/**
 * Reads the body of `PUT /v1/agent/service/register` into a service and its checks, validating it as
 * the agent does: same defaults (ID = Name, checks start critical, check IDs `service:<id>` and
 * `service:<id>:<n>`), same floors (1 s check interval, 1 min DeregisterCriticalServiceAfter) and
 * the same 400 messages.
 */
import { CheckStatus, ConsulWeights, isCheckStatus } from './consul-json';
import { InvalidDurationError, parseConsulDuration } from './durations';
import { badRequest, ConsulHttpError } from './http-error';

/** Consul runs no check more often than once a second (`checks.MinInterval`). */
export const MIN_CHECK_INTERVAL_MS = 1000;
/** Consul reaps no service sooner than one minute after its check turned critical. */
export const MIN_DEREGISTER_CRITICAL_AFTER_MS = 60_000;
/** An HTTP check waits at most this long for an answer when no `Timeout` is given. */
export const DEFAULT_HTTP_CHECK_TIMEOUT_MS = 10_000;

export interface ServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly enableTagOverride: boolean;
  readonly weights: ConsulWeights;
}

export interface HttpProbeDefinition {
  readonly kind: 'http';
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly intervalMs: number;
  /** How long one call may take: `Timeout` when shorter than the interval, else min(interval, 10 s). */
  readonly timeoutMs: number;
}

export interface TtlProbeDefinition {
  readonly kind: 'ttl';
  readonly ttlMs: number;
}

export type ProbeDefinition = HttpProbeDefinition | TtlProbeDefinition;

export interface CheckDefinition {
  readonly id: string;
  readonly name: string;
  readonly serviceId: string;
  readonly notes: string;
  readonly probe: ProbeDefinition;
  readonly initialStatus: CheckStatus;
  /** 0 = never reaped. */
  readonly deregisterCriticalAfterMs: number;
  /** The interval (after the 1 s floor) and the timeout as given, both 0 when not set: shown in
   * the `Interval`/`Timeout` fields of the check's JSON. The probe holds the effective values. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface ServiceRegistration {
  readonly service: ServiceDefinition;
  readonly checks: readonly CheckDefinition[];
}

type JsonObject = Readonly<Record<string, unknown>>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Consul decodes bodies case-insensitively and accepts snake_case aliases
 * (`deregister_critical_service_after`), so fields are looked up by a folded name.
 */
class Fields {
  private readonly byFoldedName = new Map<string, unknown>();

  constructor(
    source: JsonObject,
    private readonly where: string,
  ) {
    for (const [key, value] of Object.entries(source)) {
      this.byFoldedName.set(fold(key), value);
    }
  }

  has(name: string): boolean {
    const value = this.byFoldedName.get(fold(name));
    return value !== undefined && value !== null;
  }

  raw(name: string): unknown {
    return this.byFoldedName.get(fold(name)) ?? undefined;
  }

  string(name: string): string {
    const value = this.raw(name);
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw this.typeError(name, 'string', value);
    return value;
  }

  integer(name: string): number {
    const value = this.raw(name);
    if (value === undefined || value === null) return 0;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw this.typeError(name, 'int', value);
    }
    return value;
  }

  boolean(name: string): boolean {
    const value = this.raw(name);
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw this.typeError(name, 'bool', value);
    return value;
  }

  strings(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw this.typeError(name, '[]string', value);
    }
    return [...value];
  }

  stringMap(name: string): Record<string, string> {
    const value = this.raw(name);
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value) || !Object.values(value).every((item) => typeof item === 'string')) {
      throw this.typeError(name, 'map[string]string', value);
    }
    return { ...(value as Record<string, string>) };
  }

  /** Milliseconds; 0 when absent. */
  duration(name: string): number {
    const value = this.raw(name);
    if (value === undefined || value === null || value === '') return 0;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw this.typeError(name, 'time.Duration', value);
    }
    try {
      return parseConsulDuration(value);
    } catch (error) {
      if (error instanceof InvalidDurationError) {
        throw badRequest(`Request decode failed: ${error.message}`);
      }
      throw error;
    }
  }

  private typeError(name: string, goType: string, value: unknown): ConsulHttpError {
    const given = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    return badRequest(
      `Request decode failed: json: cannot unmarshal ${given} into Go struct field ${this.where}.${name} of type ${goType}`,
    );
  }
}

function fold(name: string): string {
  return name.toLowerCase().replace(/_/g, '');
}

/** Turns a decoded JSON body into a validated registration, or throws the 400 Consul would send. */
export function parseServiceRegistration(body: unknown): ServiceRegistration {
  if (!isJsonObject(body)) {
    throw badRequest(
      'Request decode failed: json: cannot unmarshal into Go value of type ServiceDefinition',
    );
  }
  const fields = new Fields(body, 'ServiceDefinition');
  const name = fields.string('Name');
  if (name === '') throw badRequest('Missing service name');
  const id = fields.string('ID') || name;
  const meta = fields.stringMap('Meta');
  validateServiceMeta(meta);
  const weights = readWeights(fields);
  const service: ServiceDefinition = {
    id,
    name,
    tags: fields.strings('Tags'),
    address: fields.string('Address'),
    port: fields.integer('Port'),
    meta,
    enableTagOverride: fields.boolean('EnableTagOverride'),
    weights,
  };

  const checkBodies: JsonObject[] = [];
  const single = fields.raw('Check');
  if (single !== undefined && single !== null) {
    if (!isJsonObject(single)) throw badRequest('Request decode failed: Check must be an object');
    // Consul ignores an empty `Check: {}`.
    if (Object.keys(single).length > 0) checkBodies.push(single);
  }
  const many = fields.raw('Checks');
  if (many !== undefined && many !== null) {
    if (!Array.isArray(many) || !many.every(isJsonObject)) {
      throw badRequest('Request decode failed: Checks must be an array of objects');
    }
    checkBodies.push(...many);
  }
  const checks = checkBodies.map((checkBody, index) =>
    parseCheck(checkBody, service, index, checkBodies.length),
  );
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.id)) throw badRequest(`Invalid check: duplicate check ID "${check.id}"`);
    ids.add(check.id);
  }
  return { service, checks };
}

function readWeights(fields: Fields): ConsulWeights {
  const raw = fields.raw('Weights');
  if (raw === undefined || raw === null) return { Passing: 1, Warning: 1 };
  if (!isJsonObject(raw)) throw badRequest('Request decode failed: Weights must be an object');
  const weights = new Fields(raw, 'Weights');
  const passing = weights.has('Passing') ? weights.integer('Passing') : 1;
  const warning = weights.has('Warning') ? weights.integer('Warning') : 1;
  if (passing < 1) throw badRequest('Passing must be greater than 0');
  return { Passing: passing, Warning: warning };
}

const META_KEY = /^[a-zA-Z0-9_-]+$/;

function validateServiceMeta(meta: Record<string, string>): void {
  const entries = Object.entries(meta);
  if (entries.length > 64) {
    throw badRequest(
      'Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs',
    );
  }
  for (const [key, value] of entries) {
    const problem =
      key === ''
        ? 'Key cannot be blank'
        : !META_KEY.test(key)
          ? 'Key contains invalid characters'
          : key.length > 128
            ? 'Key is too long (limit: 128 characters)'
            : key.startsWith('consul-')
              ? "Key prefix 'consul-' is reserved for internal use"
              : value.length > 512
                ? 'Value is too long (limit: 512 characters)'
                : undefined;
    if (problem) {
      throw badRequest(
        `Invalid Service Meta: Couldn't load metadata pair ('${key}', '${value}'): ${problem}`,
      );
    }
  }
}

const UNSUPPORTED_CHECK_KINDS = [
  'TCP',
  'UDP',
  'GRPC',
  'H2PING',
  'Args',
  'ScriptArgs',
  'AliasService',
  'AliasNode',
  'DockerContainerID',
];

function parseCheck(
  body: JsonObject,
  service: ServiceDefinition,
  index: number,
  count: number,
): CheckDefinition {
  const fields = new Fields(body, 'CheckType');
  const http = fields.string('HTTP');
  const ttlMs = fields.duration('TTL');
  const givenIntervalMs = fields.duration('Interval');
  const givenTimeoutMs = fields.duration('Timeout');

  // Consul's CheckType.Validate(), in its order and with its words.
  const unsupported = UNSUPPORTED_CHECK_KINDS.find((kind) => fields.has(kind));
  if (unsupported && !http) {
    throw badRequest(`Invalid check: ${unsupported} checks are not supported by this test server`);
  }
  if (givenIntervalMs > 0 && ttlMs > 0) {
    throw badRequest('Invalid check: Interval and TTL cannot both be specified');
  }
  if (http && givenIntervalMs <= 0) {
    throw badRequest(
      'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks',
    );
  }
  if (!http && ttlMs <= 0) {
    throw badRequest('Invalid check: TTL must be > 0 for TTL checks');
  }
  if (givenTimeoutMs < 0) throw badRequest('Invalid check: Timeout must be >= 0');

  const statusText = fields.string('Status');
  if (statusText !== '' && !isCheckStatus(statusText)) {
    throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
  }
  const initialStatus: CheckStatus = isCheckStatus(statusText) ? statusText : 'critical';

  let id = fields.string('CheckID') || fields.string('ID');
  if (id === '') id = count > 1 ? `service:${service.id}:${index + 1}` : `service:${service.id}`;
  const name = fields.string('Name') || `Service '${service.name}' check`;

  const deregisterMs = fields.duration('DeregisterCriticalServiceAfter');
  const deregisterCriticalAfterMs =
    deregisterMs > 0 ? Math.max(deregisterMs, MIN_DEREGISTER_CRITICAL_AFTER_MS) : 0;

  if (http) {
    const intervalMs = Math.max(givenIntervalMs, MIN_CHECK_INTERVAL_MS);
    const headers = readHeaders(fields);
    const timeoutMs =
      givenTimeoutMs > 0 && givenTimeoutMs < intervalMs
        ? givenTimeoutMs
        : Math.min(intervalMs, DEFAULT_HTTP_CHECK_TIMEOUT_MS);
    return {
      id,
      name,
      serviceId: service.id,
      notes: fields.string('Notes'),
      initialStatus,
      deregisterCriticalAfterMs,
      intervalMs,
      timeoutMs: givenTimeoutMs,
      probe: {
        kind: 'http',
        url: http,
        method: fields.string('Method') || 'GET',
        headers,
        body: fields.string('Body'),
        intervalMs,
        timeoutMs,
      },
    };
  }
  return {
    id,
    name,
    serviceId: service.id,
    notes: fields.string('Notes'),
    initialStatus,
    deregisterCriticalAfterMs,
    intervalMs: 0,
    timeoutMs: 0,
    probe: { kind: 'ttl', ttlMs },
  };
}

function readHeaders(fields: Fields): Record<string, string[]> {
  const raw = fields.raw('Header');
  if (raw === undefined || raw === null) return {};
  const valid =
    isJsonObject(raw) &&
    Object.values(raw).every(
      (values) => Array.isArray(values) && values.every((item) => typeof item === 'string'),
    );
  if (!valid) {
    throw badRequest(
      'Request decode failed: json: cannot unmarshal into Go struct field CheckType.Header of type map[string][]string',
    );
  }
  return Object.fromEntries(
    Object.entries(raw as Record<string, string[]>).map(([key, values]) => [key, [...values]]),
  );
}
