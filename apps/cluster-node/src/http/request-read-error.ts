import { HttpException, HttpStatus } from '@nestjs/common';
import { RouteBodyLimit } from './body-limits';

/**
 * Errors raised while a request's body is read, before any handler runs, are the client's: a body
 * too large, not JSON, of a type no route reads. Fastify raises them, and Nest hands them to the
 * exception filter as a bare `HttpException` with the framework's status and message. This turns
 * one into the API's answer, which names the part of the request that could not be read and says
 * what to do. (A path Fastify cannot decode never reaches a route: see `http-adapter.ts`.)
 */
export interface RequestReadProblem {
  readonly status: number;
  readonly field: 'body' | 'content-type';
  readonly reason: string;
  /** The message of the answer, when the route has more to say than the reason. */
  readonly message?: string;
  /**
   * Whether the connection may stay open: the server reads and drops the rest of the body after
   * answering. Fastify closes it after any body it could not take, and a client still sending a
   * body too large would get a broken pipe instead of the 413 that says what to do.
   */
  readonly keepConnection: boolean;
}

/** An HttpException Nest made from a framework error, not one the API threw itself. */
function isFrameworkError(exception: HttpException): boolean {
  return exception.constructor === HttpException && typeof exception.getResponse() === 'string';
}

/**
 * The problem `exception` describes, if it is a request-reading error; `routeLimit` is the body
 * limit of the route the request was for, when it has its own.
 */
export function requestReadProblem(
  exception: HttpException,
  routeLimit: RouteBodyLimit | undefined,
  defaultLimitBytes: number,
): RequestReadProblem | undefined {
  if (!isFrameworkError(exception)) return undefined;
  const status = exception.getStatus() as HttpStatus;
  switch (status) {
    case HttpStatus.PAYLOAD_TOO_LARGE: {
      const limit = routeLimit?.limitBytes ?? defaultLimitBytes;
      return {
        status,
        field: 'body',
        reason: `is larger than this route accepts (${limit} bytes): send less in one request`,
        message: routeLimit?.advice,
        keepConnection: true,
      };
    }
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return {
        status,
        field: 'content-type',
        reason: 'is not one this API reads: send the body as application/json',
        keepConnection: false,
      };
    case HttpStatus.BAD_REQUEST:
      return {
        status,
        field: 'body',
        reason: `could not be read: ${exception.message}`,
        keepConnection: false,
      };
    default:
      return undefined;
  }
}
