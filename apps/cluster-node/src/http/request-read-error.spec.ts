import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RouteBodyLimit } from './body-limits';
import { requestReadProblem } from './request-read-error';

const DEFAULT_LIMIT = 100 * 1024;
const LARGE_ROUTE: RouteBodyLimit = {
  path: '/ingress/large',
  limitBytes: 4096,
  advice: 'send it in smaller parts',
};

/** What Nest hands the filter for a Fastify error: `new HttpException(message, statusCode)`. */
const framework = (message: string, status: number) => new HttpException(message, status);

describe('requestReadProblem', () => {
  it('names the body of a request too large, with the route limit and its advice', () => {
    const problem = requestReadProblem(
      framework('Request body is too large', 413),
      LARGE_ROUTE,
      DEFAULT_LIMIT,
    );
    assert.equal(problem?.status, 413);
    assert.equal(problem?.field, 'body');
    assert.match(problem?.reason ?? '', /4096 bytes/);
    assert.equal(problem?.message, 'send it in smaller parts');
    assert.equal(problem?.keepConnection, true);
    const elsewhere = requestReadProblem(
      framework('Request body is too large', 413),
      undefined,
      DEFAULT_LIMIT,
    );
    assert.match(elsewhere?.reason ?? '', /102400 bytes/);
    assert.equal(elsewhere?.message, undefined);
  });

  it('names the content type of a body no route reads, and closes nothing it need not', () => {
    const problem = requestReadProblem(
      framework('Unsupported Media Type', 415),
      undefined,
      DEFAULT_LIMIT,
    );
    assert.deepEqual(
      [problem?.status, problem?.field, problem?.keepConnection],
      [415, 'content-type', false],
    );
  });

  it('names the body that could not be parsed, and says why', () => {
    const body = requestReadProblem(
      framework("Body is not valid JSON but content-type is set to 'application/json'", 400),
      undefined,
      DEFAULT_LIMIT,
    );
    assert.equal(body?.field, 'body');
    assert.match(body?.reason ?? '', /not valid JSON/);
  });

  it("leaves the API's own errors alone, whatever their status", () => {
    for (const own of [
      ApiError.badRequest([{ field: 'name', reason: 'is required' }]),
      new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'too many samples'),
      new HttpException({ message: 'an object payload' }, 400),
      new BadRequestException('thrown by a handler, not by the framework'),
    ]) {
      assert.equal(requestReadProblem(own, undefined, DEFAULT_LIMIT), undefined, own.message);
    }
    assert.equal(
      requestReadProblem(framework('Not Found', 404), undefined, DEFAULT_LIMIT),
      undefined,
    );
  });
});
