/** `/v1/agent/*`: registering services, reading the agent's services and checks, updating TTL checks. */
import { createHash } from 'node:crypto';
import { AgentContext, Route } from './agent-context';
import { CheckStatus, isCheckStatus } from './consul-json';
import { badRequest, ConsulHttpError, notFound } from './http-error';
import {
  Exchange,
  jsonReply,
  readJsonBody,
  Reply,
  requireManagement,
  textReply,
} from './http-exchange';
import { agentServiceJson, checkJson } from './json-views';
import { parseServiceRegistration } from './registration';

/** Headers of a list the anonymous token was not allowed to see. */
const FILTERED_BY_ACLS = { 'X-Consul-Results-Filtered-By-ACLs': 'true' };

export function agentRoutes(context: AgentContext): Route[] {
  const { catalog, checkRunner } = context;
  const datacenter = catalog.identity.datacenter;

  const updateTtl = (checkId: string, status: CheckStatus, output: string): Reply => {
    const outcome = checkRunner.updateTtlCheck(checkId, status, output);
    if (outcome === 'unknown-check') {
      throw notFound(
        `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    if (outcome === 'not-a-ttl-check') {
      throw new ConsulHttpError(500, `CheckID "${checkId}" does not have associated TTL`);
    }
    return textReply(200, '');
  };

  const checkServiceWrite = (exchange: Exchange, checkId: string): void => {
    const serviceId = catalog.check(checkId)?.definition.serviceId ?? checkId;
    requireManagement(exchange, 'service:write', serviceId);
  };

  const passWarnFail =
    (status: CheckStatus) =>
    (exchange: Exchange, [checkId]: readonly string[]): Reply => {
      checkServiceWrite(exchange, checkId);
      return updateTtl(checkId, status, exchange.query.get('note') ?? '');
    };

  return [
    {
      pattern: /^agent\/service\/register$/,
      handlers: {
        PUT: async (exchange) => {
          const registration = parseServiceRegistration(await readJsonBody(exchange));
          requireManagement(exchange, 'service:write', registration.service.name);
          catalog.register(registration, exchange.query.has('replace-existing-checks'));
          return textReply(200, '');
        },
      },
    },
    {
      pattern: /^agent\/service\/deregister\/(.+)$/,
      handlers: {
        PUT: (exchange, [serviceId]) => {
          requireManagement(exchange, 'service:write', serviceId);
          if (!catalog.deregister(serviceId)) {
            throw notFound(
              `Unknown service ID "${serviceId}". Ensure that the service ID is passed, not the service name.`,
            );
          }
          return textReply(200, '');
        },
      },
    },
    {
      pattern: /^agent\/services$/,
      handlers: {
        GET: (exchange) => {
          const services = catalog.services();
          if (exchange.identity !== 'management') {
            return jsonReply({}, services.length > 0 ? FILTERED_BY_ACLS : {});
          }
          return jsonReply(
            Object.fromEntries(
              services.map((service) => [
                service.definition.id,
                agentServiceJson(service, datacenter),
              ]),
            ),
          );
        },
      },
    },
    {
      pattern: /^agent\/service\/(.+)$/,
      handlers: {
        GET: (exchange, [serviceId]) => {
          requireManagement(exchange, 'service:read', serviceId);
          const service = catalog.service(serviceId);
          if (!service) throw notFound(`unknown service ID: ${serviceId}`);
          // The hash lets a caller long-poll with ?hash=; here it only identifies the content.
          const contentHash = createHash('sha256')
            .update(JSON.stringify(agentServiceJson(service, datacenter)))
            .digest('hex')
            .slice(0, 16);
          return jsonReply(agentServiceJson(service, datacenter, contentHash), {
            'X-Consul-ContentHash': contentHash,
          });
        },
      },
    },
    {
      pattern: /^agent\/checks$/,
      handlers: {
        GET: (exchange) => {
          const checks = catalog.checks();
          if (exchange.identity !== 'management') {
            return jsonReply({}, checks.length > 0 ? FILTERED_BY_ACLS : {});
          }
          return jsonReply(
            Object.fromEntries(
              checks.map((check) => [check.definition.id, checkJson(check, catalog, false)]),
            ),
          );
        },
      },
    },
    { pattern: /^agent\/check\/pass\/(.+)$/, handlers: { PUT: passWarnFail('passing') } },
    { pattern: /^agent\/check\/warn\/(.+)$/, handlers: { PUT: passWarnFail('warning') } },
    { pattern: /^agent\/check\/fail\/(.+)$/, handlers: { PUT: passWarnFail('critical') } },
    {
      pattern: /^agent\/check\/update\/(.+)$/,
      handlers: {
        PUT: async (exchange, [checkId]) => {
          const body = await readJsonBody(exchange);
          if (typeof body !== 'object' || body === null || Array.isArray(body)) {
            throw badRequest('Request decode failed: body must be a JSON object');
          }
          const update = body as Record<string, unknown>;
          const status = update.Status ?? update.status;
          const output = update.Output ?? update.output ?? '';
          if (!isCheckStatus(status)) throw badRequest(`Invalid check status: '${String(status)}'`);
          if (typeof output !== 'string')
            throw badRequest('Request decode failed: Output must be a string');
          checkServiceWrite(exchange, checkId);
          return updateTtl(checkId, status, output);
        },
      },
    },
    {
      pattern: /^agent\/self$/,
      handlers: {
        GET: (exchange) => {
          requireManagement(exchange, 'agent:read', catalog.identity.nodeName);
          const { identity } = catalog;
          return jsonReply({
            Config: {
              Datacenter: identity.datacenter,
              NodeName: identity.nodeName,
              NodeID: identity.nodeId,
              Server: true,
              Version: '1.20.0',
            },
            Member: {
              Name: identity.nodeName,
              Addr: identity.address,
              Port: 8301,
              Tags: { dc: identity.datacenter, role: 'consul', id: identity.nodeId },
              Status: 1,
            },
          });
        },
      },
    },
  ];
}
