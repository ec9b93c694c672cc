import { Discovery } from '../src/discovery';
import { ConsulDiscovery } from '../src/consul.discovery';
import { EtcdDiscovery } from '../src/etcd.discovery';

/**
 * Test-only: makes `discovery` behave like the discovery of a killed process. Its timers and
 * keepalives stop and its client closes, but nothing is deregistered: the registration must
 * expire by itself (etcd lease TTL; Consul TTL check, then DeregisterCriticalServiceAfter).
 */
export async function abandonRegistration(discovery: Discovery): Promise<void> {
  if (discovery instanceof EtcdDiscovery || discovery instanceof ConsulDiscovery) {
    await discovery.abandon();
    return;
  }
  // Static discovery registers nothing: there is nothing to abandon.
  await discovery.stop();
}
