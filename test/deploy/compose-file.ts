import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { InterpolationEnvironment, interpolateValues } from './compose-interpolation';

/** The deployment files' folder. Relative paths in a compose file are resolved against it. */
export const DOCKER_DIR = path.resolve(__dirname, '..', '..', 'docker');

/** The image every Cluster Center node service runs. */
export const NODE_IMAGE = 'falconmind/cluster-node';
export const NODE_DOCKERFILE = 'docker/Dockerfile';

/** The part of a compose service these checks read. */
export interface ComposeService {
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly image?: string;
  readonly command?: unknown;
  readonly environment?: Readonly<Record<string, string | number | boolean | null>> | string[];
  readonly ports?: readonly (string | number | ComposePortObject)[];
  readonly volumes?: readonly (string | ComposeVolumeObject)[];
  readonly depends_on?: Readonly<Record<string, { readonly condition?: string }>> | string[];
  readonly healthcheck?: { readonly test?: unknown; readonly disable?: boolean };
}

interface ComposePortObject {
  readonly target?: number;
  readonly published?: string | number;
  readonly host_ip?: string;
  readonly protocol?: string;
}

interface ComposeVolumeObject {
  readonly type?: string;
  readonly source?: string;
  readonly target?: string;
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>> | null;
}

/** Every `compose.*.yml` in docker/, sorted so that tests are declared in a stable order. */
export function composeFileNames(): string[] {
  return readdirSync(DOCKER_DIR)
    .filter((name) => /^compose\..*\.ya?ml$/.test(name))
    .sort();
}

/**
 * Parses a compose file as Compose does: YAML merge keys (`<<: *anchor`) resolved, then every
 * value interpolated with `env`.
 */
export function readComposeFile(fileName: string, env: InterpolationEnvironment): ComposeFile {
  const parsed: unknown = parse(readFileSync(path.join(DOCKER_DIR, fileName), 'utf8'), {
    merge: true,
  });
  return interpolateValues(parsed, env) as ComposeFile;
}

/**
 * A service's environment as the container gets it. A variable named without a value (list form
 * `NAME`, map form `NAME:`) is taken from Compose's own environment, and left out when unset there.
 */
export function environmentOf(
  service: ComposeService,
  env: InterpolationEnvironment = {},
): Record<string, string> {
  const declared = service.environment ?? {};
  const entries: [string, string | undefined][] = Array.isArray(declared)
    ? declared.map((line) => {
        const equals = line.indexOf('=');
        return equals === -1 ? [line, env[line]] : [line.slice(0, equals), line.slice(equals + 1)];
      })
    : Object.entries(declared).map(([name, value]) => [
        name,
        value === null ? env[name] : String(value),
      ]);
  return Object.fromEntries(
    entries.filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The names a service's `environment` declares, with or without a value. */
export function declaredVariableNames(service: ComposeService): string[] {
  const declared = service.environment ?? {};
  return Array.isArray(declared)
    ? declared.map((line) => line.split('=')[0])
    : Object.keys(declared);
}

/** Whether a service runs a Cluster Center node: built from its Dockerfile or running its image. */
export function isClusterNode(service: ComposeService): boolean {
  const dockerfile = typeof service.build === 'object' ? service.build.dockerfile : undefined;
  return (
    dockerfile === NODE_DOCKERFILE ||
    service.image === NODE_IMAGE ||
    (service.image?.startsWith(`${NODE_IMAGE}:`) ?? false)
  );
}

/** One port a service publishes on the host. */
export interface PublishedPort {
  readonly hostIp: string | undefined;
  readonly hostPort: string;
  readonly containerPort: string;
  readonly protocol: string;
}

/**
 * The ports a service publishes on the host, from the short (`[IP:]HOST:CONTAINER[/PROTOCOL]`) or
 * the long syntax. A port given without a host side gets an ephemeral host port and is left out.
 */
export function publishedPorts(service: ComposeService): PublishedPort[] {
  const published: PublishedPort[] = [];
  for (const port of service.ports ?? []) {
    if (typeof port === 'object') {
      if (port.published === undefined) continue;
      published.push({
        hostIp: port.host_ip,
        hostPort: String(port.published),
        containerPort: String(port.target),
        protocol: port.protocol ?? 'tcp',
      });
      continue;
    }
    const [mapping, protocol = 'tcp'] = String(port).split('/');
    let hostIp: string | undefined;
    let ports = mapping;
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(mapping);
    if (bracketed) {
      hostIp = bracketed[1];
      ports = bracketed[2];
    }
    const parts = ports.split(':');
    if (parts.length === 3) hostIp = parts.shift();
    if (parts.length !== 2) continue;
    published.push({ hostIp, hostPort: parts[0], containerPort: parts[1], protocol });
  }
  return published;
}

/** One volume mount of a service. */
export interface VolumeMount {
  readonly kind: 'named' | 'bind' | 'other';
  readonly source: string | undefined;
  readonly target: string;
}

/** A service's mounts; a short-syntax source that is a path (`./`, `../`, `/`, `~`) is a bind. */
export function volumeMounts(service: ComposeService): VolumeMount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume === 'object') {
      const kind = volume.type === 'volume' ? 'named' : volume.type === 'bind' ? 'bind' : 'other';
      return { kind, source: volume.source, target: volume.target ?? '' };
    }
    const [first, second] = volume.split(':');
    if (second === undefined) return { kind: 'other', source: undefined, target: first };
    const bind = /^(\.{1,2}\/|\/|~)/.test(first);
    return { kind: bind ? 'bind' : 'named', source: first, target: second };
  });
}

/** Whether a bind-mount source exists, resolved as Compose does against the file's folder. */
export function bindSourceExists(source: string): boolean {
  return existsSync(path.resolve(DOCKER_DIR, source));
}

/** The services `service` waits for, with the condition of each. */
export function dependenciesOf(service: ComposeService): Map<string, string | undefined> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return new Map(dependsOn.map((name) => [name, undefined]));
  return new Map(Object.entries(dependsOn).map(([name, rule]) => [name, rule.condition]));
}

/** The health check command of a service, or `undefined` when it has none or disables it. */
export function healthCheckOf(service: ComposeService): unknown[] | string | undefined {
  const check = service.healthcheck;
  if (check === undefined || check.disable === true) return undefined;
  const { test } = check;
  if (typeof test === 'string') return test.trim() === '' ? undefined : test;
  if (!Array.isArray(test) || test.length === 0 || test[0] === 'NONE') return undefined;
  return test as unknown[];
}
