import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Where Debian's `etcd-server` package puts the binary, tried when PATH does not name one. */
const DEBIAN_LOCATION = '/usr/bin/etcd';

/** Thrown when no etcd binary can be found: the tests cannot run without a real etcd. */
export class EtcdNotFoundError extends Error {
  constructor() {
    super('etcd not found: apt-get install -y etcd-server');
    this.name = 'EtcdNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The etcd binary: the first `etcd` on PATH, else the Debian location; throws when neither exists. */
export function findEtcdBinary(): string {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const candidates = [...directories.map((dir) => path.join(dir, 'etcd')), DEBIAN_LOCATION];
  const found = candidates.find(isExecutable);
  if (found === undefined) throw new EtcdNotFoundError();
  return found;
}
