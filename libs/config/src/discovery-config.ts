import { ReportProblem, parseDigits } from './validators';

export const DISCOVERY_KINDS = ['static', 'etcd', 'consul'] as const;
export type DiscoveryKind = (typeof DISCOVERY_KINDS)[number];

/** TLS material for the etcd client: paths of PEM files. */
export interface EtcdTlsFiles {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

/** `DISCOVERY=static`: the members are `PEER_NODES`, as in the original design. */
export interface StaticDiscoveryConfig {
  readonly kind: 'static';
}

/** `DISCOVERY=etcd`: the node registers under a lease in etcd and finds its peers there. */
export interface EtcdDiscoveryConfig {
  readonly kind: 'etcd';
  /** From `ETCD_ENDPOINTS`: comma-separated `http(s)://host:port` URLs. */
  readonly endpoints: readonly string[];
  /** From `ETCD_USERNAME` and `ETCD_PASSWORD` (both or neither). */
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** From `ETCD_CA_FILE`, `ETCD_CERT_FILE`, `ETCD_KEY_FILE`; `undefined` when none is set. */
  readonly tls: EtcdTlsFiles | undefined;
}

/** `DISCOVERY=consul`: the node registers an agent service with health checks in Consul. */
export interface ConsulDiscoveryConfig {
  readonly kind: 'consul';
  /** From `CONSUL_HTTP_ADDR`: the agent's HTTP API, `http(s)://host:port` (a bare `host:port` means http). */
  readonly httpAddr: string;
  /** From `CONSUL_HTTP_TOKEN`: the ACL token sent with every request. */
  readonly token: string | undefined;
}

export type DiscoveryConfig = StaticDiscoveryConfig | EtcdDiscoveryConfig | ConsulDiscoveryConfig;

const MAX_BOOTSTRAP_EXPECT = 9;

type Text = (name: string) => string | undefined;

/** An `http(s)://host:port` URL with nothing after the port; `undefined` when it is not one. */
function httpUrl(value: string, defaultScheme: boolean): string | undefined {
  const candidate = defaultScheme && !/^[a-z]+:\/\//i.test(value) ? `http://${value}` : value;
  try {
    const url = new URL(candidate);
    const httpish = url.protocol === 'http:' || url.protocol === 'https:';
    if (!httpish || url.port === '' || (url.pathname !== '/' && url.pathname !== '')) {
      return undefined;
    }
    return `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}

/**
 * Reads `DISCOVERY` and the variables of the chosen kind. Reports every bad variable; returns
 * `undefined` when any was bad.
 */
export function parseDiscoveryConfig(
  text: Text,
  report: ReportProblem,
): DiscoveryConfig | undefined {
  const rawKind = text('DISCOVERY');
  const kind = (rawKind?.toLowerCase() ?? 'static') as DiscoveryKind;
  if (!DISCOVERY_KINDS.includes(kind)) {
    report('DISCOVERY', rawKind, `one of ${DISCOVERY_KINDS.join(', ')}`);
    return undefined;
  }
  const unusedBy = (names: readonly string[]) => {
    for (const name of names) {
      if (text(name) !== undefined) {
        report(name, text(name), `to be unset: DISCOVERY=${kind} does not use it`);
      }
    }
  };
  const ETCD_VARS = [
    'ETCD_ENDPOINTS',
    'ETCD_USERNAME',
    'ETCD_PASSWORD',
    'ETCD_CA_FILE',
    'ETCD_CERT_FILE',
    'ETCD_KEY_FILE',
  ];
  const CONSUL_VARS = ['CONSUL_HTTP_ADDR', 'CONSUL_HTTP_TOKEN'];

  if (kind === 'static') {
    unusedBy([...ETCD_VARS, ...CONSUL_VARS]);
    return { kind };
  }
  if (kind === 'consul') {
    unusedBy(ETCD_VARS);
    const raw = text('CONSUL_HTTP_ADDR') ?? '127.0.0.1:8500';
    const httpAddr = httpUrl(raw, true);
    if (httpAddr === undefined) {
      report('CONSUL_HTTP_ADDR', raw, 'host:port or an http(s)://host:port URL of a Consul agent');
      return undefined;
    }
    return { kind, httpAddr, token: text('CONSUL_HTTP_TOKEN') };
  }

  unusedBy(CONSUL_VARS);
  const rawEndpoints = text('ETCD_ENDPOINTS') ?? 'http://127.0.0.1:2379';
  const endpoints = rawEndpoints
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const parsed = endpoints.map((item) => httpUrl(item, false));
  if (parsed.length === 0 || parsed.some((item) => item === undefined)) {
    report(
      'ETCD_ENDPOINTS',
      rawEndpoints,
      'a comma-separated list of http(s)://host:port URLs of etcd members',
    );
    return undefined;
  }
  const username = text('ETCD_USERNAME');
  const password = text('ETCD_PASSWORD');
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'ETCD_USERNAME' : 'ETCD_PASSWORD';
    report(missing, undefined, 'to be set as well: ETCD_USERNAME and ETCD_PASSWORD go together');
    return undefined;
  }
  const caFile = text('ETCD_CA_FILE');
  const certFile = text('ETCD_CERT_FILE');
  const keyFile = text('ETCD_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'ETCD_CERT_FILE' : 'ETCD_KEY_FILE';
    report(missing, undefined, 'to be set as well: ETCD_CERT_FILE and ETCD_KEY_FILE go together');
    return undefined;
  }
  const anyTls = caFile !== undefined || certFile !== undefined;
  return {
    kind,
    endpoints: parsed as string[],
    username,
    password,
    tls: anyTls ? { caFile, certFile, keyFile } : undefined,
  };
}

/**
 * Reads `BOOTSTRAP_EXPECT`: how many fresh nodes found through discovery form the first membership.
 * Only meaningful with etcd or Consul discovery.
 */
export function parseBootstrapExpect(
  text: Text,
  discovery: DiscoveryConfig | undefined,
  report: ReportProblem,
): number | undefined {
  const raw = text('BOOTSTRAP_EXPECT');
  if (raw === undefined) return undefined;
  const value = parseDigits(raw);
  if (value === undefined || value < 1 || value > MAX_BOOTSTRAP_EXPECT) {
    report('BOOTSTRAP_EXPECT', raw, `an integer number of nodes in 1..${MAX_BOOTSTRAP_EXPECT}`);
    return undefined;
  }
  if (discovery?.kind === 'static') {
    report(
      'BOOTSTRAP_EXPECT',
      raw,
      'to be unset with DISCOVERY=static (PEER_NODES names the members); set DISCOVERY=etcd or consul',
    );
    return undefined;
  }
  return value;
}
