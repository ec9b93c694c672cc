/**
 * The agent's ACLs in default-deny with a single management token. Consul takes the token from
 * `X-Consul-Token`, `Authorization: Bearer` or `?token=`; a request without one runs as the
 * anonymous token (which may do nothing), a request with a token Consul does not know is refused
 * with "ACL not found".
 */
import { IncomingMessage } from 'node:http';

/** Who the request runs as. */
export type AclIdentity = 'management' | 'anonymous' | 'unknown-token';

export class AgentAcl {
  /** @param managementToken undefined = ACLs disabled: every request may do everything. */
  constructor(private readonly managementToken: string | undefined) {}

  get enabled(): boolean {
    return this.managementToken !== undefined;
  }

  identify(request: IncomingMessage, query: URLSearchParams): AclIdentity {
    if (this.managementToken === undefined) return 'management';
    const token = tokenOf(request, query);
    if (token === undefined || token === '') return 'anonymous';
    return token === this.managementToken ? 'management' : 'unknown-token';
  }
}

function tokenOf(request: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = request.headers['x-consul-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return query.get('token') ?? undefined;
}
