import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DriverStoppedError, NoLeaderError, OutcomeUnknownError } from '@falconmind/consensus';
import { MembershipConflictError, NotClusterLeaderError } from '@falconmind/consensus';
import { NodeLogger } from '../node-logger';
import { errorName } from './api-error';
import { DEFAULT_BODY_LIMIT_BYTES, routeBodyLimit } from '../http/body-limits';
import { requestReadProblem } from '../http/request-read-error';
import { ROUTE_BODY_LIMITS } from '../http/route-body-limits';

/**
 * Maps every error to the API's body shape, in one place: HTTP errors keep their status; errors
 * reading the request (too large, not JSON) keep their 4xx and name the body; the cluster's own
 * errors become 409 or 503 (retryable, with the leader when known); anything else is a
 * 500 that is logged, since nothing a client sends should reach it.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: NodeLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, keepConnection } = this.describe(exception, request.routeOptions.url);
    if (keepConnection) reply.removeHeader('connection');
    void reply.status(status).send(body);
  }

  private describe(
    exception: unknown,
    routePath: string | undefined,
  ): { status: number; body: Record<string, unknown>; keepConnection?: boolean } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'object' && payload !== null && 'details' in payload) {
        return { status, body: payload };
      }
      const readProblem = requestReadProblem(
        exception,
        routePath === undefined ? undefined : routeBodyLimit(ROUTE_BODY_LIMITS, routePath),
        DEFAULT_BODY_LIMIT_BYTES,
      );
      if (readProblem) {
        const { field, reason, message, keepConnection } = readProblem;
        return {
          ...this.body(status, errorName(status), message ?? `${field} ${reason}`, {
            details: [{ field, reason }],
          }),
          keepConnection,
        };
      }
      const raw =
        typeof payload === 'string' ? payload : (payload as { message?: unknown }).message;
      const message =
        typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join('; ') : exception.message;
      return {
        status,
        body: { statusCode: status, error: errorName(status), message, details: [] },
      };
    }
    if (exception instanceof MembershipConflictError) {
      return this.body(HttpStatus.CONFLICT, 'Conflict', exception.message);
    }
    if (exception instanceof NotClusterLeaderError) {
      const leader = exception.leader;
      return this.body(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', exception.message, {
        leader: leader
          ? { node_id: leader.nodeId, address: leader.address, port: leader.httpPort }
          : null,
        retryable: true,
      });
    }
    if (exception instanceof NoLeaderError || exception instanceof DriverStoppedError) {
      return this.body(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', exception.message, {
        leader:
          exception instanceof NoLeaderError && exception.leader
            ? { node_id: exception.leader }
            : null,
        retryable: true,
      });
    }
    if (exception instanceof OutcomeUnknownError) {
      return this.body(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', exception.message, {
        retryable: true,
      });
    }
    this.logger.error('unexpected error', {
      error: exception instanceof Error ? (exception.stack ?? '') : String(exception),
    });
    return this.body(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'Internal Server Error',
      'an unexpected error; see the node log',
    );
  }

  private body(
    status: number,
    error: string,
    message: string,
    extra: Record<string, unknown> = {},
  ): { status: number; body: Record<string, unknown> } {
    return { status, body: { statusCode: status, error, message, details: [], ...extra } };
  }
}
