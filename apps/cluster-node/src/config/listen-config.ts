/** Where the node's HTTP server listens. */
export interface ListenConfig {
  /** Interface to bind, from `NODE_ADDRESS`. Default `127.0.0.1`. */
  readonly address: string;
  /** TCP port for HTTP (REST, health), from `NODE_PORT`. Default 8888. */
  readonly port: number;
}

export const DEFAULT_NODE_ADDRESS = '127.0.0.1';
export const DEFAULT_NODE_PORT = 8888;

/** Thrown when an environment variable holds a value the node cannot use. */
export class InvalidEnvironmentError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * Reads `NODE_ADDRESS` and `NODE_PORT`. Unset or empty variables take their defaults;
 * a bad value throws an {@link InvalidEnvironmentError} naming the variable.
 */
export function readListenConfig(env: NodeJS.ProcessEnv): ListenConfig {
  const address = env.NODE_ADDRESS?.trim() || DEFAULT_NODE_ADDRESS;
  const rawPort = env.NODE_PORT?.trim() ?? '';
  let port = DEFAULT_NODE_PORT;
  if (rawPort !== '') {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
      throw new InvalidEnvironmentError('NODE_PORT', rawPort, 'an integer from 1 to 65535');
    }
  }
  return { address, port };
}
