import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
} from '@nestjs/common';
import type { Response } from 'express';
import { DriverStoppedError, NoLeaderError, OutcomeUnknownError } from '@falconmind/consensus';
import { MembershipConflictError, NotClusterLeaderError } from '@falconmind/consensus';
import { NodeLogger } from '../node-logger';
import { errorName } from './api-error';
import { bodyParserProblem } from './body-parser-error';

/**
 * Maps every error to the API's body shape, in one place: HTTP errors keep their status; the
 * body parser's errors (too large, not JSON) keep their 4xx and name the body; the cluster's own
 * errors become 409 or 503 (retryable, with the leader when known); anything else is a
 * 500 that is logged, since nothing a client sends should reach it.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: NodeLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    response.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: Record<string, unknown> } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'object' && payload !== null && 'details' in payload) {
        return { status, body: payload };
      }
      const raw =
        typeof payload === 'string' ? payload : (payload as { message?: unknown }).message;
      const message =
        typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join('; ') : exception.message;
      return {
        status,
        body: {
          statusCode: status,
          error: errorName(status),
          message,
          details: unparsableRequestDetails(exception, message),
        },
      };
    }
    const bodyProblem = bodyParserProblem(exception);
    if (bodyProblem) {
      return this.body(
        bodyProblem.status,
        errorName(bodyProblem.status),
        `body ${bodyProblem.reason}`,
        {
          details: [{ field: 'body', reason: bodyProblem.reason }],
        },
      );
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

/**
 * Nest turns the body parser's JSON error and express's bad path encoding into a bare
 * BadRequestException carrying only the parser's message (routes-resolver's
 * `mapExternalException`); every 400 of our own names its fields. Name the part that could not be
 * read, so that this 400 too says where to look.
 */
function unparsableRequestDetails(
  exception: HttpException,
  message: string,
): Array<{ field: string; reason: string }> {
  if (exception.constructor !== BadRequestException) return [];
  const field = /URI|decode param/i.test(message) ? 'path' : 'body';
  return [{ field, reason: `could not be read: ${message}` }];
}
