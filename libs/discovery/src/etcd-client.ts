import { readFileSync } from 'node:fs';
import { EtcdDiscoveryConfig } from '@falconmind/config';
import { Etcd3, IOptions } from 'etcd3';

/** Thrown when a TLS file named by `ETCD_*_FILE` cannot be read: a configuration error. */
export class EtcdTlsFileError extends Error {
  constructor(variable: string, file: string, reason: string) {
    super(`${variable}=${file} cannot be read: ${reason}`);
    this.name = 'EtcdTlsFileError';
  }
}

function readPem(variable: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new EtcdTlsFileError(
      variable,
      file,
      error instanceof Error ? error.message : String(error),
    );
  }
}

function credentialsOf(config: EtcdDiscoveryConfig): IOptions['credentials'] {
  if (config.tls === undefined) return undefined;
  const rootCertificate = readPem('ETCD_CA_FILE', config.tls.caFile);
  const certChain = readPem('ETCD_CERT_FILE', config.tls.certFile);
  const privateKey = readPem('ETCD_KEY_FILE', config.tls.keyFile);
  // Without a CA file the server certificate is checked against the system roots (an empty buffer
  // tells gRPC to use them).
  return { rootCertificate: rootCertificate ?? Buffer.alloc(0), certChain, privateKey };
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * Delays before etcd3 re-opens a broken watch stream: doubling from `minMs` to `maxMs`. Its default
 * grows to 30 s, so after an etcd outage the peer list could stay stale for that long, and the
 * pending (un-cancellable) reconnect timer would keep a stopped client's process alive as long.
 */
function watchReconnectBackoff(minMs: number, maxMs: number): WatchBackoff {
  const attempt = (durationMs: number): WatchBackoff => ({
    duration: durationMs,
    next: () => attempt(Math.min(maxMs, durationMs * 2)),
  });
  // etcd3 asks this root for its first delay with next(); its own duration is never waited.
  return { duration: minMs, next: () => attempt(minMs) };
}

/** The durations the client needs from `DiscoveryTimings`. */
export interface EtcdClientTimings {
  readonly requestTimeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

/**
 * An etcd client for the configured endpoints, with the configured user and TLS material (PEM files
 * read now, so that a bad path stops the node at start). Every unary call gets `requestTimeoutMs`
 * as its deadline, so that no background loop hangs on a dead connection; streams (watch, lease
 * keepalive) get none, they are meant to live long.
 */
export function createEtcdClient(config: EtcdDiscoveryConfig, timings: EtcdClientTimings): Etcd3 {
  const { requestTimeoutMs } = timings;
  const options: IOptions = {
    hosts: [...config.endpoints],
    credentials: credentialsOf(config),
    auth:
      config.username !== undefined && config.password !== undefined
        ? { username: config.username, password: config.password }
        : undefined,
    dialTimeout: requestTimeoutMs,
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs },
    // Only the watch backoff is ours; the per-host circuit breaker and global retry stay etcd3's.
    faultHandling: { watchBackoff: watchReconnectBackoff(timings.retryMinMs, timings.retryMaxMs) },
  };
  return new Etcd3(options);
}
