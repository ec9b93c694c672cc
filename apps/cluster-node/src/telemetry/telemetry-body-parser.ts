import { HttpStatus } from '@nestjs/common';
import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorName } from '../common/api-error';
import { MAX_SAMPLES_PER_REQUEST } from './telemetry-request';

/** The route whose bodies {@link telemetryBodyParser} reads. */
export const TELEMETRY_INGRESS_PATH = '/ingress/telemetry';

/**
 * The largest `POST /ingress/telemetry` body: 4 MiB. A full batch of MAX_SAMPLES_PER_REQUEST
 * samples with every field takes about 1.7 MB as compact JSON; the rest is room for indentation.
 * Every other route keeps the default 100 KB.
 */
export const TELEMETRY_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Reads telemetry ingress bodies with their own, larger limit. Mounted on the route before Nest's
 * parsers, which then find the body read and leave it; a body over the limit is a 413 in the
 * API's error shape that says what to do instead.
 */
export function telemetryBodyParser(): RequestHandler {
  const parse = json({ limit: TELEMETRY_BODY_LIMIT_BYTES });
  return (request: Request, response: Response, next: NextFunction) => {
    parse(request, response, (error?: unknown) => {
      if (error === undefined) {
        next();
        return;
      }
      if (!isTooLarge(error)) {
        const status = clientErrorStatus(error);
        if (status === undefined) {
          next(error);
          return;
        }
        // Body-parser's own client errors (bad JSON, a charset it cannot read) are no HttpException,
        // and Nest's filter would make them a 500.
        response.status(status).json({
          statusCode: status,
          error: errorName(status),
          message: 'the body is not readable JSON',
          details: [{ field: 'body', reason: (error as Error).message }],
        });
        return;
      }
      const status = HttpStatus.PAYLOAD_TOO_LARGE;
      response.status(status).json({
        statusCode: status,
        error: errorName(status),
        message:
          `a telemetry request body may be at most ${TELEMETRY_BODY_LIMIT_BYTES} bytes (4 MiB): ` +
          `send the samples in several smaller batches`,
        details: [
          {
            field: 'body',
            reason:
              `is larger than ${TELEMETRY_BODY_LIMIT_BYTES} bytes; split it into batches of at ` +
              `most ${MAX_SAMPLES_PER_REQUEST} samples, each under the limit`,
          },
        ],
      });
    });
  };
}

function isTooLarge(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === 'entity.too.large'
  );
}

/** The 4xx status body-parser gave an error about what the client sent, if it is one. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !(error instanceof Error)) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
