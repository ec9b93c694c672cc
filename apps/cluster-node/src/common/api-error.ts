import { HttpException, HttpStatus } from '@nestjs/common';

/** One reason a request was refused, tied to the field it concerns. */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/**
 * An error with the API's body shape: `{statusCode, error, message, details}` (DESIGN.md, HTTP API).
 * `extra` carries more, for example the leader's id and address on a 503.
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    details: readonly FieldProblem[] = [],
    extra: Record<string, unknown> = {},
  ) {
    super({ statusCode: status, error: errorName(status), message, details, ...extra }, status);
  }

  static badRequest(details: readonly FieldProblem[]): ApiError {
    const message = details.map((d) => `${d.field}: ${d.reason}`).join('; ');
    return new ApiError(HttpStatus.BAD_REQUEST, message, details);
  }
}

export function errorName(status: HttpStatus): string {
  switch (status) {
    case HttpStatus.BAD_REQUEST:
      return 'Bad Request';
    case HttpStatus.UNAUTHORIZED:
      return 'Unauthorized';
    case HttpStatus.FORBIDDEN:
      return 'Forbidden';
    case HttpStatus.NOT_FOUND:
      return 'Not Found';
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return 'Payload Too Large';
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return 'Unsupported Media Type';
    case HttpStatus.CONFLICT:
      return 'Conflict';
    case HttpStatus.SERVICE_UNAVAILABLE:
      return 'Service Unavailable';
    case HttpStatus.GATEWAY_TIMEOUT:
      return 'Gateway Timeout';
    default:
      return 'Error';
  }
}
