/**
 * `/v1/health/service/:name`, `/v1/catalog/*` and `/v1/status/*`: the reads a cluster discovers its
 * members with (blocking queries, `?index=&wait=`), and `PUT /v1/catalog/deregister`.
 */
import { AgentContext, Route } from './agent-context';
import { waitForNewerResult } from './blocking-query';
import { badRequest } from './http-error';
import {
  blockingParameters,
  Exchange,
  hasFlag,
  jsonReply,
  queryMetaHeaders,
  readJsonBody,
  Reply,
  requireManagement,
} from './http-exchange';
import {
  catalogServiceEntries,
  catalogServiceNames,
  healthFingerprint,
  serviceEntries,
  SERVER_RPC_PORT,
  ServiceQuery,
} from './json-views';

const LEADER_ADDRESS = `127.0.0.1:${SERVER_RPC_PORT}`;

export function healthCatalogRoutes(context: AgentContext): Route[] {
  const { catalog, changeIndex, resultIndexes, timeScale } = context;

  /**
   * Holds the request as a blocking query, then answers with the result and its index. The anonymous
   * token sees an empty result (Consul filters lists rather than refusing them) but the same index.
   */
  const blockingRead = async <T>(
    exchange: Exchange,
    topic: string,
    compute: () => { readonly result: T[] | Record<string, unknown>; readonly fingerprint: string },
  ): Promise<Reply> => {
    const resultIndex = (): number => resultIndexes.indexOf(topic, compute().fingerprint);
    const { minIndex, maxWaitMs } = blockingParameters(exchange.query, timeScale);
    await waitForNewerResult(changeIndex, {
      minIndex,
      maxWaitMs,
      resultIndex,
      signal: exchange.signal,
    });
    const { result } = compute();
    const headers = queryMetaHeaders(resultIndex());
    if (exchange.identity === 'management') return jsonReply(result, headers);
    const isEmpty = Array.isArray(result) ? result.length === 0 : Object.keys(result).length === 0;
    return jsonReply(
      Array.isArray(result) ? [] : {},
      isEmpty ? headers : { ...headers, 'X-Consul-Results-Filtered-By-ACLs': 'true' },
    );
  };

  const serviceQuery = (exchange: Exchange, name: string): ServiceQuery => ({
    name,
    tags: exchange.query.getAll('tag'),
  });

  return [
    {
      pattern: /^health\/service\/(.+)$/,
      handlers: {
        GET: (exchange, [name]) => {
          const query = serviceQuery(exchange, name);
          const passingOnly = hasFlag(exchange.query, 'passing');
          const topic = `health:${JSON.stringify([query, passingOnly])}`;
          return blockingRead(exchange, topic, () => {
            const result = serviceEntries(catalog, query, passingOnly);
            return { result, fingerprint: healthFingerprint(result) };
          });
        },
      },
    },
    {
      pattern: /^catalog\/service\/(.+)$/,
      handlers: {
        GET: (exchange, [name]) => {
          const query = serviceQuery(exchange, name);
          return blockingRead(exchange, `catalog-service:${JSON.stringify(query)}`, () => {
            const result = catalogServiceEntries(catalog, query);
            return { result, fingerprint: JSON.stringify(result) };
          });
        },
      },
    },
    {
      pattern: /^catalog\/services$/,
      handlers: {
        GET: (exchange) =>
          blockingRead(exchange, 'catalog-services', () => {
            const result = catalogServiceNames(catalog);
            return { result, fingerprint: JSON.stringify(result) };
          }),
      },
    },
    {
      pattern: /^catalog\/deregister$/,
      handlers: {
        PUT: async (exchange) => {
          const body = await readJsonBody(exchange);
          const fields =
            typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
          const node = fields.Node ?? fields.node;
          if (typeof node !== 'string' || node === '') throw badRequest('Must provide node');
          requireManagement(exchange, 'node:write', node);
          // The agent's own services come back at its next anti-entropy sync (within a minute
          // for a real agent); the fake restores them at once, so this changes nothing. Other
          // nodes are not in this single-node catalog, and removing what is absent succeeds.
          return jsonReply(true);
        },
      },
    },
    {
      pattern: /^catalog\/datacenters$/,
      open: true,
      handlers: { GET: () => jsonReply([catalog.identity.datacenter]) },
    },
    {
      pattern: /^status\/leader$/,
      open: true,
      handlers: { GET: () => jsonReply(LEADER_ADDRESS) },
    },
    {
      pattern: /^status\/peers$/,
      open: true,
      handlers: { GET: () => jsonReply([LEADER_ADDRESS]) },
    },
  ];
}
