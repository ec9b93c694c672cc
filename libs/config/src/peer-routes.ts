import { HOST_EXPECTED, ID_EXPECTED, ReportProblem, isHost, isId, isPort } from './validators';

export type PeerRoutes = Readonly<Record<string, { readonly host: string; readonly port: number }>>;

const EXPECTED = `a JSON object {"<node_id>": "host:port"} (node ids of ${ID_EXPECTED}; hosts ${HOST_EXPECTED})`;

/** Splits `host:port`, `[v6]:port` or `v6-without-brackets:port` at the last colon. */
function splitHostPort(value: string): { host: string; port: number } | undefined {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = value.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const portText = value.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  return isHost(host) && isPort(port) ? { host, port } : undefined;
}

/** Reads `RAFT_PEER_ROUTES`; an empty object when unset, `undefined` (reported) when bad. */
export function parsePeerRoutes(
  raw: string | undefined,
  report: ReportProblem,
): PeerRoutes | undefined {
  if (raw === undefined) return Object.freeze({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    report('RAFT_PEER_ROUTES', raw, EXPECTED);
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    report('RAFT_PEER_ROUTES', raw, EXPECTED);
    return undefined;
  }
  const routes: Record<string, { host: string; port: number }> = {};
  for (const [nodeId, target] of Object.entries(parsed)) {
    const route = typeof target === 'string' ? splitHostPort(target) : undefined;
    if (!isId(nodeId) || route === undefined) {
      report(
        'RAFT_PEER_ROUTES',
        raw,
        `${EXPECTED}; the entry for ${JSON.stringify(nodeId)} is not`,
      );
      return undefined;
    }
    routes[nodeId] = Object.freeze(route);
  }
  return Object.freeze(routes);
}
