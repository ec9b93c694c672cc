/**
 * A Consul agent for tests: `startConsulTestServer()` starts our fake of the agent HTTP API (the
 * endpoints the cluster uses, with real checks, blocking queries, KV and ACLs), `startConsul()` starts
 * a real `consul agent -dev` when the binary is on the PATH and the fake otherwise.
 */
import { ConsulAgentDev, findConsulBinary } from './consul-agent-dev';
import { ConsulTestServer, ConsulTestServerOptions } from './consul-test-server';
import { FakeConsulAgent } from './fake-consul-agent';

export type { ConsulTestServer, ConsulTestServerOptions } from './consul-test-server';
export { TEST_AGENT_DATACENTER, TEST_AGENT_NODE_NAME } from './fake-consul-agent';
export type {
  AgentServiceJson,
  CatalogServiceJson,
  CheckStatus,
  ConsulNodeJson,
  HealthCheckJson,
  HealthServiceJson,
  KvEntryJson,
  ServiceEntryJson,
} from './consul-json';

/** Starts the fake agent, listening on 127.0.0.1. */
export async function startConsulTestServer(
  options: ConsulTestServerOptions = {},
): Promise<ConsulTestServer> {
  const agent = new FakeConsulAgent(options);
  await agent.start();
  return agent;
}

/**
 * Starts `consul agent -dev` on free loopback ports when a `consul` binary is on the PATH
 * (`timeScale` is then ignored), else the fake.
 */
export async function startConsul(
  options: ConsulTestServerOptions = {},
): Promise<ConsulTestServer> {
  const binary = findConsulBinary();
  if (!binary) return startConsulTestServer(options);
  const agent = await ConsulAgentDev.create(binary, options);
  try {
    await agent.start();
  } catch (error) {
    await agent.close();
    throw error;
  }
  return agent;
}
