import { readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'falconmind-cluster-center';

/**
 * The release this node runs, from the project's package.json (found by walking up from this file,
 * which works from the sources and from the build output alike). Shown in the OpenAPI document and
 * in the node's discovery registration.
 */
function readNodeVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === PACKAGE_NAME && manifest.version) return manifest.version;
    } catch {
      // No package.json here, or not ours: keep walking up.
    }
    if (path.dirname(dir) === dir) return '0.0.0-unknown';
  }
}

export const NODE_VERSION = readNodeVersion();
