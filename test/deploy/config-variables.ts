import {
  ConfigValidationError,
  DISCOVERY_KINDS,
  Environment,
  loadNodeConfig,
} from '@falconmind/config';

/**
 * The environment variables the node's configuration reads, found by running `loadNodeConfig` on
 * environments that record every name it looks up: the list follows the configuration code, so a
 * variable added there is known here without editing this file. `loadNodeConfig` ignores variables
 * it does not know, so a misspelt one (`ETCD_ENDPOINT`) would otherwise pass unnoticed, the node
 * silently falling back to a default.
 */
export const CONFIG_VARIABLES: ReadonlySet<string> = new Set(
  // One run per discovery kind, so that each kind's own variables are looked up at least once.
  DISCOVERY_KINDS.flatMap((kind) => [...variablesReadBy({ DISCOVERY: kind })]),
);

/**
 * Variables the image or the container sets for the Node.js runtime rather than for the node's
 * configuration: `NODE_ENV` selects production behaviour in the framework's dependencies, and
 * `NODE_OPTIONS` carries the node's heap limit.
 */
export const RUNTIME_VARIABLES: ReadonlySet<string> = new Set(['NODE_ENV', 'NODE_OPTIONS']);

/** The names that are neither configuration nor runtime variables. */
export function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => !CONFIG_VARIABLES.has(name) && !RUNTIME_VARIABLES.has(name));
}

function variablesReadBy(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording: Environment = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name) as string | undefined;
    },
  });
  try {
    loadNodeConfig(recording);
  } catch (error) {
    // An incomplete environment is refused, but only after every variable was looked at.
    if (!(error instanceof ConfigValidationError)) throw error;
  }
  return read;
}
