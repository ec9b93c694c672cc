/**
 * Errors of the body parser (express's `body-parser`, raised through `http-errors`) are the
 * client's: a body too large, not JSON, in an unsupported encoding. They reach the exception filter
 * as plain errors carrying a 4xx `status` and a `type`; this turns one into the API's answer, which
 * names the body and says what to do.
 */
export interface BodyProblem {
  readonly status: number;
  readonly reason: string;
}

interface HttpErrorLike {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  readonly expose?: boolean;
  readonly limit?: number;
}

function isHttpErrorLike(value: unknown): value is HttpErrorLike {
  if (!(value instanceof Error)) return false;
  const candidate = value as Error & Partial<HttpErrorLike>;
  return typeof candidate.status === 'number' && typeof candidate.type === 'string';
}

export function bodyParserProblem(exception: unknown): BodyProblem | undefined {
  if (!isHttpErrorLike(exception)) return undefined;
  const { status, type } = exception;
  if (status < 400 || status > 499 || exception.expose === false) return undefined;
  switch (type) {
    case 'entity.too.large':
      return {
        status,
        reason:
          `is larger than this route accepts` +
          (exception.limit ? ` (${exception.limit} bytes)` : '') +
          ': send less in one request',
      };
    case 'entity.parse.failed':
      return { status, reason: `is not valid JSON (${exception.message})` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status, reason: `${exception.message}: send UTF-8 JSON` };
    default:
      return { status, reason: exception.message };
  }
}
