import { ClusterMember } from '@falconmind/consensus';
import { ApiError } from '../common/api-error';
import { HttpStatus } from '@nestjs/common';

/** Marks a request already forwarded once, so that two nodes never bounce it between them. */
export const FORWARDED_HEADER = 'x-falconmind-forwarded-by';

const FORWARD_TIMEOUT_MS = 15_000;

export interface ForwardedResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Sends a request on to the leader's HTTP API and hands back its answer as it is. Used by membership
 * calls made on a follower.
 */
export async function forwardToLeader(
  leader: ClusterMember | undefined,
  from: string,
  request: { method: string; path: string; body?: unknown; headers?: Record<string, string> },
): Promise<ForwardedResponse> {
  if (!leader?.address || !leader.httpPort) {
    throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'no leader is known; retry shortly', [], {
      leader: null,
      retryable: true,
    });
  }
  const host = leader.address.includes(':') ? `[${leader.address}]` : leader.address;
  try {
    const response = await fetch(`http://${host}:${leader.httpPort}${request.path}`, {
      method: request.method,
      headers: {
        'content-type': 'application/json',
        [FORWARDED_HEADER]: from,
        ...(request.headers ?? {}),
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : {} };
  } catch (error) {
    throw new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      `the leader ${leader.nodeId} could not be reached (${String(error)}); retry shortly`,
      [],
      {
        leader: { node_id: leader.nodeId, address: leader.address, port: leader.httpPort },
        retryable: true,
      },
    );
  }
}
